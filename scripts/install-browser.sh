#!/usr/bin/env bash
# Installs Debian's Chromium for the dashboard's browser tests (tests/IoTAnomaly.Dashboard.Tests), which launch
# /usr/bin/chromium through Playwright (Playwright's own browser download is never used).
# Idempotent and quiet when Chromium is already there; needs root and apt-get to install, otherwise says why.
set -euo pipefail

browser=/usr/bin/chromium
if [ -x "$browser" ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-browser: $browser is missing and this is not root with apt-get; install Chromium by hand (Debian: apt-get install chromium)" >&2
  exit 1
fi

echo "install-browser: installing Debian's chromium (apt-get)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
"$browser" --version
