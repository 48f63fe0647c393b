# Shared by the quote tests (sourced): a real host on the Quick start's configuration, its
# database on SQLite or PostgreSQL, and helpers. The caller sets build, source, backend.
#   start_host [-D k=v ...]   starts (or restarts) the host with these extra settings
#   post PATH BODY [KEY]      POSTs; prints the status, leaves the body in $dir/reply
#   dump                      every row (data only, sorted) except the quotes table's
#   sql "STATEMENT"           runs one statement on the host's database
#   fail MESSAGE              prints it and the host log's tail, exits 1
command -v jq > /dev/null || { echo "jq is missing (scripts/install-deps.sh installs it)"; exit 1; }
dir=$(mktemp -d /tmp/orderhost-quotes-XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
if [ "$backend" = postgresql ]; then
  [ -n "${ORDERHOST_TEST_PG:-}" ] || { echo "ORDERHOST_TEST_PG is not set: skipped"; rm -rf "$dir"; exit 77; }
  pg_port=$(sed -n 's/.*Port=\([0-9]*\).*/\1/p' <<<"$ORDERHOST_TEST_PG")
  db="quotes_$(basename "$dir" | tr 'A-Z' 'a-z' | tr -dc 'a-z0-9')_$$"
  psql=(psql -h 127.0.0.1 -p "$pg_port" -U postgres -v ON_ERROR_STOP=1 -q)
  "${psql[@]}" -d postgres -c "CREATE DATABASE $db"
  connection="${ORDERHOST_TEST_PG/Database=orderhost_test/Database=$db}"
  # Rows and sequence positions (a nextval is not rolled back with a transaction).
  dump() { pg_dump -h 127.0.0.1 -p "$pg_port" -U postgres --data-only --inserts --no-comments "$db" |
             grep -E '^(INSERT|SELECT pg_catalog.setval)' | grep -v '^INSERT INTO public.quotes ' | sort; }
  sql() { "${psql[@]}" -d "$db" -At -c "$1"; }
  drop() { "${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" > /dev/null 2>&1 || true; }
else
  connection="Driver=SQLite3;Database=$dir/orderhost.db;JournalMode=WAL;SyncPragma=FULL;Timeout=10000;"
  dump() { sqlite3 "$dir/orderhost.db" .dump | grep '^INSERT' | grep -v '^INSERT INTO quotes ' | sort; }
  sql() { sqlite3 -cmd '.timeout 10000' "$dir/orderhost.db" "$1"; }
  drop() { :; }
fi
settings=(--config "$source/config/orderhost.properties" -D "http.port=$port" -D "plugins.folders=$build/plugins"
          -D "database.connection=$connection")
host=
stop_host() { [ -z "$host" ] || { kill "$host" 2> /dev/null; wait "$host" 2> /dev/null || true; host=; }; }
trap 'stop_host; drop; [ -n "${KEEP_DIR:-}" ] || rm -rf "$dir"' EXIT
start_host() {
  stop_host
  # Its own "listening" line too (counted before it starts): a host of a test beside this one
  # may hold the port and answer.
  local logged; logged=$(grep -c "orderhost listening on" "$dir/host.log" 2> /dev/null || true)
  # The chains' templates_dir is relative to the working directory, as in scripts/start.sh.
  (cd "$source" && exec "$build/host/app/orderhost" "${settings[@]}" "$@") >> "$dir/host.log" 2>&1 &
  host=$!
  for _ in $(seq 150); do
    curl -sf "http://127.0.0.1:$port/v1/health/live" > /dev/null &&
      [ "$(grep -c "orderhost listening on" "$dir/host.log")" -gt "${logged:-0}" ] && return
    sleep 0.1
  done
  fail "the host did not start"
}
url="http://127.0.0.1:$port"
fail() { echo "FAIL: $*"; echo "--- host log (last lines):"; tail -20 "$dir/host.log"; exit 1; }
new_key() { "$build/host/app/orderhost" keys create "${settings[@]}" --name "$1" --role erp 2> /dev/null; }
post() {  # path body [key] -> status; the body in $dir/reply
  curl -sS -o "$dir/reply" -w '%{http_code}' -X POST "$url$1" -H "Authorization: Bearer ${3:-$key}" \
    -H 'Content-Type: application/json' -d "$2"
}
