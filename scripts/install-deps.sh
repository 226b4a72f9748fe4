#!/usr/bin/env bash
# Installs what feedwatch needs to build and test, if any of it is missing.
# Usage: scripts/install-deps.sh [extra Debian packages…]
set -euo pipefail

# systemd provides systemd-analyze, which `make test` uses to check the unit file.
# nginx-light and openssl serve the TLS and HTTP/2 fetch tests (skipped without them).
packages=(libcurl4-openssl-dev libxml2-dev libsqlite3-dev libstemmer-dev sqlite3 pkg-config python3 python3-pip systemd
    nginx-light openssl "$@")
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq
    "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${missing[@]}"
fi

# The SMTP delivery test runs a real SMTP server on loopback: Python's aiosmtpd (PyPI).
if ! python3 -c "import aiosmtpd" 2>/dev/null; then
    echo "installing: aiosmtpd (python)"
    python3 -m pip install --quiet aiosmtpd 2>/dev/null \
        || python3 -m pip install --quiet --break-system-packages aiosmtpd
fi
