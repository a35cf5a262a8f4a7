#!/usr/bin/env bash
# Issue 8, load: the local host under a sustained ingest for a fixed time, memory sampled, loss checked.
#
#   bash scripts/load-test.sh [seconds=600] [readings-per-second=78400]
#
# 78,400 readings/s is 80 % of the benchmarked ingest rate (about 98,000 readings/s, docs/local-host.md: fault-free
# fleet, the built-in sender over loopback HTTP, NDJSON, 100 readings per request, capture on). The load is the host's
# own simulated fleet (LocalHost:SimulatorReadingsPerSecond), streamed through the real HTTP ingest on loopback;
# faults and malformed payloads off, demo drift off, so the run measures the ingest path, not the anomaly sinks.
# Azurite runs with its data on disk (capture of ~47 M readings would not fit in memory).
#
# Every 10 s: the host's and Azurite's RSS (VmRSS) and /api/stats -> $out/samples.csv.
# At the end: the run summary (last line of the host) -> $out/summary.json; then the host is started again without the
# simulator to query the anomalies sink for the run's window and compare its count with the summary.
# Checks (exit 1 when one fails): sent == received, received == scored + rejected, drained, rejected == 0,
# anomalies in the sink == anomalies counted. Not part of the test suite (it takes the machine for the duration).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-600}"
rate="${2:-78400}"
out="${LOAD_TEST_OUT:-$(mktemp -d /tmp/iotanomaly-load-XXXXXX)}"
mkdir -p "$out"
key="load-test-$(date +%s)"
model="load-$(date +%s)"
host_dll="functions/IoTAnomaly.LocalHost/bin/Release/net10.0/IoTAnomaly.LocalHost.dll"
azurite_js="tools/azurite/node_modules/azurite/dist/src/azurite.js"

[ -f "$host_dll" ] || dotnet build functions/IoTAnomaly.LocalHost/IoTAnomaly.LocalHost.csproj -c Release -nologo -v q
[ -f "$azurite_js" ] || npm ci --prefix tools/azurite --no-audit --no-fund --loglevel=error

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

blob_port=$(free_port); queue_port=$(free_port); table_port=$(free_port); host_port=$(free_port)
data="$out/azurite-data"
mkdir -p "$data"
node "$azurite_js" --location "$data" --blobHost 127.0.0.1 --blobPort "$blob_port" --queueHost 127.0.0.1 --queuePort "$queue_port" \
  --tableHost 127.0.0.1 --tablePort "$table_port" --skipApiVersionCheck --loose --silent --disableTelemetry > "$out/azurite.log" 2>&1 &
azurite_pid=$!
host_pid=""
cleanup() {
  [ -n "$host_pid" ] && kill "$host_pid" 2>/dev/null || true
  kill "$azurite_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  [ "${LOAD_TEST_KEEP_DATA:-}" = "1" ] || rm -rf "$data"
}
trap cleanup EXIT
for _ in $(seq 1 100); do (echo > "/dev/tcp/127.0.0.1/$blob_port") 2>/dev/null && break; sleep 0.2; done

account="devstoreaccount1"
dev_key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="  # Azurite's published development key
export Storage__ConnectionString="DefaultEndpointsProtocol=http;AccountName=$account;AccountKey=$dev_key;BlobEndpoint=http://127.0.0.1:$blob_port/$account;QueueEndpoint=http://127.0.0.1:$queue_port/$account;TableEndpoint=http://127.0.0.1:$table_port/$account;"
export Security__ApiKey="$key"
export Scoring__ModelName="$model"
export Simulator__FaultRate=0
export Simulator__MalformedRate=0
export LocalHost__DemoDrift=false
export Drift__RetrainOnDrift=false
export Logging__LogLevel__Default=Warning

echo "load test: ${seconds} s at ${rate} readings/s; output in $out"
started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
dotnet "$host_dll" --duration "$seconds" --urls "http://127.0.0.1:$host_port" \
  --LocalHost:SimulatorReadingsPerSecond="$rate" > "$out/host.log" 2>&1 &
