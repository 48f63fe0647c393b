#!/usr/bin/env bash
# Measures what a step call costs through the plugin boundary (bench/abi_call_bench.cpp) and
# prints median ns/call with the ratio to a plain C++ virtual call, then what the same call
# costs isolated in a worker process against in-process. Figures: docs/performance.md.
#
# Usage: scripts/bench.sh [--callgrind] [extra Google Benchmark flags...]
#        scripts/bench.sh --throughput
#        scripts/bench.sh --http [--smoke]
#        scripts/bench.sh --quotes
#   Builds build-bench/ as RelWithDebInfo (the flags scripts/build.sh ships the server with),
#   runs every case 5 times, interleaved so that machine noise hits all cases alike, and keeps
#   the raw aggregates in build-bench/abi_call_bench.csv.
#   --callgrind  also counts instructions per call under valgrind: exact and repeatable where
#                wall-clock time on a shared VM is not (needs: apt-get install valgrind).
#   --throughput instead of the ABI cases: orders/s through a 10-step chain of no-op steps
#                (bench/chain_throughput_bench.cpp) on SQLite and PostgreSQL, 1 and 4 threads,
#                next to each backend's ceiling measured in the same run (single-row
#                INSERT + COMMIT through ODBC; PostgreSQL also pgbench TPC-B). Starts the test
#                cluster (scripts/pg-test-cluster.sh) and stops it again if it was not running.
#                BENCH_SECONDS (default 10) sets each measurement's length; about 2 minutes in
#                all at the default. Raw result lines: build-bench/chain_throughput.txt.
#   --http       orders/s over HTTP: the real host with a 10-step chain of the reference
#                plugins on SQLite and on PostgreSQL with fsync on and off, at 1, 8, 32 and 64
#                clients, next to a bare ODBC writer of the same rows and pgbench TPC-B in the
#                same run (bench/http-load/http_bench.sh has the knobs; about 10 minutes).
#                --smoke: SQLite only, 2 s per point (under a minute).
#   --quotes     quotes/s beside orders/s over HTTP (issue 15): the same host and chain on
#                SQLite and PostgreSQL (fsync on), 1 and 4 clients, back to back
#                (bench/http-load/quote_bench.sh has the knobs; about 2 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."

callgrind=false
throughput=false
http=false
quotes=false
case "${1:-}" in
  --callgrind) callgrind=true; shift ;;
  --throughput) throughput=true; shift ;;
  --http) http=true; shift ;;
  --quotes) quotes=true; shift ;;
esac

scripts/install-deps.sh
export CCACHE_DIR="${CCACHE_DIR:-$PWD/.ccache}"
# BENCH_BUILD_DIR: build (and keep results) elsewhere, e.g. next to a working tree's tests;
# the tests are left on there.
dir="${BENCH_BUILD_DIR:-build-bench}"
tests=OFF
[ "$dir" = build-bench ] || tests=ON
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DORDERHOST_BUILD_TESTS="$tests" \
  -DORDERHOST_BUILD_BENCH=ON >/dev/null

