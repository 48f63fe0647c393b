#!/usr/bin/env bash
# Starts a host from the Quick start's configuration (config/orderhost.properties and its
# chains, a fresh SQLite database, a free port), makes an operator key (erp,admin) and a
# viewer key with the real CLI, and runs console_browser_test.mjs against it in headless
# Chromium.
#   tests/host/console/console_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd); source=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || { echo "console test: $chromium is missing (scripts/install-deps.sh installs chromium)"; exit 1; }
[ -d "$source/tests/tools/node_modules/puppeteer-core" ] ||
  { echo "console test: puppeteer-core is missing; run scripts/install-test-tools.sh"; exit 1; }
dir=$(mktemp -d /tmp/orderhost-console-XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
settings=(--config "$source/config/orderhost.properties" -D "http.port=$port" -D "plugins.folders=$build/plugins"
          -D "database.connection=Driver=SQLite3;Database=$dir/orderhost.db;JournalMode=WAL;SyncPragma=FULL;Timeout=10000;")
cd "$source"  # the chains' templates_dir is relative to the working directory, as in scripts/start.sh
"$build/host/app/orderhost" "${settings[@]}" > "$dir/host.log" 2>&1 &
host=$!
trap 'kill $host 2> /dev/null; wait $host 2> /dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/v1/health/live" > /dev/null && break; sleep 0.1; done
operator=$("$build/host/app/orderhost" keys create "${settings[@]}" --name console-operator --role erp,admin 2> /dev/null)
viewer=$("$build/host/app/orderhost" keys create "${settings[@]}" --name console-viewer --role viewer 2> /dev/null)
if ! ORDERHOST_URL="http://127.0.0.1:$port" OPERATOR_KEY="$operator" VIEWER_KEY="$viewer" CHROMIUM="$chromium" \
    CHROMIUM_PROFILE="$dir/profile" node "$here/console_browser_test.mjs"; then
  echo "--- host log (last lines):"; tail -20 "$dir/host.log"; exit 1
fi
