#!/usr/bin/env bash
# Runs every test of IoTAnomaly on a machine that has only the .NET SDK and Node.js.
# - installs the pinned Azure Storage emulator (tools/azurite) from npm when it is missing;
#   the test assemblies start and stop their own Azurite instance on free ports;
# - builds and runs every MSTest project of the local solution filter (the Functions app
#   needs packages that only nuget.org serves; GitHub Actions builds it with the full solution);
# - prints one closing line "N passed, N failed[, N skipped]".
set -euo pipefail
cd "$(dirname "$0")/.."

configuration="${CONFIGURATION:-Release}"

if [ ! -x tools/azurite/node_modules/.bin/azurite ]; then
  echo "installing Azurite (pinned in tools/azurite/package-lock.json)"
  npm ci --prefix tools/azurite --no-audit --no-fund --loglevel=error
fi

# Browser tests need a Chromium; install Debian's when we can (root, apt available) and it is absent.
if [ "${IOTANOMALY_SKIP_BROWSER_INSTALL:-}" != "1" ] && [ -f scripts/install-browser.sh ]; then
  bash scripts/install-browser.sh || echo "warning: could not install Chromium; browser tests will report it"
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
dotnet test --solution IoTAnomaly.Local.slnf -c "$configuration" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# MTP prints one summary per run: total/failed/succeeded/skipped. Turn it into the plain closing line.
passed=$(grep -E '^\s+succeeded: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
failed=$(grep -E '^\s+failed: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
skipped=$(grep -E '^\s+skipped: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
if [ "$status" -ne 0 ] && [ "$failed" = "0" ]; then failed=1; fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
