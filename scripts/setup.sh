#!/usr/bin/env bash
# Installs the Debian packages backstop needs. Idempotent; run as root (or with sudo available).
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build pkg-config
  libfmt-dev libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libxxhash-dev libboost-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-jsonschema python3-numpy
  chromium  # headless screenshot test of the HTML report (tests/screenshot_test.py; skipped without)
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "setup: all ${#PKGS[@]} packages already installed"
  exit 0
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
