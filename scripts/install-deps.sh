#!/usr/bin/env bash
# Installs the Debian packages feedwatch needs, if any of them are missing, and prints what
# it installs.
# Usage: scripts/install-deps.sh [runtime|build|test] [extra Debian packages…]
#
#   runtime  what the feedwatch binary loads: libcurl4, libxml2, libsqlite3-0, libstemmer0d
#   build    what `make build`, `make release`, `make demo`, `make install` and `make deb`
#            need: the -dev packages, pkg-config, dpkg-dev and binutils (scripts/build-deb.sh),
#            python3 (the demo's feed server)
#   test     build, plus what `make test` and the package tests use: sqlite3, xmllint
#            (libxml2-utils, an independent check of the OPML export), systemd
#            (systemd-analyze), nginx-light and openssl (TLS and HTTP/2 fetch tests),
#            python3-pip and Python's aiosmtpd (the SMTP test server), lintian,
#            systemd-container and postfix (the sendmail path; installed without being
#            started, see below)
#
# Without a set name (`scripts/install-deps.sh postgresql`, or no argument at all) it is
# `test`, as before the sets existed; the remaining arguments are extra packages.
set -euo pipefail

set_name="test"
case "${1:-}" in
    runtime|build|test) set_name=$1; shift ;;
esac

runtime=(libcurl4 libxml2 libsqlite3-0 libstemmer0d)
build=(libcurl4-openssl-dev libxml2-dev libsqlite3-dev libstemmer-dev pkg-config dpkg-dev binutils python3)
test=("${build[@]}" sqlite3 libxml2-utils python3-pip systemd nginx-light openssl lintian systemd-container postfix)
case "$set_name" in
    runtime) packages=("${runtime[@]}") ;;
    build) packages=("${build[@]}") ;;
    test) packages=("${test[@]}") ;;
esac
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive

if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps ($set_name): installing ${missing[*]}"
    "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq

    # postfix: answer its questions beforehand (a local-only mailer for localhost) and keep
    # it from starting on this machine while it is installed: a policy-rc.d that refuses
    # every start, removed again afterwards (one that was there before is put back).
    policy=/usr/sbin/policy-rc.d
    saved_policy=
    policy_written=0
    restore_policy() {
        if [ "$policy_written" = 1 ]; then
            "${sudo_cmd[@]}" rm -f "$policy"
            [ -z "$saved_policy" ] || "${sudo_cmd[@]}" mv -f "$saved_policy" "$policy"
            policy_written=0
        fi
    }
    if [[ " ${missing[*]} " == *" postfix "* ]]; then
        echo "install-deps ($set_name): postfix is set up 'Local only' for localhost and is not started"
        printf '%s\n' "postfix postfix/main_mailer_type select Local only" \
            "postfix postfix/mailname string localhost" | "${sudo_cmd[@]}" debconf-set-selections
        trap restore_policy EXIT
        if [ -e "$policy" ]; then
            saved_policy=$policy.install-deps-saved
            "${sudo_cmd[@]}" mv -f "$policy" "$saved_policy"
        fi
        policy_written=1
        printf '#!/bin/sh\n# scripts/install-deps.sh: no service starts while it installs packages.\nexit 101\n' \
            | "${sudo_cmd[@]}" tee "$policy" >/dev/null
        "${sudo_cmd[@]}" chmod 0755 "$policy"
    fi
    "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${missing[@]}"
    restore_policy
fi

# The SMTP delivery test runs a real SMTP server on loopback: Python's aiosmtpd (PyPI).
if [ "$set_name" = test ] && ! python3 -c "import aiosmtpd" 2>/dev/null; then
    echo "install-deps ($set_name): installing aiosmtpd (python)"
    python3 -m pip install --quiet aiosmtpd 2>/dev/null \
        || python3 -m pip install --quiet --break-system-packages aiosmtpd
fi
