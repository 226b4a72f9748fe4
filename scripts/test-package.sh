#!/usr/bin/env bash
# Proves the .deb the way an administrator meets it: this machine's Debian booted under a real
# systemd (PID 1) by ../shared/tools/systemd-box, on a throwaway overlay (never the host's
# root), with its own loopback network. Inside the box the test serves feeds on 127.0.0.1,
# runs a real Postfix, installs the package with apt-get and checks, in order:
#   install → first digest (timed) → non-root reader in group feedwatch reads it, others
#   cannot → e-mail reaches a local mailbox through Postfix → journal has nothing at warning
#   or above → reload good and bad → kill -9 is restarted → a hung daemon is killed by the
#   watchdog and restarted → stop ends with success → purge leaves nothing → a package
#   installed over an invalid configuration is enabled but not started.
#
# Usage: scripts/test-package.sh path/to/feedwatch_VERSION_ARCH.deb
# Needs root, ../shared/tools/systemd-box (FEEDWATCH_SHARED to point elsewhere), and on the
# host the packages the box uses: systemd-container, postfix (installed, not running on the
# host: scripts/install-deps.sh test does that) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
deb=$(realpath "${1:?usage: $0 feedwatch_VERSION_ARCH.deb}")
shared=${FEEDWATCH_SHARED:-../shared}
box=$(realpath "$shared/tools/systemd-box" 2>/dev/null || true)
say() { printf 'package-test: %s\n' "$*"; }
[ "$(id -u)" -eq 0 ] || { say "needs root (systemd-nspawn)"; exit 1; }
[ -n "$box" ] && [ -x "$box" ] || { say "$shared/tools/systemd-box is missing: cannot boot a systemd to test the package in"; exit 1; }
[ -x /usr/sbin/postfix ] || { say "postfix is not installed on the host (scripts/install-deps.sh test installs it without starting it)"; exit 1; }

name=fwpkg$$
work=$(mktemp -d /tmp/feedwatch-package-test.XXXXXX)
chmod 0755 "$work"
cleanup() {
    "$box" stop "$name" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
inside() { "$box" exec "$name" "$@"; }
run() { inside /bin/sh -c "$1"; }
fail() {
    say "FAIL: $*"
    say "--- journal of feedwatch.service"
    run "journalctl -u feedwatch --no-pager -o short-precise | tail -60" || true
    say "--- systemctl status feedwatch"
    run "systemctl status feedwatch --no-pager" || true
    exit 1
}
ok() { say "ok: $*"; }
# Waits up to $1 seconds for the shell condition $2 inside the box.
wait_for() {
    local seconds=$1 condition=$2
    for _ in $(seq 1 $((seconds * 5))); do
        run "$condition" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    return 1
}
property() { run "systemctl show feedwatch -p $1 --value"; }

# What the box gets: the package, the example feeds, the configurations.
mkdir -p "$work/feeds"
cp "$deb" "$work/"
cp Config/examples/world-wire.xml Config/examples/defense-desk.atom "$work/feeds/"
cat >"$work/feedwatch.toml" <<'EOF'
# The configuration an administrator writes before installing.
[fetch]
interval = "1m"
timeout = "10s"
# The example feeds are dated 2026-11-28: flag them all, not only the last two days.
backfill = "all"

[[feed]]
url = "http://127.0.0.1:8080/world-wire.xml"
tags = ["wire"]

[[feed]]
url = "http://127.0.0.1:8080/defense-desk.atom"
name = "Defense Desk"

[[topic]]
id = "missile-tests"
name = "Missile tests"
query = '"ballistic missile" OR (missile NEAR/5 (test OR launch OR fire))'
alert = true

[[topic]]
id = "sanctions"
name = "Sanctions"
query = 'sanction* OR embargo OR "asset freeze"'

[digest]
# Midnight: today's digest time has passed whenever the test runs, so the first digest is
# published at once (a first start before the day's time waits for it; no digest is made
# for a day before the installation).
time = "00:00"
timezone = "Europe/Berlin"
formats = ["markdown", "html", "json", "atom"]

[[notify]]
kind = "email"
name = "reader"
url = "smtp://localhost:25"
tls = "none"
from = "feedwatch@localhost"
to = ["reader@localhost"]
EOF
{ cat "$work/feedwatch.toml"; printf '\n[[topic]]\nid = "drills"\nquery = "drill*"\n'; } >"$work/feedwatch-more.toml"
{ cat "$work/feedwatch.toml"; printf '\n[[topic]]\nid = "broken"\nquery = "(unbalanced"\n'; } >"$work/feedwatch-bad.toml"

say "booting a systemd box"
"$box" start "$name" --bind "$work:/srv/fwtest"

# A feed server and a local MTA on the box's own loopback.
inside systemd-run --quiet --unit=feeds --property=WorkingDirectory=/srv/fwtest/feeds \
    python3 -m http.server 8080 --bind 127.0.0.1
run "postconf -e 'inet_interfaces = loopback-only' 'inet_protocols = ipv4' \
    'mydestination = localhost, localhost.localdomain, \$myhostname' 'relayhost =' && systemctl restart postfix"
wait_for 30 "systemctl is-active --quiet postfix && python3 -c \"import socket; socket.create_connection(('127.0.0.1', 25), 1); socket.create_connection(('127.0.0.1', 8080), 1)\"" \
    || fail "postfix or the feed server did not come up in the box"
# The box shares the host's files: a container image's policy-rc.d (refusing every service
# start during apt-get) would keep the package from starting its service as on a real server.
run "rm -f /usr/sbin/policy-rc.d"
run "useradd --create-home reader && useradd --create-home other"

# 1. Install over the administrator's configuration; time until the first digest is written.
run "install -d /etc/feedwatch && install -m 0644 /srv/fwtest/feedwatch.toml /etc/feedwatch/feedwatch.toml"
started=$(date +%s.%N)
run "DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Options::=--force-confold /srv/fwtest/$(basename "$deb")" \
    >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "apt-get install failed"; }
