#!/usr/bin/env bash
# Starts a host from the Quick start's configuration (config/orderhost.properties and its
# chains, a fresh SQLite database, a free port, a webhook subscriber that refuses every event),
# makes an operator key (erp,admin), a viewer key and a viewer key limited to two chains with
# the real CLI, and runs console_browser_test.mjs against it in headless Chromium.
#   tests/host/console/console_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd); source=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || { echo "console test: $chromium is missing (scripts/install-deps.sh installs chromium)"; exit 1; }
[ -d "$source/tests/tools/node_modules/puppeteer-core" ] ||
  { echo "console test: puppeteer-core is missing; run scripts/install-test-tools.sh"; exit 1; }
dir=$(mktemp -d /tmp/orderhost-console-XXXXXX)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
# A webhook subscriber that refuses every event (422; a 4xx is a refusal, 5xx an outage):
# with one attempt allowed, each event becomes a dead letter at once, for the console's
# dead-letter view and its replay.
refuser=$(free_port)
settings=(--config "$source/config/orderhost.properties" -D "http.port=$port" -D "plugins.folders=$build/plugins"
          -D "events.webhooks=http://127.0.0.1:$refuser/hooks" -D events.webhook_max_attempts=1 -D events.relay_poll_ms=50
          -D "database.connection=Driver=SQLite3;Database=$dir/orderhost.db;JournalMode=WAL;SyncPragma=FULL;Timeout=10000;")
python3 -c '
import http.server, sys
class Refuse(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(422, "Not for us")
        self.send_header("Content-Length", "0")
        self.end_headers()
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Refuse).serve_forever()' "$refuser" > "$dir/refuser.log" 2>&1 &
subscriber=$!
cd "$source"  # the chains' templates_dir is relative to the working directory, as in scripts/start.sh
"$build/host/app/orderhost" "${settings[@]}" > "$dir/host.log" 2>&1 &
host=$!
# The script's own status is the test's, not the killed subscriber's 143 (which set -e would take).
trap 'status=$?; kill $host $subscriber 2> /dev/null; wait $host $subscriber 2> /dev/null || true; rm -rf "$dir"; exit $status' EXIT
# Its own "listening" line too: a host of a test beside this one may hold the port and answer.
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/v1/health/live" > /dev/null && grep -q "orderhost listening on" "$dir/host.log" && break
  sleep 0.1
done
grep -q "orderhost listening on" "$dir/host.log" || { echo "FAIL: the host did not start:" >&2; cat "$dir/host.log" >&2; exit 1; }
operator=$("$build/host/app/orderhost" keys create "${settings[@]}" --name console-operator --role erp,admin 2> /dev/null)
viewer=$("$build/host/app/orderhost" keys create "${settings[@]}" --name console-viewer --role viewer 2> /dev/null)
limited=$("$build/host/app/orderhost" keys create "${settings[@]}" --name console-two-chains --role viewer \
  --chains place-order,place-goods 2> /dev/null)
if ! ORDERHOST_URL="http://127.0.0.1:$port" OPERATOR_KEY="$operator" VIEWER_KEY="$viewer" LIMITED_KEY="$limited" CHROMIUM="$chromium" \
    CHROMIUM_PROFILE="$dir/profile" node "$here/console_browser_test.mjs"; then
  echo "--- host log (last lines):"; tail -20 "$dir/host.log"; exit 1
fi
