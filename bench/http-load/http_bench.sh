#!/usr/bin/env bash
# Orders per second over HTTP (issue 12, docs/performance.md "Orders per second over HTTP"):
# the real host with the 10-step placement chain (placement/place-order.yaml) on SQLite (WAL,
# FULL), PostgreSQL with fsync on and PostgreSQL with fsync off; at each concurrency, back to
# back: orderhost over HTTP (load.py), the bare ODBC writer of the same rows
# (bench/bare_odbc_writer.cpp), and on PostgreSQL pgbench TPC-B. Then p99 at half of the best
# rate (paced), RSS idle / after the load / with held orders, and the table (report.py).
#
# usage: bench/http-load/http_bench.sh BUILD_DIR [--smoke]
#   Run through scripts/bench.sh --http, which builds BUILD_DIR first.
#   --smoke              SQLite only, 2 s per point, 200 held orders: checks that it all works
#   BENCH_SECONDS        length of each point (default 10; the whole run is about 10 minutes)
#   BENCH_CLIENTS        concurrencies (default "1 8 32 64")
#   BENCH_BACKENDS       default "sqlite pg-fsync-on pg-fsync-off"
#   BENCH_HELD           held orders posted on the last backend (default 10000; 0: none)
#   BENCH_PG_PORT, BENCH_PG_DIR   the throw-away cluster (default 55499, /tmp/orderhost-http-bench-pg)
#   BENCH_PGBENCH_SCALE  pgbench -i scale (default 1, i.e. plain "pgbench -i")
#   BENCH_SKUS           spread the orders over this many SKUs (spread_skus.py, load.py --skus),
#                        two drawn at random per order; default 0: every order takes the same two,
#                        BOLT-M8 and DRILL-18V, so concurrent orders queue for two stock rows
#                        (2 to 5000)
#   BENCH_AT_ONCE        more steps of the chain given commit: at_once, e.g. "prepare" (the chain
#                        has it on "invoice" already: without it its batches deadlock on PostgreSQL)
#   BENCH_WAITS          1: on PostgreSQL, sample pg_stat_activity of the host's database 4 times a
#                        second during each point (what the connections wait for); its psql
#                        connections count in the PostgreSQL CPU per order then
#   BENCH_STORED         on the last backend if it is PostgreSQL: copy one completed order this
#                        many times (orders + its step_runs, by SQL), then measure 8 clients again
#                        (default 0: skipped; 1000000 takes several minutes and some GB of disk)
# Raw lines: BUILD_DIR/http_bench.txt; host logs and databases in a temporary folder (printed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=$(cd "$1" && pwd)
smoke=false
[ "${2:-}" = --smoke ] && smoke=true

secs=${BENCH_SECONDS:-10}
clients=${BENCH_CLIENTS:-"1 8 32 64"}
backends=${BENCH_BACKENDS:-"sqlite pg-fsync-on pg-fsync-off"}
held=${BENCH_HELD:-10000}
stored=${BENCH_STORED:-0}
skus=${BENCH_SKUS:-0}
waits=${BENCH_WAITS:-0}
at_once=${BENCH_AT_ONCE:-}
if $smoke; then
  secs=${BENCH_SECONDS:-2}; backends=${BENCH_BACKENDS:-sqlite}; held=${BENCH_HELD:-200}
fi
export ORDERHOST_PG_PORT=${BENCH_PG_PORT:-55499}
export ORDERHOST_PG_DIR=${BENCH_PG_DIR:-/tmp/orderhost-http-bench-pg}
pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
tck=$(getconf CLK_TCK)
out="$build/http_bench.txt"
tmp=$(mktemp -d /tmp/orderhost-http-bench.XXXXXX)
host_pid=""
chains=$here/placement
sku_flags=()
sampler=""
if [ "$skus" -gt 0 ] || [ -n "$at_once" ]; then
  chains=$tmp/placement; mkdir -p "$chains"
  python3 "$here/spread_skus.py" "$here/placement/place-order.yaml" "$chains/place-order.yaml" "$skus" --at-once "$at_once"
  [ "$skus" -gt 0 ] && sku_flags=(--skus "$skus")