wait_for 120 "ls /var/lib/feedwatch/digests/*.md" || fail "no digest was written within 120 s of apt-get install"
digest_seconds=$(python3 -c "import time; print(f'{time.time() - $started:.1f}')")
digest=$(run "ls /var/lib/feedwatch/digests/*.md | head -1")
ok "installed; first digest $digest after ${digest_seconds} s"
[ "$(property ActiveState)" = active ] || fail "the unit is not active after install"
[ "$(run 'systemctl is-enabled feedwatch')" = enabled ] || fail "the unit is not enabled after install"
day=$(basename "$digest" .md)
wait_for 30 "systemctl show feedwatch -p StatusText --value | grep -q 'last digest $day'" \
    || fail "StatusText does not name the digest just written: $(property StatusText)"
status_text=$(property StatusText)
ok "active and enabled; StatusText: $status_text"
[ "$(property User)" = feedwatch ] || fail "the unit does not run as feedwatch"

# 2. The digest: a non-root member of the group reads it, nobody else, and not the database.
run "usermod -a -G feedwatch reader"
run "runuser -u reader -- grep -q '^# ' $digest" || fail "reader (group feedwatch) cannot read $digest"
run "runuser -u reader -- grep -qi 'missile' $digest" || fail "the first digest does not hold the missile matches"
if run "runuser -u other -- cat $digest" >/dev/null 2>&1; then fail "a user outside the group reads the digest"; fi
if run "runuser -u reader -- cat /var/lib/feedwatch/feedwatch.sqlite" >/dev/null 2>&1; then
    fail "the digest group reads the database too"
fi
ok "reader (group feedwatch) reads the digest; other users and the database stay private"

# 3. E-mail through the real Postfix into a local mailbox: the digest and the alerts.
wait_for 120 "grep -q '^Subject: .*feedwatch digest' /var/mail/reader" || {
    run "tail -20 /var/log/mail.log 2>/dev/null; journalctl -u postfix@- --no-pager | tail -20" || true
    fail "the digest e-mail did not reach /var/mail/reader"
}
alerts=$(run "grep -c '^Subject: .*alert' /var/mail/reader || true")
ok "the digest e-mail reached /var/mail/reader through Postfix ($alerts alert messages too)"

# 4. RSS after one cycle, and a journal without warnings on the healthy run.
pid=$(property MainPID)
rss_kib=$(run "awk '/^VmRSS/ {print \$2}' /proc/$pid/status")
warnings=$(run "journalctl -u feedwatch -p warning --no-pager -q -o cat" || true)
[ -z "$warnings" ] || { printf '%s\n' "$warnings"; fail "the healthy service wrote at warning or above"; }
if run "journalctl -u feedwatch --no-pager -q -o cat | grep -q 'Failed to set thread priority'"; then
    fail "libdispatch's thread-priority lines are in the journal"
fi
ok "journalctl -p warning is empty on the healthy run; resident memory after one cycle: $((rss_kib / 1024)) MiB"

# 5. Reload: a good configuration applies, a bad one is refused and the old one kept.
run "install -m 0644 /srv/fwtest/feedwatch-more.toml /etc/feedwatch/feedwatch.toml && systemctl reload feedwatch" \
    || fail "systemctl reload with a good configuration failed"