# --- --throughput -----------------------------------------------------------------------------
# Orders/s through the chain next to the backend's ceiling. The ceiling and the engine alternate
# in 5 slices each (--rounds 5) inside one process, so that a shared VM's drift (this disk's
# fsync time varies tenfold within a minute) hits both sides of the ratio alike.
throughput() {
  cmake --build "$dir" -j "$(nproc)" --target chain_throughput_bench orderhost-noop
  local bench="$dir/bench/chain_throughput_bench" out="$dir/chain_throughput.txt"
  local secs="${BENCH_SECONDS:-10}" tmp pg_was_running=false pg_port="${ORDERHOST_PG_PORT:-55432}"
  local pg_bin; pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  tmp="$(mktemp -d /tmp/orderhost-bench.XXXXXX)"
  pg_isready -q -h 127.0.0.1 -p "$pg_port" && pg_was_running=true
  # shellcheck disable=SC2064  # expand now: the trap must know what this run started
  trap "rm -rf '$tmp'; $pg_was_running || scripts/pg-test-cluster.sh stop" EXIT
  pg_env=$(scripts/pg-test-cluster.sh start)  # ODBCSYSINI (psqlODBC CommLog off) + ORDERHOST_TEST_PG
  eval "$pg_env"  # a failed start stops here (set -e); inside eval "$(...)" it would not
  local psql=("$pg_bin/psql" -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres)
  # The engine's and pgbench's own databases on the test cluster: never the test suite's.
  local pg="${ORDERHOST_TEST_PG/Database=orderhost_test/Database=orderhost_bench}"
  "${psql[@]}" -c 'DROP DATABASE IF EXISTS orderhost_bench' -c 'CREATE DATABASE orderhost_bench' \
    -c 'DROP DATABASE IF EXISTS orderhost_pgbench' -c 'CREATE DATABASE orderhost_pgbench' 2>/dev/null
  "$pg_bin/pgbench" -i -q -h 127.0.0.1 -p "$pg_port" -U postgres orderhost_pgbench >/dev/null 2>&1

  : > "$out"
  echo "=== $(nproc) CPU, $(lscpu | sed -n 's/^Model name: *//p' | head -1), load $(cut -d' ' -f1-3 /proc/loadavg), ${secs} s per measurement ===" | tee -a "$out"
  run() { "$bench" --seconds "$secs" "$@" | tee -a "$out"; }
  local t
  for t in 1 4; do
    local sq="Driver=SQLite3;Database=$tmp/bench-$t.db;"
    run --backend sqlite --threads "$t" --measure all --rounds 5 --connection "$sq"
    # The same engine with every step committed alone (engine.steps_per_commit = 1): what
    # committing steps without external effects together gains. A second process right after
    # the first, on the same database; compare orders/s of the two rows, not each to the
    # ceiling (measured in slices beside the first only).
    run --backend sqlite --threads "$t" --measure engine --rounds 5 --steps-per-commit 1 --connection "$sq"
  done
  for t in 1 4; do
    run --backend postgresql --threads "$t" --measure all --rounds 5 --connection "$pg"
    run --backend postgresql --threads "$t" --measure engine --rounds 5 --steps-per-commit 1 --connection "$pg"
    local tps
    tps="$("$pg_bin/pgbench" -h 127.0.0.1 -p "$pg_port" -U postgres -c "$t" -j "$t" -T "$secs" orderhost_pgbench 2>/dev/null |
      sed -n 's/^tps = \([0-9.]*\).*/\1/p' | tail -1)"
    echo "result backend=postgresql measure=pgbench_tpcb threads=$t per_s=${tps:-0}" | tee -a "$out"
  done
  # Where one order's time goes (1 thread, shorter), and on PostgreSQL what a step commit costs
  # with the store's SQL prepared once per session. (On SQLite every variant waits for the same
  # fsync per commit, and this disk's fsync time drifts more than the variants differ.)
  local short=$(( secs > 5 ? 5 : secs ))
  "$bench" --seconds "$short" --backend sqlite --threads 1 --measure phases --connection "Driver=SQLite3;Database=$tmp/phases.db;" | tee -a "$out"
  "$bench" --seconds "$short" --backend postgresql --threads 1 --measure phases --connection "$pg" | tee -a "$out"
  "$bench" --seconds "$short" --backend postgresql --threads 1 --measure lean --connection "$pg" | tee -a "$out"

  echo
  awk '
    /^result / {
      delete f
      for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
      k = f["backend"] SUBSEP f["threads"]
      m = f["measure"]
      if (m == "odbc_insert_commit") { ceil_sum[k] += f["per_s"]; ceil_n[k]++ }
      else if (m == "engine") { k = k SUBSEP f["steps_per_commit"]; orders[k] = f["per_s"]; tx[k] = f["tx_per_s"]; cpo[k] = f["commits_per_order"]; ok[k] = f["verified"]; p50[k] = f["p50_us"] / 1000 }
      else if (m == "pgbench_tpcb") tps[k] = f["per_s"]
      else if (m == "lean_step_tx") lean[f["backend"]] = f["per_s"]
      else if (m == "phases") phase[f["backend"]] = $0
      if (!(f["backend"] in seen)) { seen[f["backend"]] = 1; order[++nb] = f["backend"] }
    }
    END {
      printf "%-10s %3s %4s %9s %9s %6s %8s %13s %9s %9s %9s %11s %s\n", "backend", "thr", "spc", "orders/s", "p50 ms",
             "tx/ord", "tx/s", "ceiling tx/s", "tx/ceil", "ord/ceil", "pgbench", "ord/pgb tps", "verified"
      for (b = 1; b <= nb; b++) for (t = 1; t <= 4; t += 3) for (spc = 1; spc <= 16; spc += 15) {
        kb = order[b] SUBSEP t
        k = kb SUBSEP spc
        if (!(k in orders)) continue
        # (No ">" inside printf arguments: awk would read it as a redirection.)
        c = ceil_n[kb] ? ceil_sum[kb] / ceil_n[kb] : 0
        ratio = c ? 100 * tx[k] / c : 0
        pgb = "-"; per_tps = "-"
        if ((kb in tps) && tps[kb] + 0) { pgb = sprintf("%.0f", tps[kb]); per_tps = sprintf("%.2f%%", 100 * orders[k] / tps[kb]) }
        oratio = c ? 100 * orders[k] / c : 0
        printf "%-10s %3d %4d %9.1f %9.1f %6.2f %8.0f %13.0f %8.1f%% %8.1f%% %9s %11s %s\n", order[b], t, spc, orders[k],
               p50[k], cpo[k], tx[k], c, ratio, oratio, pgb, per_tps, ok[k]
      }
      print ""
      print "spc: engine.steps_per_commit (16: the no-op steps, which promise no external effect, share"
      print "one commit; 1: each step commits alone, as before issue 12 item 2)."
      print "ord/ceil: orders/s against the single-row commit ceiling (issue 12: SQLite >= 60 %)."
      print "tx/ord: transactions the store committed per order, counted (the insert is one where it is"
      print "not a single autocommit statement; then one per checkpoint)."
      print "ceiling tx/s: single-row INSERT + COMMIT through ODBC, same driver, settings and threads;"
      print "measured in slices alternating with the engine'"'"'s. pgbench: TPC-B tps, same cluster."
      print ""
      for (b = 1; b <= nb; b++) {
        split(phase[order[b]], p, " ")
        delete g; for (i in p) { split(p[i], kv, "="); g[kv[1]] = kv[2] }
        if (!("order_us" in g)) continue
        printf "%s, 1 thread, per order: %.0f us = intake CPU %.0f + insertOrder %.0f + %d x (step on a worker %.1f + toJson %.0f + recordStep %.0f); database %s%%\n",
               order[b], g["order_us"], g["intake_cpu_us"], g["insert_order_us"], g["steps"], g["step_on_worker_us"],
               g["to_json_us"], g["record_step_us"], g["db_share_pct"]
        printf "%s, 1 thread: a step call costs %.1f us directly, %.1f us handed to a StepWorkers thread (handoff %.1f us)\n",
               order[b], g["step_run_us"], g["step_on_worker_us"], g["step_on_worker_us"] - g["step_run_us"]
        if ((order[b] in lean) && g["record_step_us"])
          printf "%s, 1 thread: recordStep %.0f tx/s as the store runs it, %.0f tx/s with the same SQL prepared once per session\n",
                 order[b], 1e6 / g["record_step_us"], lean[order[b]]
      }
    }' "$out"
}

