#!/usr/bin/env bash
# Fetch benchmark: COUNT feeds of ~20 items served by nginx on 127.0.0.1.
# Prints, in one run: curl --parallel's wall time for the same URLs to /dev/null, feedwatch's Fetcher
# full cycle and conditional (all-304) cycle, and the Fetcher process's peak RSS.
#   Benchmarks/fetch/run.sh                   # COUNT=10000 PARALLEL=64
#   COUNT=2000 PARALLEL=16 Benchmarks/fetch/run.sh
set -euo pipefail

COUNT=${COUNT:-10000}
PARALLEL=${PARALLEL:-64}
PORT=${PORT:-18473}
here=$(cd "$(dirname "$0")" && pwd)
benchmarks=$(cd "$here/.." && pwd)

if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    echo "installing nginx-light (Debian) for the loopback feed server" >&2
    apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends nginx-light >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

work=$(mktemp -d /tmp/feedwatch-bench-fetch.XXXXXX)
nginx_pid=""
cleanup() {
    if [ -n "$nginx_pid" ]; then kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

echo "building FetchBenchmark (release)" >&2
(cd "$benchmarks" && timeout 1200 swift build -c release --product FetchBenchmark >&2)
bin="${FETCH_BENCHMARK_BIN:-$benchmarks/.build/release/FetchBenchmark}"

"$bin" generate "$work/www" "$COUNT"
chmod -R a+rX "$work"   # nginx workers run as an unprivileged user
mkdir -p "$work/logs"
cat >"$work/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    etag on;
    types { application/rss+xml xml; }
    client_body_temp_path $work/tmp;
    server {
        listen 127.0.0.1:$PORT backlog=4096;
        root $work/www;
    }
}
CONF
mkdir -p "$work/tmp"
"$NGINX" -p "$work" -c "$work/nginx.conf" &
nginx_pid=$!
for _ in $(seq 1 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$PORT/feeds/0.xml" && break
    sleep 0.1
done
status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/feeds/0.xml")
[ "$status" = 200 ] || { echo "nginx answered $status for a feed; see $work/logs/error.log" >&2; exit 1; }

awk -v n="$COUNT" -v port="$PORT" 'BEGIN { for (i = 0; i < n; i++) printf "url = \"http://127.0.0.1:%d/feeds/%d.xml\"\noutput = \"/dev/null\"\n", port, i }' >"$work/curl.cfg"

# Prints "<wall seconds> peak_rss_mib=<MiB>" (the RSS part only when GNU time is installed).
run_curl() {
    local start end rss=""
    local timer=()
    if [ -x /usr/bin/time ]; then timer=(/usr/bin/time -f %M -o "$work/curl.rss"); fi
    start=$(date +%s.%N)
    "${timer[@]}" curl -s --no-progress-meter --parallel --parallel-max "$PARALLEL" -K "$work/curl.cfg"
    end=$(date +%s.%N)
    if [ -s "$work/curl.rss" ]; then rss=$(awk '{ printf " curl_peak_rss_mib=%.1f", $1 / 1024 }' "$work/curl.rss"); fi
    awk -v s="$start" -v e="$end" -v r="$rss" 'BEGIN { printf "%.3f%s", e - s, r }'
}

echo "feeds=$COUNT parallel=$PARALLEL feed_bytes=$(stat -c %s "$work/www/feeds/0.xml") nproc=$(nproc)"
echo "curl_full_cycle_s=$(run_curl)"
"$bin" fetch "http://127.0.0.1:$PORT" "$COUNT" "$PARALLEL"
# The same with at most 4 × PARALLEL fetch tasks alive: what the engine itself costs without 10,000 waiting tasks.
"$bin" fetch "http://127.0.0.1:$PORT" "$COUNT" "$PARALLEL" $((4 * PARALLEL))
echo "curl_full_cycle_again_s=$(run_curl)"
