#!/usr/bin/env bash
# HTTP load on an SQLite host (issue 8, finding 0): starts the host from BUILD_DIR on a fresh
# database with the 10-step chain in chains/, stocks the two SKUs, runs CLIENTS concurrent
# clients for SECONDS, then reports whether the host survived and what the orders became, and
# reconciles orders and stock (reconcile.py; exit 1 if the host died or anything mismatches).
#   bench/http-load/run.sh build 32 90
#   EXTRA_SETTINGS=$'database.pool_size = 64' bench/http-load/run.sh build 64 180
# LOG_LEVEL (default info), CHAINS_FOLDER, EXTRA_PLUGIN_FOLDERS (comma-separated) and SETUP_SQL (run after the stock is
# loaded) change the chain; soak.sh uses them.
# Needs python3 and the sqlite3 shell (Debian: python3, sqlite3).
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd); clients=$2; seconds=$3
dir=$(mktemp -d /tmp/orderhost-http-load-XXXXXX); port=$((20000 + RANDOM % 20000))
cat > "$dir/orderhost.properties" <<P
http.address = 127.0.0.1
http.port = $port
database.connection = Driver=SQLite3;Database=$dir/orderhost.db;JournalMode=WAL;SyncPragma=FULL;Timeout=10000;
plugins.folders = $build/plugins${EXTRA_PLUGIN_FOLDERS:+,$EXTRA_PLUGIN_FOLDERS}
chains.folder = ${CHAINS_FOLDER:-$here/chains}
chains.default = place-order
log.level = ${LOG_LEVEL:-info}
${EXTRA_SETTINGS:-}
P
"$build/host/app/orderhost" --config "$dir/orderhost.properties" > "$dir/host.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/v1/health" > /dev/null && break; sleep 0.1; done
if ! kill -0 "$pid" 2> /dev/null; then echo "the host did not start:"; cat "$dir/host.log"; exit 1; fi
# Stock as docs/plugins.md#sourcing loads it: a warehouse, the stock rows and their receipts.
sqlite3 "$dir/orderhost.db" "INSERT INTO sourcing_warehouses (warehouse, priority) VALUES ('WH-1', 1);
INSERT INTO sourcing_inventory (sku, warehouse, on_hand) VALUES ('BOLT-M8', 'WH-1', 100000000), ('DRILL-18V', 'WH-1', 100000000);
INSERT INTO sourcing_movements (reference, sku, warehouse, movement, on_hand_delta)
  VALUES ('bench', 'BOLT-M8', 'WH-1', 'receipt', 100000000), ('bench', 'DRILL-18V', 'WH-1', 'receipt', 100000000);
${SETUP_SQL:-}"
python3 "$here/load.py" "$port" "$clients" "$seconds" | tee "$dir/load.out"
status=0
if kill -0 "$pid" 2> /dev/null; then
  kill "$pid"; wait "$pid"; echo "host survived (exit $? after SIGTERM)"
else
  wait "$pid"; echo "HOST DIED: exit $?"; status=1
fi
echo "orders by state:"; sqlite3 "$dir/orderhost.db" "SELECT state, COUNT(*) FROM orders GROUP BY state;"
echo "step runs other than continue:"
sqlite3 "$dir/orderhost.db" "SELECT outcome, code, COUNT(*) FROM step_runs WHERE outcome <> 'continue' GROUP BY outcome, code;"
python3 "$here/reconcile.py" "$dir/orderhost.db" "$dir/load.out" || status=1
echo "log and database: $dir"
exit $status
