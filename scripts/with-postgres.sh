#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server on 127.0.0.1 and
# FEEDWATCH_TEST_POSTGRES_URL pointing at it; stops the server and deletes its files
# afterwards, whatever the command's outcome. Used by `make test` and the benchmarks.
#
# Usage: scripts/with-postgres.sh COMMAND [ARG…]
#
# - Installs Debian's `postgresql` package if it is missing (through install-deps.sh).
# - Never touches a system cluster: the server lives in a temporary directory (owned by the
#   `postgres` user when running as root), on a free port, with password authentication
#   on loopback and a password generated for this run.
# - If FEEDWATCH_TEST_POSTGRES_URL is already set, uses that server and starts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -eq 0 ]; then
    echo "usage: $0 COMMAND [ARG…]" >&2
    exit 2
fi
if [ -n "${FEEDWATCH_TEST_POSTGRES_URL:-}" ]; then
    echo "with-postgres: using the server given in FEEDWATCH_TEST_POSTGRES_URL"
    exec "$@"
fi

scripts/install-deps.sh postgresql
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    echo "with-postgres: no initdb under /usr/lib/postgresql/*/bin after installing postgresql" >&2
    exit 1
fi

base=$(mktemp -d /tmp/feedwatch-pg.XXXXXX)
password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
# A free port: bind port 0, read what the kernel gave, release it for the server.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

as_owner=()
if [ "$(id -u)" -eq 0 ]; then
    # initdb refuses to run as root: the cluster belongs to the postgres user.
    chown postgres: "$base"
    as_owner=(runuser -u postgres --)
fi
chmod 700 "$base"

stop() {
    "${as_owner[@]}" "$bindir/pg_ctl" -D "$base/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$base"
}
trap stop EXIT INT TERM

printf '%s\n' "$password" > "$base/pwfile"
[ ${#as_owner[@]} -eq 0 ] || chown postgres: "$base/pwfile"
"${as_owner[@]}" "$bindir/initdb" -D "$base/data" -U postgres --pwfile="$base/pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$base/initdb.log" 2>&1 \
    || { cat "$base/initdb.log" >&2; exit 1; }
rm -f "$base/pwfile"
# fsync off: the data is thrown away after the run, and durability is not what is tested.
# pg_stat_statements: the benchmark counts statements (round trips) with it.
"${as_owner[@]}" "$bindir/pg_ctl" -D "$base/data" -l "$base/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $base -c fsync=off -c max_connections=300 -c shared_buffers=128MB -c shared_preload_libraries=pg_stat_statements" start \
    >/dev/null || { cat "$base/server.log" >&2; exit 1; }

export FEEDWATCH_TEST_POSTGRES_URL="postgres://postgres:${password}@127.0.0.1:${port}/postgres"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $base)"
set +e
"$@"
status=$?
set -e
exit $status
