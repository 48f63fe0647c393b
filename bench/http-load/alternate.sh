#!/usr/bin/env bash
# Two builds of the host, alternated point by point on the same machine, so that its drift hits
# both alike (docs/performance.md, "Statement handles and statement text"): orders/s, p50 and
# the host's CPU per order for each, ROUNDS times. The HTTP benchmark's settings, and each
# build's placement chain from its own source tree (the tree CMake configured it from, when it
# has bench/http-load/placement; else this tree's), so a change of the chain is measured with
# the build it belongs to; each point on a fresh database.
#
# usage: bench/http-load/alternate.sh BEFORE_BUILD AFTER_BUILD pg|sqlite CLIENTS SECONDS ROUNDS
#   BEFORE_BUILD, AFTER_BUILD: build folders (e.g. a worktree's: git worktree add /tmp/before
#   <commit> && cmake -S /tmp/before -B /tmp/before/build ... && cmake --build /tmp/before/build).
#   Each runs the chain of the tree it was configured from as that tree is now: an old build
#   folder of this tree gets today's chain, so build an older commit in a worktree of its own.
#   pg: the test cluster (scripts/pg-test-cluster.sh), started if it is not running.
#   ALT_SKUS=N: orders over N SKUs (spread_skus.py, load.py --skus; BENCH_SKUS of http_bench.sh)
#   ALT_BEFORE_CHAINS=DIR, ALT_AFTER_CHAINS=DIR: that side's chain folder instead (its
#   place-order.yaml), e.g. one build with two versions of the chain
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=bench/http-load/host_settings.sh
source "$here/host_settings.sh"
before=$(cd "$1" && pwd) after=$(cd "$2" && pwd) backend=$3 clients=$4 secs=$5 rounds=$6
tmp=$(mktemp -d /tmp/orderhost-alternate.XXXXXX)
pid=""
trap '{ [ -n "$pid" ] && kill "$pid" 2>/dev/null; } || true; rm -rf "$tmp"' EXIT
if [ "$backend" = pg ]; then
  pg_env=$("$repo/scripts/pg-test-cluster.sh" start)  # a failed start stops here; inside eval "$(...)" it would not
  eval "$pg_env"
fi
load_flags=()
[ "${ALT_SKUS:-0}" -gt 0 ] && load_flags=(--skus "$ALT_SKUS")
# The placement chain BUILD runs ($1 = before|after, $2 = BUILD): a folder, spread over
# ALT_SKUS SKUs when set. Run in $(...), where set -e does not hold: each step checks itself.
chains_of() {
  local source folder
  source=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$2/CMakeCache.txt" 2>/dev/null || true)
  folder=$source/bench/http-load/placement
  if [ -z "$source" ] || [ ! -f "$folder/place-order.yaml" ]; then folder=$here/placement; fi
  if [ "$1" = before ] && [ -n "${ALT_BEFORE_CHAINS:-}" ]; then folder=$ALT_BEFORE_CHAINS; fi
  if [ "$1" = after ] && [ -n "${ALT_AFTER_CHAINS:-}" ]; then folder=$ALT_AFTER_CHAINS; fi
  [ -f "$folder/place-order.yaml" ] || return 1
  if [ "${ALT_SKUS:-0}" -gt 0 ]; then
    mkdir -p "$tmp/chains-$1" || return 1
    python3 "$here/spread_skus.py" "$folder/place-order.yaml" "$tmp/chains-$1/place-order.yaml" "$ALT_SKUS" ||
      return 1
    folder=$tmp/chains-$1
  fi
  echo "$folder"
}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
for round in $(seq "$rounds"); do
  for which in before after; do
    build=$before; [ "$which" = after ] && build=$after
    connection=$(fresh_connection "$backend" alternate_host "$tmp")
    chains=$(chains_of "$which" "$build") || { echo "alternate.sh: no placement chain for $build" >&2; exit 1; }
    host_settings "$port" "$connection" "$build" | while IFS= read -r line; do
      case $line in "chains.folder = "*) line="chains.folder = $chains" ;; esac
      printf '%s\n' "$line"
    done > "$tmp/orderhost.properties"
    "$build/host/app/orderhost" --config "$tmp/orderhost.properties" >> "$tmp/host-$which.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/v1/health" >/dev/null && break; sleep 0.1; done
    python3 "$here/load.py" "$port" "$clients" 3 --prefix "warm$RANDOM" "${load_flags[@]}" >/dev/null
    cpu0=$(sed 's/^.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }')
    line=$(python3 "$here/load.py" "$port" "$clients" "$secs" --prefix "alt$RANDOM" --result "${load_flags[@]}" | grep '^result')
    cpu1=$(sed 's/^.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }')
    done_orders=$(echo "$line" | sed 's/.*completed=\([0-9]*\).*/\1/')
    echo "round=$round build=$which backend=$backend clients=$clients $(echo "$line" | grep -o 'per_s=[0-9.]*')" \
      "$(echo "$line" | grep -o 'p50_us=[0-9]*') host_cpu_ms_per_order=$(echo "$cpu0 $cpu1 $done_orders $(getconf CLK_TCK)" |
        awk '{ printf "%.1f", ($2 - $1) * 1000 / $4 / ($3 > 0 ? $3 : 1) }') load=$(cut -d' ' -f1 /proc/loadavg)"
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  done
done
