#!/usr/bin/env bash
# Reads of one order (GET /v1/orders/{id}) over HTTP, two builds alternated (docs/performance.md,
# "A read of an order"): per build and round, reads/s, the host's CPU per read and its RSS after
# placing the orders and after the reads. Each point on a fresh database with 200 orders placed
# through the HTTP benchmark's placement chain first.
#
# usage: bench/http-load/reads.sh BEFORE_BUILD AFTER_BUILD pg|sqlite THREADS SECONDS ROUNDS
#   pg: the test cluster (scripts/pg-test-cluster.sh), started if it is not running.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=bench/http-load/host_settings.sh
source "$here/host_settings.sh"
before=$(cd "$1" && pwd) after=$(cd "$2" && pwd) backend=$3 threads=$4 secs=$5 rounds=$6
tmp=$(mktemp -d /tmp/orderhost-reads.XXXXXX)
pid=""
trap '{ [ -n "$pid" ] && kill "$pid" 2>/dev/null; } || true; rm -rf "$tmp"' EXIT
if [ "$backend" = pg ]; then
  pg_env=$("$repo/scripts/pg-test-cluster.sh" start)  # a failed start stops here; inside eval "$(...)" it would not
  eval "$pg_env"
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
rss() { awk '/^VmRSS/ { print int($2 / 1024) }' "/proc/$1/status"; }
ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
for round in $(seq "$rounds"); do
  for which in before after; do
    build=$before; [ "$which" = after ] && build=$after
    connection=$(fresh_connection "$backend" reads_host "$tmp")
    host_settings "$port" "$connection" "$build" > "$tmp/orderhost.properties"
    "$build/host/app/orderhost" --config "$tmp/orderhost.properties" >> "$tmp/host-$which.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/v1/health" >/dev/null && break; sleep 0.1; done
    python3 "$here/load.py" "$port" 4 60 --count 200 --prefix "r$RANDOM" >/dev/null
    rss0=$(rss "$pid") cpu0=$(ticks "$pid")
    line=$(python3 "$here/reads.py" "$port" "$secs" "$threads")
    cpu1=$(ticks "$pid") rss1=$(rss "$pid")
    reads=$(echo "$line" | sed 's/^reads=\([0-9]*\).*/\1/')
    echo "round=$round build=$which backend=$backend threads=$threads $line" \
      "host_cpu_ms_per_read=$(echo "$cpu0 $cpu1 $reads $(getconf CLK_TCK)" |
        awk '{ printf "%.2f", ($2 - $1) * 1000 / $4 / ($3 > 0 ? $3 : 1) }')" \
      "rss_mib_placed=$rss0 rss_mib_after_reads=$rss1 load=$(cut -d' ' -f1 /proc/loadavg)"
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  done
done
