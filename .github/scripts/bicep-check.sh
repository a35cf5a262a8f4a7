#!/usr/bin/env bash
# Builds and lints infra-bicep/ with the Bicep CLI from the NuGet package Azure.Bicep.CommandLine.linux-x64 (the same
# version the infra tests use, pinned in Directory.Packages.props) and fails on any diagnostic, warnings included.
# Writes the ARM templates to artifacts/arm/. Prints the CLI path with --print-path (used by the deploy workflow).
set -euo pipefail
cd "$(dirname "$0")/../.."

project=tests/IoTAnomaly.Infra.Tests/IoTAnomaly.Infra.Tests.csproj
dotnet restore "$project" --verbosity quiet >/dev/null
bicep="$(dotnet msbuild "$project" -getProperty:IoTAnomalyBicepExecutable)"
chmod +x "$bicep" 2>/dev/null || true

if [ "${1:-}" = "--print-path" ]; then
  echo "$bicep"
  exit 0
fi

"$bicep" --version
out=artifacts/arm
mkdir -p "$out"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

status=0
run() {
  echo "::group::bicep $*"
  local err
  err="$(mktemp)"
  if ! "$bicep" "$@" 2>"$err"; then status=1; fi
  cat "$err" >&2
  cat "$err" >>"$log"
  rm -f "$err"
  echo "::endgroup::"
}

run build infra-bicep/main.bicep --outfile "$out/main.json"
run lint infra-bicep/main.bicep
for params in infra-bicep/*.bicepparam; do
  # Parameter files read on-call receivers from the environment; build them without those values here.
  ALERT_EMAILS='' ALERT_WEBHOOK_URI='' run build-params "$params" --outfile "$out/$(basename "$params" .bicepparam).parameters.json"
done

# bicep lint exits 0 on warnings; this repository allows none.
if grep -E '\([0-9]+,[0-9]+\) : (Error|Warning|Info) ' "$log"; then
  echo "::error::Bicep reported diagnostics (see above); the repository allows none."
  status=1
fi

exit "$status"
