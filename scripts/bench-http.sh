#!/usr/bin/env bash
# Issue 3's HTTP targets, measured over loopback on this machine: ingest readings/s (NDJSON, 100 readings per
# request, distinct message ids, nothing lost) with the host's max RSS, then /api/predict latency at 2,000 requests/s.
#
#   bash scripts/bench-http.sh [seconds=20] [connections=4] [mode=both|ingest|predict] [fault-rate=0] [invalid-rate=0]
#
# Ingest is measured after a 10 s warm-up of the same load (`--warmup`), so the figure is the sustained rate. A
# fault rate above 0 sends simulated faults too (spikes, level shifts, stuck sensors, slow drift): the anomalies
# sink then has work to do. An invalid rate above 0 sends that share of readings with a non-numeric value: the host
# rejects them into the dead-letter sink (a storm of bad input).
#
# Starts the pinned Azurite (in memory, free ports) and the Release local host without its simulator, runs
# `iotanomaly bench http`, prints its JSON line, and stops both. The sender, the host and Azurite share the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-20}"
connections="${2:-4}"
mode="${3:-both}"
fault_rate="${4:-0}"
invalid_rate="${5:-0}"
key="bench-$(date +%s)"
dotnet build functions/IoTAnomaly.LocalHost/IoTAnomaly.LocalHost.csproj -c Release -nologo -v q > /dev/null
dotnet build functions/IoTAnomaly.Cli/IoTAnomaly.Cli.csproj -c Release -nologo -v q > /dev/null
[ -x tools/azurite/node_modules/.bin/azurite ] || npm ci --prefix tools/azurite --no-audit --no-fund --loglevel=error

# Four distinct free ports (all held open until every one is known).
read -r blob queue table port < <(node -e '
const net = require("net"); const servers = [];
const next = () => { const s = net.createServer().listen(0, "127.0.0.1", () => { servers.push(s);
  if (servers.length < 4) next(); else { console.log(servers.map(x => x.address().port).join(" ")); servers.forEach(x => x.close()); } }); };
next();')
tools/azurite/node_modules/.bin/azurite --inMemoryPersistence --blobHost 127.0.0.1 --blobPort "$blob" --queuePort "$queue" \
  --tablePort "$table" --skipApiVersionCheck --loose --silent --disableTelemetry > /dev/null 2>&1 &
azurite=$!
connection="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;"
Storage__ConnectionString="$connection" Security__ApiKey="$key" Security__RateLimitEnabled=false Logging__LogLevel__Default=Warning \
  dotnet functions/IoTAnomaly.LocalHost/bin/Release/net10.0/IoTAnomaly.LocalHost.dll --no-simulator --urls "http://127.0.0.1:$port" > /tmp/bench-http-host.log 2>&1 &
host=$!
trap 'kill $host $azurite 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$port/health" > /dev/null 2>&1 && break
  sleep 0.5
done
dotnet functions/IoTAnomaly.Cli/bin/Release/net10.0/iotanomaly.dll bench http --url "http://127.0.0.1:$port" --api-key "$key" \
  --seconds "$seconds" --connections "$connections" --mode "$mode" --fault-rate "$fault_rate" --invalid-rate "$invalid_rate" --host-pid "$host" --json
