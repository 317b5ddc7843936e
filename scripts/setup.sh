#!/usr/bin/env bash
# Installs the Debian packages softpatch needs. Idempotent: when everything is
# already present it only checks and returns (no apt-get update, no network).
set -euo pipefail

packages=(
  cmake ninja-build g++ clang-14 clang
  libclang-14-dev libclang-cpp14-dev llvm-14-dev libclang-rt-14-dev
  libffi-dev libgtest-dev libgmock-dev libbenchmark-dev catch2 doctest-dev
  libcli11-dev libcpp-httplib-dev libedit-dev
  zlib1g-dev libncurses-dev python3 gdb bc curl pkg-config
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || {
    echo "setup.sh: need root to install: ${missing[*]}" >&2
    exit 1
  }
  sudo=sudo
fi
echo "setup.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}" >/dev/null
