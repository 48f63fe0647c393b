#!/usr/bin/env bash
# Quotes beside placements over HTTP (issue 15 item 4, docs/performance.md "Quotes beside orders over HTTP"): the real
# host with the 10-step placement chain (placement/place-order.yaml) on SQLite (WAL, FULL) and
# PostgreSQL (fsync on), and at each concurrency, back to back: orders placed (load.py) and
# the same drafts quoted (load.py --quotes). A quote runs only the steps that answer quotes,
# in one rolled-back transaction, and stores one row (the quote); an order runs and commits
# every step. Figures are per second and p99, and the ratio quotes/orders of the same run.
#
# usage: bench/http-load/quote_bench.sh BUILD_DIR     (scripts/bench.sh --quotes builds first)
#   BENCH_SECONDS   length of each point (default 10)
#   BENCH_CLIENTS   concurrencies (default "1 4"; the host runs at most 4 quotes at once and
#                   answers more with 503, so beyond 4 clients quotes measure refusals)
#   BENCH_BACKENDS  default "sqlite pg-fsync-on"
#   BENCH_PG_PORT, BENCH_PG_DIR   the throw-away cluster (default 55498, /tmp/orderhost-quote-bench-pg)
# Raw lines: BUILD_DIR/quote_bench.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/http-load/host_settings.sh
source "$here/host_settings.sh"
repo=$(cd "$here/../.." && pwd)
build=$(cd "$1" && pwd)
secs=${BENCH_SECONDS:-10}
clients=${BENCH_CLIENTS:-"1 4"}
backends=${BENCH_BACKENDS:-"sqlite pg-fsync-on"}
export ORDERHOST_PG_PORT=${BENCH_PG_PORT:-55498}
export ORDERHOST_PG_DIR=${BENCH_PG_DIR:-/tmp/orderhost-quote-bench-pg}
out="$build/quote_bench.txt"
tmp=$(mktemp -d /tmp/orderhost-quote-bench.XXXXXX)
host_pid=""
cleanup() {
  [ -n "$host_pid" ] && kill "$host_pid" 2> /dev/null && wait "$host_pid" 2> /dev/null
  "$repo/scripts/pg-test-cluster.sh" stop > /dev/null 2>&1 || true
  rm -rf "$ORDERHOST_PG_DIR"
  echo "quote_bench: host logs in $tmp" >&2
}
trap cleanup EXIT
: > "$out"
record() { echo "$*" | tee -a "$out"; }

start_host() {  # $1 connection string
  host_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  host_settings "$host_port" "$1" "$build" > "$tmp/orderhost.properties"
  "$build/host/app/orderhost" --config "$tmp/orderhost.properties" >> "$tmp/host-$backend.log" 2>&1 &
  host_pid=$!
  for _ in $(seq 300); do
    curl -sf "http://127.0.0.1:$host_port/v1/health" > /dev/null && return 0
    sleep 0.1
  done
  echo "quote_bench: the host did not start: $(tail -n 20 "$tmp/host-$backend.log")" >&2
  exit 1
}

record "info date=$(date -u +%FT%TZ) cpus=$(nproc) commit=$(git -C "$repo" rev-parse --short HEAD 2> /dev/null || echo none) seconds=$secs"
for backend in $backends; do
  case "$backend" in
    sqlite) conn="Driver=SQLite3;Database=$tmp/orderhost.db;JournalMode=WAL;SyncPragma=FULL;Timeout=10000;" ;;
    pg-fsync-on)
      "$repo/scripts/pg-test-cluster.sh" stop > /dev/null 2>&1 || true
      pg_env=$(ORDERHOST_PG_FSYNC=on "$repo/scripts/pg-test-cluster.sh" start)  # a failed start stops here; inside eval "$(...)" it would not
      eval "$pg_env"
      psql -q -h 127.0.0.1 -p "$ORDERHOST_PG_PORT" -U postgres -d postgres -c 'CREATE DATABASE bench_quotes'
      conn="Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=$ORDERHOST_PG_PORT;Uid=postgres;Pwd=;Database=bench_quotes;" ;;
    *) echo "quote_bench: unknown backend $backend" >&2; exit 64 ;;
  esac
  start_host "$conn"
  # Warm-up: the first order seeds the stock (the chain's seed); then some of each.
  python3 "$here/load.py" "$host_port" 1 60 --count 1 --prefix "$backend-seed" > /dev/null
  python3 "$here/load.py" "$host_port" 1 60 --count 20 --prefix "$backend-warm" > /dev/null
  python3 "$here/load.py" "$host_port" 1 60 --count 20 --prefix "$backend-warmq" --quotes > /dev/null
  for c in $clients; do
    record "$(python3 "$here/load.py" "$host_port" "$c" "$secs" --prefix "$backend-$c" --result | grep '^result') backend=$backend"
    record "$(python3 "$here/load.py" "$host_port" "$c" "$secs" --prefix "$backend-q$c" --quotes --result | grep '^result') backend=$backend"
  done
  kill "$host_pid"; wait "$host_pid" || true; host_pid=""
done
# The table: per backend and concurrency, orders/s, quotes/s, their ratio, and both p99s.
awk '/^result/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
       k = v["backend"] " " v["clients"]
       if (v["measure"] == "quote") { q[k] = v["per_s"]; qp[k] = v["p99_us"]; qo[k] = v["other"] }
       else { o[k] = v["per_s"]; op[k] = v["p99_us"]; keys[++n] = k } }
     END { printf "| backend | clients | orders/s | quotes/s | quotes / orders | order p99 ms | quote p99 ms | quotes refused |\n|---|---:|---:|---:|---:|---:|---:|---:|\n"
       for (i = 1; i <= n; i++) { k = keys[i]; split(k, p, " ")
         printf "| %s | %s | %.1f | %.1f | %.1f | %.1f | %.1f | %d |\n", p[1], p[2], o[k], q[k], (o[k] > 0 ? q[k] / o[k] : 0), op[k] / 1000, qp[k] / 1000, qo[k] } }' "$out"
