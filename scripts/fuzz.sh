#!/usr/bin/env bash
# libFuzzer targets (tests/fuzz) built with clang-14, ASan and UBSan in build-fuzz/.
#   scripts/fuzz.sh             configure + build build-fuzz/ (host libraries and the targets)
#   scripts/fuzz.sh short       ... then the short run: ctest label fuzz (each target over its
#                               seeds for -runs=20000 or 15 s; scripts/test.sh runs this)
#   scripts/fuzz.sh long [RUNS] [TARGET...]
#                               ... then RUNS executions (default 10000000) of each target, one
#                               after another, in libFuzzer's fork mode with FUZZ_JOBS parallel
#                               child processes (default 1); the log of each run goes to
#                               build-fuzz/long/<target>.log, new inputs to
#                               build-fuzz/long/<target>/, crashes to build-fuzz/long/.
#                               FUZZ_SECONDS caps each target's time (-max_total_time);
#                               FUZZ_MAX_LEN caps an input's size (-max_len; default: libFuzzer's
#                               guess from the corpus, which grows to the largest input kept).
#                               FUZZ_TIMEOUT is -timeout in seconds (default 10): libFuzzer times
#                               an input by the wall clock, so a fuzzer at nice 19 beside tests
#                               or builds needs more.
#                               A long run's default ASAN_OPTIONS add quarantine_size_mb=16
#                               (ASan's default is 256): freed memory is reused sooner, so
#                               fewer page faults; fuzz_json_edit ran 1.27x faster over its
#                               corpus. A use after free is still caught within 16 MB of frees.
# Fork mode because one process slows down as it runs: fuzz_condition fell from 9,200 to
# ≈ 1,000 executions/s within an hour (most of it ASan's allocator and page faults), while a
# fresh process on the same corpus ran 5,000/s. Fork mode fuzzes in child processes of at most
# 300 s each, merges what they found into the corpus, and counts RUNS over all of them.
set -euo pipefail
cd "$(dirname "$0")/.."

export CCACHE_DIR="${CCACHE_DIR:-$PWD/.ccache}"
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DORDERHOST_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j "$(nproc)"

if [ -n "${ASAN_OPTIONS:-}" ]; then ORDERHOST_FUZZ_ASAN_SET=1; fi
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

case "${1:-build}" in
build) echo "fuzz.sh: built build-fuzz/" ;;
short) ctest --test-dir build-fuzz -L fuzz --output-on-failure -j "$(nproc)" ;;
long)
  if [ -z "${ORDERHOST_FUZZ_ASAN_SET:-}" ]; then export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=16"; fi
  runs=${2:-10000000}
  shift $(( $# >= 2 ? 2 : 1 ))
  targets=("$@")
  if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(find build-fuzz/tests/fuzz -maxdepth 1 -name 'fuzz_*' -type f -executable -printf '%f\n' | sort)
  fi
  jobs=${FUZZ_JOBS:-1}
  extra=(-fork="$jobs")
  if [ -n "${FUZZ_SECONDS:-}" ]; then extra+=(-max_total_time="$FUZZ_SECONDS"); fi
  if [ -n "${FUZZ_MAX_LEN:-}" ]; then extra+=(-max_len="$FUZZ_MAX_LEN"); fi
  mkdir -p build-fuzz/long
  failed=()
  for target in "${targets[@]}"; do
    echo "fuzz.sh: $target, $runs runs, $jobs job(s), $(date -u '+%F %T') UTC"
    mkdir -p "build-fuzz/long/$target"
    (cd build-fuzz/long &&
      "../tests/fuzz/$target" -runs="$runs" "${extra[@]}" -rss_limit_mb=2048 -timeout="${FUZZ_TIMEOUT:-10}" \
        -print_final_stats=1 -artifact_prefix="$PWD/$target-" "$target" "../../tests/fuzz/corpus/$target" \
        >"$target.log" 2>&1) || { echo "fuzz.sh: $target FAILED, see build-fuzz/long/$target.log"; failed+=("$target"); }
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)|cov: ' \
      "build-fuzz/long/$target.log" | tail -5
  done
  if [ ${#failed[@]} -gt 0 ]; then echo "fuzz.sh: FAILED: ${failed[*]}"; exit 1; fi
  ;;
*) echo "usage: scripts/fuzz.sh [build|short|long [RUNS] [TARGET...]]" >&2; exit 2 ;;
esac
