#!/usr/bin/env bash
# setup.sh - installs the Debian packages tansa builds, tests and benchmarks
# with. Idempotent: installs only what is missing. Needs root or sudo.
set -eu
pkgs=(build-essential pkg-config clang libclang-rt-14-dev
      libyaml-dev libpcre2-dev libvectorscan-dev libjansson-dev zlib1g-dev
      libevtx-utils python3-evtx python3 python3-yaml bc time)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "setup: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
