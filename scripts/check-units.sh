#!/usr/bin/env bash
# Checks systemd/feedwatch.service the way `make test` needs it checked:
#   1. `systemd-analyze security --offline=true` reports an exposure of at most MAX_EXPOSURE;
#   2. `make install DESTDIR=<temp>` installs binary, unit, man page, completions and config,
#      and a second install does not overwrite an edited config;
#   3. `systemd-analyze verify --man=no` of the installed unit prints nothing (it exits 0 on
#      unknown keys and bad values and only reports them, so its output is what counts).
# Usage: BINARY=.build/debug/feedwatch scripts/check-units.sh
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${BINARY:-.build/debug/feedwatch}
max_exposure=${MAX_EXPOSURE:-1.5}
unit=systemd/feedwatch.service

if ! command -v systemd-analyze >/dev/null; then
    echo "check-units: systemd-analyze is missing (Debian package systemd; scripts/install-deps.sh installs it)" >&2
    exit 1
fi
[ -x "$binary" ] || { echo "check-units: $binary is not built (run swift build)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

security=$(systemd-analyze security --offline=true "$unit" 2>&1)
score=$(printf '%s\n' "$security" | sed -n 's/.*Overall exposure level for feedwatch.service: \([0-9.]*\).*/\1/p')
if [ -z "$score" ]; then
    printf '%s\n' "$security" >&2
    echo "check-units: no exposure score in systemd-analyze security output" >&2
    failed=1
elif awk -v s="$score" -v m="$max_exposure" 'BEGIN { exit !(s > m) }'; then
    printf '%s\n' "$security" | grep '✗' >&2 || true
    echo "check-units: exposure $score is above $max_exposure" >&2
    failed=1
else
    echo "check-units: systemd-analyze security: exposure $score (limit $max_exposure)"
fi

root=$tmp/root
make --no-print-directory install DESTDIR="$root" PREFIX=/usr BINARY="$binary" >"$tmp/install.log" 2>&1 \
    || { cat "$tmp/install.log" >&2; echo "check-units: make install failed" >&2; exit 1; }
for file in usr/bin/feedwatch lib/systemd/system/feedwatch.service usr/share/man/man1/feedwatch.1 \
    usr/share/man/man5/feedwatch.toml.5 usr/lib/sysusers.d/feedwatch.conf \
    etc/feedwatch/feedwatch.toml usr/share/bash-completion/completions/feedwatch \
    usr/share/zsh/site-functions/_feedwatch usr/share/fish/vendor_completions.d/feedwatch.fish; do
    [ -s "$root/$file" ] || { echo "check-units: make install did not install $file" >&2; failed=1; }
done
grep -q '^ExecStart=/usr/bin/feedwatch run ' "$root/lib/systemd/system/feedwatch.service" \
    || { echo "check-units: installed unit's ExecStart does not point at PREFIX/bin" >&2; failed=1; }
echo "# edited by the administrator" >>"$root/etc/feedwatch/feedwatch.toml"
make --no-print-directory install DESTDIR="$root" PREFIX=/usr BINARY="$binary" >"$tmp/install.log" 2>&1 \
    || { cat "$tmp/install.log" >&2; echo "check-units: second make install failed" >&2; exit 1; }
grep -q '^# edited by the administrator' "$root/etc/feedwatch/feedwatch.toml" \
    || { echo "check-units: make install overwrote an existing /etc/feedwatch/feedwatch.toml" >&2; failed=1; }
echo "check-units: make install DESTDIR=… installed everything and kept the existing config"

# verify needs ExecStart's binary to exist: point it at the installed one inside the root.
sed "s#^ExecStart=/usr/bin/feedwatch #ExecStart=$root/usr/bin/feedwatch #" \
    "$root/lib/systemd/system/feedwatch.service" >"$tmp/feedwatch.service"
verify=$(systemd-analyze verify --man=no "$tmp/feedwatch.service" 2>&1) || true
if [ -n "$verify" ]; then
    printf '%s\n' "$verify" >&2
    echo "check-units: systemd-analyze verify printed warnings" >&2
    failed=1
else
    echo "check-units: systemd-analyze verify: no warnings"
fi
exit $failed
