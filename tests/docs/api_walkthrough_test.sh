#!/usr/bin/env bash
# The walkthrough of docs/api.md ("Walkthrough: the ERP's use cases with curl"), run as written
# against a host started from the Quick start's configuration (config/orderhost.properties and
# its chains, on a fresh SQLite database and a free port) with an API key made by the real CLI;
# what it prints must equal the output the document shows.
#   tests/docs/api_walkthrough_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd); source=$(cd "$2" && pwd)
command -v jq > /dev/null || { echo "jq is missing (scripts/install-deps.sh installs it)"; exit 1; }
dir=$(mktemp -d /tmp/orderhost-walkthrough-XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
settings=(--config "$source/config/orderhost.properties" -D "http.port=$port" -D "plugins.folders=$build/plugins"
          -D "database.connection=Driver=SQLite3;Database=$dir/orderhost.db;JournalMode=WAL;SyncPragma=FULL;Timeout=10000;")
cd "$source"  # the chains' templates_dir is relative to the working directory, as in scripts/start.sh
"$build/host/app/orderhost" "${settings[@]}" > "$dir/host.log" 2>&1 &
host=$!
trap 'kill $host 2> /dev/null; wait $host 2> /dev/null; rm -rf "$dir"' EXIT
# Its own "listening" line too: a host of a test beside this one may hold the port and answer.
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/v1/health/live" > /dev/null && grep -q "orderhost listening on" "$dir/host.log" && break
  sleep 0.1
done
grep -q "orderhost listening on" "$dir/host.log" || { echo "FAIL: the host did not start:" >&2; cat "$dir/host.log" >&2; exit 1; }
key=$("$build/host/app/orderhost" keys create "${settings[@]}" --name walkthrough --role erp 2> /dev/null)

block() {  # the fenced block between <!-- $1:begin --> and <!-- $1:end -->, without its fences
  awk -v b="<!-- $1:begin -->" -v e="<!-- $1:end -->" '$0 == b {on = 1; next} $0 == e {on = 0} on' \
    "$source/docs/api.md" | sed '/^```/d'
}
block walkthrough > "$dir/walkthrough.sh"
block walkthrough-output > "$dir/expected.txt"
[ -s "$dir/walkthrough.sh" ] && [ -s "$dir/expected.txt" ] || { echo "docs/api.md lost its walkthrough markers"; exit 1; }
if ! ORDERHOST="http://127.0.0.1:$port" KEY="$key" bash -euo pipefail "$dir/walkthrough.sh" > "$dir/actual.txt" 2>&1; then
  echo "the walkthrough failed:"; cat "$dir/actual.txt"; echo "--- host log (last lines):"; tail -20 "$dir/host.log"; exit 1
fi
if ! diff -u "$dir/expected.txt" "$dir/actual.txt"; then
  echo "docs/api.md's walkthrough output differs from what the host answered (above)"; exit 1
fi
echo "walkthrough: $(wc -l < "$dir/actual.txt") lines as documented"
