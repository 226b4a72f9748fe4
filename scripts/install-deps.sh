#!/usr/bin/env bash
# Installs the Debian packages feedwatch needs to build and test, if any is missing.
# Usage: scripts/install-deps.sh [extra packages…]
set -euo pipefail
# systemd provides systemd-analyze, which `make test` uses to check the unit file.
packages=(libcurl4-openssl-dev libxml2-dev libsqlite3-dev libstemmer-dev sqlite3 pkg-config python3 systemd "$@")
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "installing: ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq
"${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${missing[@]}"