fi

# Each step whatever the one before it did (set -e holds in a trap too).
cleanup() {
  rm -f "$tmp/sampling"; { [ -n "$sampler" ] && kill "$sampler" 2>/dev/null; } || true
  { [ -n "$host_pid" ] && kill "$host_pid" 2>/dev/null && wait "$host_pid" 2>/dev/null; } || true
  "$repo/scripts/pg-test-cluster.sh" stop
  rm -rf "$ORDERHOST_PG_DIR"  # the throw-away cluster: GBs after BENCH_STORED
  echo "http_bench: host logs and SQLite databases in $tmp" >&2
}
trap cleanup EXIT

# --- /proc readings -------------------------------------------------------------------------
# The fields after "pid (comm) ": $12 utime, $13 stime, $14 cutime, $15 cstime (clock ticks).
cpu_of() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# PostgreSQL's CPU: the postmaster with its reaped children (cutime, cstime: backends that
# exited) plus every live child, so a connection that closes during a point still counts.
# (cat fails for a process that ended while it read: that is not an error here.)
pg_cpu() {
  local pm; pm=$(head -n 1 "$ORDERHOST_PG_DIR/data/postmaster.pid")
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pm="$pm" '{ pid = $1; sub(/^.*\) /, "") }
    pid == pm { total += $12 + $13 + $14 + $15; next }
    $2 == pm { total += $12 + $13 }
    END { print total + 0 }'
}
# Transactions committed in the host's database (PostgreSQL's statistics, flushed within ~1 s).
pg_commits() {
  "$pg_bin/psql" -At -h 127.0.0.1 -p "$ORDERHOST_PG_PORT" -U postgres -d postgres \
    -c "SELECT xact_commit FROM pg_stat_database WHERE datname = 'bench_host'"
}
# Commits the host made on its database (its /metrics counter; on SQLite too).
host_commits() {
  curl -sf "http://127.0.0.1:$host_port/metrics" | awk '$1 == "orderhost_db_commits_total" { printf "%d", $2 }'
}
load1() { cut -d' ' -f1 /proc/loadavg; }
# What the host's connections do, sampled 4 times a second until the file $1 is removed: the
# means of connections waiting for a lock, idle in a transaction (waiting for the host) and
# running, printed as words for the result line.
sample_waits() {  # $1 flag file
  local n=0 lock=0 idle=0 active=0 row l i a
  while [ -e "$1" ]; do
    row=$("$pg_bin/psql" -At -F ' ' -h 127.0.0.1 -p "$ORDERHOST_PG_PORT" -U postgres -d postgres -c \
      "SELECT COUNT(*) FILTER (WHERE wait_event_type = 'Lock'), COUNT(*) FILTER (WHERE state = 'idle in transaction'),
              COUNT(*) FILTER (WHERE state = 'active' AND wait_event_type IS DISTINCT FROM 'Lock')
         FROM pg_stat_activity WHERE datname = 'bench_host'") || row=""
    [ -n "$row" ] || { sleep 0.25; continue; }  # a failed sample is not a zero
    read -r l i a <<< "$row"
    n=$((n + 1)); lock=$((lock + l)); idle=$((idle + i)); active=$((active + a))
    sleep 0.25
  done
  awk -v n="$n" -v l="$lock" -v i="$idle" -v a="$active" 'BEGIN { if (n) printf "lock_waits=%.1f idle_in_tx=%.1f running=%.1f", l / n, i / n, a / n }'
}
record() { echo "$*" | tee -a "$out"; }

# --- the host ---------------------------------------------------------------------------------
start_host() {  # $1 connection string
  local port; port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  # The shipped example's HTTP and pool settings (config/orderhost.properties).
  cat > "$tmp/orderhost.properties" <<P
http.address = 127.0.0.1
http.port = $port
http.max_threads = 64
http.keep_alive_s = 5
database.connection = $1
database.pool_size = 16
plugins.folders = $build/plugins
chains.folder = $chains
chains.default = place-order
log.level = info
${BENCH_EXTRA_SETTINGS:-}
P
  "$build/host/app/orderhost" --config "$tmp/orderhost.properties" >> "$tmp/host-$backend.log" 2>&1 &
  host_pid=$!
  host_port=$port
  for _ in $(seq 300); do
    curl -sf "http://127.0.0.1:$port/v1/health" >/dev/null && return 0
    kill -0 "$host_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "http_bench: the host did not start; the end of $tmp/host-$backend.log:" >&2
  tail -n 20 "$tmp/host-$backend.log" >&2
  exit 1
}

stop_host() {
  kill "$host_pid"; wait "$host_pid" || true; host_pid=""
}

# One point of orderhost over HTTP: orders/s, latency, host and PostgreSQL CPU.
http_point() {  # $1 clients, $2 extra load.py flags, $3 extra words for the result line
  local h0 p0=0 h1 p1=0 x0=0 x1=0 c0 c1 line waited=""
  c0=$(host_commits)
  if $pg && [ "$waits" = 1 ]; then touch "$tmp/sampling"; sample_waits "$tmp/sampling" > "$tmp/waits" & sampler=$!; fi
  h0=$(cpu_of "$host_pid"); $pg && p0=$(pg_cpu) && x0=$(pg_commits)
  line=$(python3 "$here/load.py" "$host_port" "$1" "$secs" --prefix "$backend-$1-$RANDOM" --result "${sku_flags[@]}" $2 | grep '^result')
  h1=$(cpu_of "$host_pid"); $pg && p1=$(pg_cpu)
  if [ -e "$tmp/sampling" ]; then rm "$tmp/sampling"; wait "$sampler" || true; sampler=""; waited=$(cat "$tmp/waits"); fi
  $pg && sleep 1 && x1=$(pg_commits)
  c1=$(host_commits)
  record "$line backend=$backend host_cpu_s=$(echo "$h0 $h1 $tck" | awk '{ printf "%.2f", ($2 - $1) / $3 }')" \
    "db_cpu_s=$(echo "$p0 $p1 $tck" | awk '{ printf "%.2f", ($2 - $1) / $3 }') commits=$((x1 - x0))" \
    "host_commits=$(( ${c1:-0} - ${c0:-0} )) load=$(load1) $waited ${3:-}"
}

# The bare writer of the rows one order needs, at the same concurrency, on its own tables.
bare_point() {  # $1 clients, $2 connection, $3 rows spec, $4 measure name
  local p0=0 p1=0 line
  $pg && p0=$(pg_cpu)
  line=$("$build/bench/bare_odbc_writer" --connection "$2" --rows "$3" --clients "$1" --seconds "$secs" --setup)
  $pg && p1=$(pg_cpu)
  record "${line/measure=bare_writer/measure=$4} backend=$backend db_cpu_s=$(echo "$p0 $p1 $tck" | awk '{ printf "%.2f", ($2 - $1) / $3 }') load=$(load1)"
}

pgbench_point() {  # $1 clients
  local p0 p1 tps
  p0=$(pg_cpu)
  tps=$("$pg_bin/pgbench" -h 127.0.0.1 -p "$ORDERHOST_PG_PORT" -U postgres -c "$1" -j "$1" -T "$secs" bench_pgbench 2>/dev/null |
    sed -n 's/^tps = \([0-9.]*\).*/\1/p' | tail -n 1)
  p1=$(pg_cpu)
  record "result measure=pgbench clients=$1 per_s=${tps:-0} backend=$backend db_cpu_s=$(echo "$p0 $p1 $tck" | awk '{ printf "%.2f", ($2 - $1) / $3 }') load=$(load1)"
}

# Stored orders: copies of one completed order (new id and order_ref) with its step runs, so
# that the tables and their indexes hold $1 more orders. Plugin tables and the outbox are not
# filled. Columns are read from the catalog, so a new column needs no change here.
store_orders() {  # $1 how many
  "$pg_bin/psql" -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$ORDERHOST_PG_PORT" -U postgres -d bench_host <<SQL
DO \$\$ DECLARE template text; cols text; sel text; BEGIN
  SELECT id INTO template FROM orders WHERE state = 'completed' LIMIT 1;
  FOR t IN 1..2 LOOP
    SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position),
           string_agg(CASE WHEN column_name IN ('id', 'order_id') THEN 'lpad(g::text, 36, ''s'')'
                           WHEN column_name = 'order_ref' THEN '''stored-'' || g'
                           ELSE 't.' || quote_ident(column_name) END, ', ' ORDER BY ordinal_position)
      INTO cols, sel FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name = (ARRAY['orders', 'step_runs'])[t];
    EXECUTE format('INSERT INTO %I (%s) SELECT %s FROM generate_series(1, \$1) g, %I t WHERE t.%I = \$2',
                   (ARRAY['orders', 'step_runs'])[t], cols, sel, (ARRAY['orders', 'step_runs'])[t],
                   (ARRAY['id', 'order_id'])[t]) USING $1, template;
  END LOOP;
END \$\$;
ANALYZE orders; ANALYZE step_runs;
SQL
}

# The rows one order adds to each table of the host's database (SQLite, after the warm-up's
# orders), with their average width: the bare writer's --rows.
count_rows() {  # $1 database file, $2 before/after file
  python3 - "$1" > "$2" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"):
    cols = [r[1] for r in db.execute(f'PRAGMA table_info("{name}")')]
    width = "+".join(f'COALESCE(LENGTH("{c}"), 0)' for c in cols) or "0"
    n, total = db.execute(f'SELECT COUNT(*), COALESCE(SUM({width}), 0) FROM "{name}"').fetchone()
    print(name, n, total)
PY
}

rows_spec() {  # $1 before, $2 after, $3 orders in between
  awk -v n="$3" 'NR == FNR { c[$1] = $2; b[$1] = $3; next }
    { rows = ($2 - c[$1]) / n; if (rows < 0.5) next
      printf "%s%s:%d:%d", sep, $1, int(rows + 0.5), ($3 - b[$1]) / ($2 - c[$1]); sep = "," }' "$1" "$2"
}

# --- one backend ------------------------------------------------------------------------------
run_backend() {
  local conn bare_conn c best=0 r
  pg=false
  case "$backend" in
    sqlite)
      conn="Driver=SQLite3;Database=$tmp/orderhost.db;JournalMode=WAL;SyncPragma=FULL;Timeout=10000;"
      bare_conn="Driver=SQLite3;Database=$tmp/bare.db;JournalMode=WAL;SyncPragma=FULL;Timeout=10000;" ;;
    pg-fsync-on|pg-fsync-off)
      pg=true
      "$repo/scripts/pg-test-cluster.sh" stop
      pg_env=$(ORDERHOST_PG_FSYNC="${backend#pg-fsync-}" "$repo/scripts/pg-test-cluster.sh" start)  # a failed start stops here; inside eval "$(...)" it would not
      eval "$pg_env"
      local psql=("$pg_bin/psql" -q -h 127.0.0.1 -p "$ORDERHOST_PG_PORT" -U postgres -d postgres)
      "${psql[@]}" -c 'CREATE DATABASE bench_host' -c 'CREATE DATABASE bench_bare' -c 'CREATE DATABASE bench_pgbench'
      "$pg_bin/pgbench" -i -q -s "${BENCH_PGBENCH_SCALE:-1}" -h 127.0.0.1 -p "$ORDERHOST_PG_PORT" -U postgres bench_pgbench >/dev/null 2>&1
      record "info backend=$backend fsync=$("${psql[@]}" -At -c 'SHOW fsync') synchronous_commit=$("${psql[@]}" -At -c 'SHOW synchronous_commit')"
      local base="Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=$ORDERHOST_PG_PORT;Uid=postgres;Pwd=;"
      conn="${base}Database=bench_host;"; bare_conn="${base}Database=bench_bare;" ;;
    *) echo "http_bench: unknown backend $backend" >&2; exit 64 ;;
  esac
  start_host "$conn"
  record "info backend=$backend rss_idle_kb=$(rss_kb "$host_pid")"
  # Warm-up: the first order seeds the stock (the chain's seed), then 20 more; on SQLite they
  # also tell which rows an order writes.
  python3 "$here/load.py" "$host_port" 1 60 --count 1 --prefix "$backend-seed" "${sku_flags[@]}" >/dev/null
  [ "$backend" = sqlite ] && count_rows "$tmp/orderhost.db" "$tmp/rows-before"
  python3 "$here/load.py" "$host_port" 1 60 --count 20 --prefix "$backend-warm" "${sku_flags[@]}" | tee -a "$tmp/warmup.txt"
  if [ "$backend" = sqlite ]; then
    count_rows "$tmp/orderhost.db" "$tmp/rows-after"
    rows=$(rows_spec "$tmp/rows-before" "$tmp/rows-after" 20)
    record "info rows_per_order=$rows"
  fi
  [ -n "${rows:-}" ] || { echo "http_bench: run the sqlite backend first (it counts the rows)" >&2; exit 1; }

  bare_point 1 "$bare_conn" "ceiling:1:100" ceiling
  for c in $clients; do
    http_point "$c" ""
    bare_point "$c" "$bare_conn" "$rows" bare_writer
    $pg && pgbench_point "$c"
  done
  best=$(awk -v b="$backend" '$2 == "measure=http" && index($0, "backend=" b " ") && $4 == "rate=0" {
      split($6, kv, "="); if (kv[2] > best) best = kv[2] } END { print best + 0 }' "$out")
  r=$(awk -v b="$best" 'BEGIN { printf "%.1f", b / 2 }')
  http_point 32 "--rate $r"
  record "info backend=$backend rss_after_load_kb=$(rss_kb "$host_pid")"
  if [ "$held" -gt 0 ] && [ "$backend" = "${backends##* }" ]; then
    python3 "$here/load.py" "$host_port" 32 600 --count "$held" --customer C-HOLD --prefix "$backend-hold" "${sku_flags[@]}" | tee -a "$tmp/held.txt"
    record "info backend=$backend held_orders=$held held_reply=$(tail -n 1 "$tmp/held.txt" | tr -d ' ') rss_with_held_kb=$(rss_kb "$host_pid")"
  fi
  if [ "$stored" -gt 0 ] && $pg && [ "$backend" = "${backends##* }" ]; then
    local t0=$SECONDS
    store_orders "$stored"
    record "info backend=$backend stored_orders=$stored store_s=$((SECONDS - t0)) orders_in_db=$("$pg_bin/psql" -At -h 127.0.0.1 \
      -p "$ORDERHOST_PG_PORT" -U postgres -d bench_host -c 'SELECT COUNT(*) FROM orders')"
    http_point 8 "" "phase=stored"
  fi
  stop_host
}

: > "$out"
record "info nproc=$(nproc) cpu=\"$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)\" kernel=$(uname -r) date=$(date -u +%FT%TZ)" \
  "commit=$(git -C "$repo" rev-parse --short HEAD) seconds=$secs skus=$skus at_once=invoice${at_once:+,$at_once} load_start=$(load1)"
for backend in $backends; do
  run_backend
done
record "info load_end=$(load1) date_end=$(date -u +%FT%TZ)"
python3 "$here/report.py" "$out"
