#!/usr/bin/env bash
# Installs everything rwkv-eval needs to build and test, from Debian packages.
# Idempotent: packages already present are left as they are. Works as root or through sudo.
set -euo pipefail

packages=(
  g++ cmake make pkg-config git python3
  libeigen3-dev libomp-dev libyaml-cpp-dev libboost-program-options-dev
  libgtest-dev libgmock-dev libcurl4-openssl-dev nlohmann-json3-dev libcpp-httplib-dev
  libsqlite3-dev libssl-dev zlib1g-dev libutf8proc-dev
  chromium
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
