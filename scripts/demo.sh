#!/usr/bin/env bash
# One full feedwatch cycle over the example feeds in Config/examples/, served over loopback
# HTTP, with the digest printed at the end. Used by `make demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${FEEDWATCH_BINARY:-.build/release/feedwatch}
state=$(mktemp -d "${TMPDIR:-/tmp}/feedwatch-demo.XXXXXX")

# Serve the example feeds on a free loopback port.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
python3 -m http.server "$port" --bind 127.0.0.1 --directory Config/examples >"$state/http.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null && break
    sleep 0.1
done

sed -e "s#@PORT@#$port#g" -e "s#@STATE@#$state#g" Config/examples/demo.toml >"$state/feedwatch.toml"
echo "== feedwatch check"
"$binary" check --config "$state/feedwatch.toml"
echo "== feedwatch run --once"
"$binary" run --once --config "$state/feedwatch.toml" --log-level warning | tee "$state/run.txt"
digest=$(sed -n 's/^digest: //p' "$state/run.txt" | head -1)
[ -n "$digest" ] || { echo "demo: no digest was written" >&2; exit 1; }
echo "== second run --once (nothing new: adds nothing, duplicates nothing)"
"$binary" run --once --config "$state/feedwatch.toml" --log-level warning
echo
echo "== digest: $digest"
echo
cat "$digest"