host_pid=$!

echo "t_s,host_rss_kb,azurite_rss_kb,received,scored,rejected,pending,readings_per_s,refused" > "$out/samples.csv"
t0=$(date +%s)
while kill -0 "$host_pid" 2>/dev/null; do
  sleep 10
  t=$(( $(date +%s) - t0 ))
  stats=$(curl -s -m 5 -H "x-api-key: $key" "http://127.0.0.1:$host_port/api/stats" || true)
  line=$(python3 -c 'import json,sys
try:
  s=json.loads(sys.argv[1]); print(",".join(str(s[k]) for k in ["received","scored","rejected","pendingEvents","readingsPerSecond","refusedRequests"]))
except Exception: print(",,,,,")' "$stats")
  echo "$t,$(rss_kb "$host_pid"),$(rss_kb "$azurite_pid"),$line" | tee -a "$out/samples.csv"
done
wait "$host_pid" || { echo "host exited with an error"; tail -20 "$out/host.log"; exit 1; }
host_pid=""
ended_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
tail -1 "$out/host.log" > "$out/summary.json"
echo "summary: $(cat "$out/summary.json")"

# The anomalies sink, queried through a host without the simulator (the sink's own time-window query).
dotnet "$host_dll" --no-simulator --urls "http://127.0.0.1:$host_port" --LocalHost:BootstrapModel=false > "$out/query-host.log" 2>&1 &
host_pid=$!
for _ in $(seq 1 150); do curl -s -o /dev/null -m 2 -H "x-api-key: $key" "http://127.0.0.1:$host_port/api/stats" && break; sleep 0.2; done
curl -s -m 300 -H "x-api-key: $key" "http://127.0.0.1:$host_port/api/anomalies?from=${started_at}&to=$(date -u +%Y-%m-%dT%H:%M:%SZ)&limit=100000" > "$out/anomalies.json"
kill "$host_pid"; wait "$host_pid" 2>/dev/null || true; host_pid=""

python3 - "$out" "$seconds" "$rate" <<'EOF'
import csv, json, sys
out, seconds, rate = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
summary = json.load(open(f"{out}/summary.json"))
samples = [r for r in csv.DictReader(open(f"{out}/samples.csv")) if r["host_rss_kb"] not in ("", "0")]
stored = json.load(open(f"{out}/anomalies.json"))
def mb(kb): return round(int(kb) / 1024)
first, middle, last = samples[min(2, len(samples) - 1)], samples[len(samples) // 2], samples[-1]
peak = max(int(r["host_rss_kb"]) for r in samples)
checks = {
    "sent == received": summary.get("sent") == summary["received"],
    "received == scored + rejected": summary["received"] == summary["scored"] + summary["rejected"],
    "drained": bool(summary.get("drained")),
    "rejected == 0": summary["rejected"] == 0,
    "anomalies in the sink == anomalies counted": len(stored) == summary["anomalies"],
}
report = {
    "seconds": seconds, "offeredReadingsPerSecond": rate,
    "received": summary["received"], "achievedReadingsPerSecond": round(summary["received"] / seconds),
    "scored": summary["scored"], "rejected": summary["rejected"], "anomalies": summary["anomalies"], "anomaliesInSink": len(stored),
    "hostRssMb": {"t=" + first["t_s"]: mb(first["host_rss_kb"]), "t=" + middle["t_s"]: mb(middle["host_rss_kb"]), "t=" + last["t_s"]: mb(last["host_rss_kb"]), "peak": round(peak / 1024)},
    "azuriteRssMb": {"t=" + first["t_s"]: mb(first["azurite_rss_kb"]), "t=" + last["t_s"]: mb(last["azurite_rss_kb"])},
    "checks": checks,
}
json.dump(report, open(f"{out}/report.json", "w"), indent=1)
print(json.dumps(report, indent=1))
sys.exit(0 if all(checks.values()) else 1)
EOF
