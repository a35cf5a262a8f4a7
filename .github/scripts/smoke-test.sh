#!/usr/bin/env bash
# Smoke test of a deployed IoTAnomaly Function App:
#   1. POST /api/predict with one reading  -> expects 200 and a score;
#   2. POST /api/retraining {"dryRun":true} -> expects 202 with Durable management URLs (409 if one is already running),
#      then polls statusQueryGetUri until the orchestration is Completed (fails on Failed/Terminated or timeout).
# Inputs (environment): FUNCTION_HOST (host name), FUNCTION_KEY (function or host key),
#   SMOKE_READING (optional JSON of one reading; its sensors must be known to the champion model),
#   SMOKE_TIMEOUT_SECONDS (optional, default 900).
set -euo pipefail

: "${FUNCTION_HOST:?FUNCTION_HOST is required}"
: "${FUNCTION_KEY:?FUNCTION_KEY is required}"
timeout="${SMOKE_TIMEOUT_SECONDS:-900}"
base="https://${FUNCTION_HOST}/api"
now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
reading="${SMOKE_READING:-}"
if [ -z "$reading" ]; then
  reading="$(jq -cn --arg ts "$now" --arg id "smoke-${GITHUB_RUN_ID:-local}-$RANDOM" \
    '{deviceId: "smoke-test-001", timestamp: $ts, messageId: $id,
      readings: {Accelerometer1RMS: 0.21, Accelerometer2RMS: 0.27, Current: 1.9, Pressure: 0.38,
                 Temperature: 78.1, Thermocouple: 24.9, Voltage: 231.0, "Volume Flow RateRMS": 32.0}}')"
fi

body="$(mktemp)"
trap 'rm -f "$body"' EXIT

echo "POST /api/predict"
code="$(curl -sS -o "$body" -w '%{http_code}' --retry 5 --retry-delay 10 --retry-all-errors \
  -H "x-functions-key: ${FUNCTION_KEY}" -H 'Content-Type: application/json' \
  --data "$reading" "${base}/predict")"
echo "HTTP ${code}: $(head -c 600 "$body")"
if [ "$code" != "200" ]; then
  echo "::error::predict answered ${code}"
  exit 1
fi

echo "POST /api/retraining (dry run)"
code="$(curl -sS -o "$body" -w '%{http_code}' --retry 3 --retry-delay 10 --retry-all-errors \
  -H "x-functions-key: ${FUNCTION_KEY}" -H 'Content-Type: application/json' \
  --data '{"dryRun": true}' "${base}/retraining")"
echo "HTTP ${code}"
if [ "$code" != "202" ]; then
  echo "::error::retraining start answered ${code}: $(head -c 600 "$body")"
  exit 1
fi

status_url="$(jq -r '.statusQueryGetUri // empty' "$body")"
if [ -z "$status_url" ]; then
  echo "::error::the 202 response carries no statusQueryGetUri"
  exit 1
fi
# The management URLs embed a system key; keep it out of the log.
echo "::add-mask::${status_url}"

deadline=$(( $(date +%s) + timeout ))
while :; do
  curl -sS -o "$body" "$status_url" || true
  runtime_status="$(jq -r '.runtimeStatus // "Unknown"' "$body" 2>/dev/null || echo Unknown)"
  echo "retraining: ${runtime_status}"
  case "$runtime_status" in
    Completed) break ;;
    Failed|Terminated|Canceled)
      echo "::error::dry-run retraining ended ${runtime_status}: $(jq -c '.output' "$body" 2>/dev/null | head -c 800)"
      exit 1 ;;
  esac
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "::error::dry-run retraining did not complete within ${timeout}s"
    exit 1
  fi
  sleep 15
done

echo "smoke test passed"