if $throughput; then
  throughput
  exit 0
fi
if $http; then
  cmake --build "$dir" -j "$(nproc)" --target orderhost orderhost-plugin-worker bare_odbc_writer orderhost-validation orderhost-credit \
    orderhost-sourcing orderhost-billing orderhost-notification orderhost-preparation orderhost-publication
  exec bench/http-load/http_bench.sh "$dir" "$@"
fi
if $quotes; then
  cmake --build "$dir" -j "$(nproc)" --target orderhost orderhost-plugin-worker orderhost-validation orderhost-credit \
    orderhost-sourcing orderhost-billing orderhost-notification orderhost-preparation orderhost-publication
  exec bench/http-load/quote_bench.sh "$dir" "$@"
fi
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

# Isolation (plugins.isolate): wall-clock medians, because the worker process's CPU time is not
# the benchmark's; each isolated case next to its in-process twin from the same run.
awk -F, '
  /^name,/ { for (i = 1; i <= NF; i++) col[$i] = i; next }
  !("name" in col) { next }
  {
    name = $col["name"]; gsub(/"/, "", name)
    if (name ~ /\/real_time_median$/) { sub(/\/real_time_median$/, "", name); median[name] = $col["real_time"] }
  }
  END {
    if (!("BM_StepInstanceRunIsolated" in median) && !("BM_ValidationStepIsolated" in median)) exit
    printf "\n%-42s %12s %14s %10s\n", "wall clock (median of 5)", "in-process ns", "isolated ns", "x"
    n = split("BM_StepInstanceRunWallClock:BM_StepInstanceRunIsolated BM_ValidationStep:BM_ValidationStepIsolated", pairs, " ")
    for (i = 1; i <= n; i++) {
      split(pairs[i], p, ":")
      if (!(p[1] in median) || !(p[2] in median)) continue
      printf "%-42s %12.0f %14.0f %10.1f\n", p[2], median[p[1]], median[p[2]], median[p[2]] / median[p[1]]
    }
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
