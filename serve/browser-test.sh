#!/usr/bin/env bash
# The serve page in a real browser: installs Debian's chromium and chromium-driver if they are missing (root or
# sudo, from Debian's package registry), then runs PageInBrowserTest alone, which drives headless Chromium on
# loopback. With a file argument, a screenshot of the page after the run is saved there.
# Usage: serve/browser-test.sh [SCREENSHOT.png]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromedriver >/dev/null || [ ! -x /usr/bin/chromium ]; then
  sudo_if_needed=""
  [ "$(id -u)" -eq 0 ] || sudo_if_needed="sudo"
  $sudo_if_needed apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_if_needed apt-get install -y -qq chromium chromium-driver
fi
screenshot="${1:-}"
[ -z "$screenshot" ] || screenshot="$(realpath -m "$screenshot")"
./mvnw -B -q -DskipTests -pl serve -am install
./mvnw -B -pl serve -Pbrowser test -Dgatelane.screenshot="$screenshot"