wait_for 30 "journalctl -u feedwatch --no-pager -q -o cat | grep -q 'configuration reloaded'" || fail "no 'configuration reloaded' after a good reload"
[ "$(property MainPID)" = "$pid" ] || fail "the good reload restarted the process"
ok "reload with a good configuration applied it in the same process"
run "install -m 0644 /srv/fwtest/feedwatch-bad.toml /etc/feedwatch/feedwatch.toml && systemctl reload feedwatch" || true
wait_for 30 "journalctl -u feedwatch --no-pager -q -o cat | grep -q 'reload failed: keeping the previous configuration'" \
    || fail "a bad reload did not say it kept the previous configuration"
run "journalctl -u feedwatch --no-pager -q -o cat | grep -q 'topic\[2\].query'" || fail "the journal does not name the bad key"
[ "$(property ActiveState)" = active ] && [ "$(property MainPID)" = "$pid" ] || fail "a bad reload stopped the service"
ok "reload with a bad configuration kept the service on the previous one; the journal names topic[2].query"
run "install -m 0644 /srv/fwtest/feedwatch.toml /etc/feedwatch/feedwatch.toml && systemctl reload feedwatch"

# 6. kill -9 is restarted (Restart=on-failure).
restarts=$(property NRestarts)
run "kill -9 $pid"
wait_for 60 "[ \"\$(systemctl show feedwatch -p NRestarts --value)\" -gt $restarts ] && systemctl is-active --quiet feedwatch" \
    || fail "kill -9 was not followed by a restart"
pid=$(property MainPID)
ok "kill -9 → restarted (pid $pid)"

# 7. A hung daemon: the watchdog (shortened by a drop-in for the test) kills and restarts it.
run "mkdir -p /etc/systemd/system/feedwatch.service.d && printf '[Service]\nWatchdogSec=6s\nRestartSec=1s\n' \
    >/etc/systemd/system/feedwatch.service.d/test-watchdog.conf && systemctl daemon-reload && systemctl restart feedwatch"
wait_for 60 "systemctl is-active --quiet feedwatch" || fail "no restart with the watchdog drop-in"
pid=$(property MainPID)
restarts=$(property NRestarts)
run "kill -STOP $pid"
wait_for 90 "[ \"\$(systemctl show feedwatch -p NRestarts --value)\" -gt $restarts ] && systemctl is-active --quiet feedwatch" \
    || fail "the watchdog did not restart a hung daemon"
run "journalctl -u feedwatch --no-pager -q | grep -q 'Watchdog timeout'" || fail "the journal does not say the watchdog fired"
ok "a stopped (hung) daemon was killed by the watchdog and restarted (pid $(property MainPID))"
run "rm -r /etc/systemd/system/feedwatch.service.d && systemctl daemon-reload"

# 8. stop ends with success.
run "systemctl stop feedwatch"
[ "$(property Result)" = success ] || fail "systemctl stop: Result=$(property Result)"
[ "$(property ExecMainStatus)" = 0 ] || fail "systemctl stop: exit status $(property ExecMainStatus)"
ok "systemctl stop ended with success (exit 0)"

# 9. purge leaves nothing behind.
run "DEBIAN_FRONTEND=noninteractive apt-get purge -y -q feedwatch" >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "apt-get purge failed"; }
left=$(run "ls -d /etc/feedwatch /var/lib/feedwatch /var/lib/private/feedwatch /lib/systemd/system/feedwatch.service \
    /etc/systemd/system/multi-user.target.wants/feedwatch.service /usr/bin/feedwatch 2>/dev/null; \
    getent passwd feedwatch; getent group feedwatch; dpkg-query -W -f='\${Status}' feedwatch 2>/dev/null | grep -v 'not-installed'" || true)
[ -z "$left" ] || { printf '%s\n' "$left"; fail "apt-get purge left files, the user or the package record behind"; }
ok "apt-get purge left nothing behind"

# 10. Installed over an invalid configuration: enabled, not started, and the reason shown.
run "install -d /etc/feedwatch && install -m 0644 /srv/fwtest/feedwatch-bad.toml /etc/feedwatch/feedwatch.toml"
run "DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Options::=--force-confold /srv/fwtest/$(basename "$deb")" \
    >"$work/install-bad.log" 2>&1 || { cat "$work/install-bad.log"; fail "apt-get install over an invalid configuration failed"; }
grep -q 'topic\[2\].query' "$work/install-bad.log" || { cat "$work/install-bad.log"; fail "the install did not show why the configuration is invalid"; }
[ "$(property ActiveState)" != active ] || fail "the service was started on an invalid configuration"
[ "$(run 'systemctl is-enabled feedwatch')" = enabled ] || fail "the unit is not enabled after an install over an invalid configuration"
ok "an install over an invalid configuration enabled the unit, did not start it and said why"

size=$(stat -c %s "$deb")
say "all checks passed: package $(basename "$deb") $((size / 1024 / 1024)) MiB ($size bytes); apt-get install → first digest ${digest_seconds} s; resident memory after one cycle $((rss_kib / 1024)) MiB"
