#!/usr/bin/env bash
# The whole test suite: installs what is missing, starts a throw-away PostgreSQL cluster on
# loopback, then builds and runs every test twice — in the normal build and in the
# AddressSanitizer + UndefinedBehaviorSanitizer build. Store tests run on SQLite and PostgreSQL.
# First the code style (scripts/format-check.sh --strict); last, the short fuzz run
# (scripts/fuzz.sh short: clang-14 build-fuzz/, ctest label fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
# The npm tools the tests use (OpenAPI linter, response validator), pinned by package-lock.json.
scripts/install-test-tools.sh
started=$(date +%s)

# One code style: every C/C++ file as .clang-format (and sdk/.clang-format) lays it out.
scripts/format-check.sh --strict

# Before the builds: test discovery, which runs at build time, lists the PostgreSQL cases only
# when ORDERHOST_TEST_PG is set.
eval "$(scripts/pg-test-cluster.sh start)"
mkdir -p var/test-logs
phase() { echo "=== $1 ($(( $(date +%s) - started )) s in) ==="; }
# A build in the background, at the lowest CPU priority: the tests running meanwhile wait mostly
# on sockets, processes and timers (a run of the AMQP tests used 29 s of CPU in 79 s on two
# slots), so the build takes the idle CPU and the tests keep theirs (docs/performance.md, Build
# time). Its output goes to var/test-logs/ and is shown if it fails.
background_build() {
  local log="var/test-logs/$1.log"
  shift
  nice -n 19 "$@" >"$log" 2>&1 &
  build_pid=$!  # a child of this shell, so that `wait` can take its status
}
finish_build() {
  if ! wait "$1"; then
    tail -n 60 "$2"
    echo "test.sh: the build in $2 failed" >&2
    exit 1
  fi
}
trap 'jobs -p | xargs -r kill 2>/dev/null; scripts/pg-test-cluster.sh stop' EXIT

phase "build (normal)"
scripts/build.sh
background_build build-asan scripts/build.sh --sanitize
asan_build=$build_pid
phase "ctest (normal), the ASan build beside it"
ctest --test-dir build --output-on-failure -j "$(nproc)" --timeout 300
phase "waiting for the ASan build"
finish_build "$asan_build" var/test-logs/build-asan.log
background_build build-fuzz scripts/fuzz.sh build
fuzz_build=$build_pid
# Plugins and the host share ASan's runtime; leak checking stays on.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
phase "ctest (sanitize), the fuzz build beside it"
ctest --test-dir build-asan --output-on-failure -j "$(nproc)" --timeout 300
phase "waiting for the fuzz build"
finish_build "$fuzz_build" var/test-logs/build-fuzz.log
phase "fuzz (short run)"
scripts/fuzz.sh short

echo "test.sh: all tests passed in $(( $(date +%s) - started )) s"
