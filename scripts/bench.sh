#!/usr/bin/env bash
# Measures what a step call costs through the plugin boundary (bench/abi_call_bench.cpp) and
# prints median ns/call with the ratio to a plain C++ virtual call. Figures: docs/performance.md.
#
# Usage: scripts/bench.sh [--callgrind] [extra Google Benchmark flags...]
#   Builds build-bench/ as RelWithDebInfo (the flags scripts/build.sh ships the server with),
#   runs every case 5 times, interleaved so that machine noise hits all cases alike, and keeps
#   the raw aggregates in build-bench/abi_call_bench.csv.
#   --callgrind  also counts instructions per call under valgrind: exact and repeatable where
#                wall-clock time on a shared VM is not (needs: apt-get install valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."

callgrind=false
if [ "${1:-}" = "--callgrind" ]; then callgrind=true; shift; fi

scripts/install-deps.sh
export CCACHE_DIR="${CCACHE_DIR:-$PWD/.ccache}"
dir=build-bench
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DORDERHOST_BUILD_TESTS=OFF \
  -DORDERHOST_BUILD_BENCH=ON >/dev/null
cmake --build "$dir" -j "$(nproc)" --target abi_call_bench
bench="$dir/bench/abi_call_bench"
csv="$dir/abi_call_bench.csv"

echo "=== $(nproc) CPU, $(lscpu | sed -n 's/^Model name: *//p' | head -1), load $(cut -d' ' -f1-3 /proc/loadavg) ==="
# CSV rather than JSON so that parsing needs awk only (no python on a fresh machine).
"$bench" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_enable_random_interleaving=true --benchmark_time_unit=ns \
  --benchmark_out="$csv" --benchmark_out_format=csv "$@"

# The table: CPU-time medians (on a shared VM wall time also counts the moments the benchmark
# was descheduled), their spread, and each case against BM_DirectVirtualCall. The last
# column puts the cost next to one durable commit (SQLite FULL/WAL ≈ 9,500/s ≈ 105 µs,
# /work/shared/STACK-NOTES.md), which every step of an order pays.
echo
awk -F, '
  /^name,/ { for (i = 1; i <= NF; i++) col[$i] = i; next }  # after the context lines
  !("name" in col) { next }
  {
    name = $col["name"]; gsub(/"/, "", name)
    if (name ~ /_median$/) { sub(/_median$/, "", name); median[name] = $col["cpu_time"] }
    # The spread from mean and stddev: the CSV scales the _cv row by the time unit.
    if (name ~ /_mean$/) { sub(/_mean$/, "", name); mean[name] = $col["cpu_time"] }
    if (name ~ /_stddev$/) { sub(/_stddev$/, "", name); stddev[name] = $col["cpu_time"] }
  }
  END {
    direct = median["BM_DirectVirtualCall"]
    printf "%-42s %12s %7s %10s %12s\n", "case (median of 5)", "ns/call", "cv %", "x direct", "% of commit"
    n = split("BM_DirectVirtualCall BM_AbiRawCall BM_StepInstanceRun BM_StepInstanceRunWithDocumentRoundTrip", order, " ")
    for (i = 1; i <= n; i++) {
      c = order[i]
      if (!(c in median)) continue  # left out by a --benchmark_filter
      ratio = direct > 0 ? sprintf("%.1f", median[c] / direct) : "-"
      printf "%-42s %12.1f %7.1f %10s %12.4f\n", c, median[c], 100 * stddev[c] / mean[c], ratio, median[c] / 105000 * 100
    }
    if (direct > 0 && ("BM_AbiRawCall" in median))
      printf "ABI + SDK over direct: %.1f ns per step call\n", median["BM_AbiRawCall"] - direct
  }' "$csv"

if $callgrind; then
  command -v valgrind >/dev/null || { echo "bench.sh: --callgrind needs valgrind (apt-get install valgrind)" >&2; exit 1; }
  out="$dir/callgrind.out"
  valgrind --tool=callgrind --callgrind-out-file="$out" --compress-strings=no --compress-pos=no \
    "$bench" --benchmark_filter='^BM_(DirectVirtualCall|AbiRawCall|StepInstanceRun)$' \
    --benchmark_min_time=0.05 >/dev/null 2>&1
  echo
  # Instructions inside the measured call (inclusive cost of the callee from the benchmark's
  # loop, divided by the number of calls): callee names as callgrind prints them.
  awk '
    BEGIN {
      want["BM_DirectVirtualCall"] = "NoopDirectStep::run("
      want["BM_AbiRawCall"] = "sdk::detail::runStep("
      want["BM_StepInstanceRun"] = "engine::StepInstance::run("
    }
    /^fn=/ { caller = ""; for (c in want) if (index($0, c "(")) caller = c; next }
    /^cfn=/ { callee = $0; next }
    /^calls=/ { split($0, a, /[= ]/); pending = a[2]; next }
    pending != "" {
      if (caller != "" && index(callee, want[caller])) { calls[caller] += pending; ir[caller] += $2 }
      pending = ""
    }
    END {
      printf "%-42s %12s %10s\n", "callgrind: case", "instr/call", "x direct"
      split("BM_DirectVirtualCall BM_AbiRawCall BM_StepInstanceRun", names, " ")
      d = ir["BM_DirectVirtualCall"] / calls["BM_DirectVirtualCall"]
      for (i = 1; i <= 3; i++) {
        c = names[i]; per = ir[c] / calls[c]
        printf "%-42s %12.0f %10.1f\n", c, per, per / d
      }
    }' "$out"
fi
