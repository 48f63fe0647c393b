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
trap 'scripts/pg-test-cluster.sh stop' EXIT  # before the start: a cluster half started is stopped too
pg_env=$(scripts/pg-test-cluster.sh start)
eval "$pg_env"  # a failed start stops here (set -e); inside eval "$(...)" it would not

for variant in normal sanitize; do
  if [ "$variant" = sanitize ]; then
    scripts/build.sh --sanitize
    dir=build-asan
    # Plugins and the host share ASan's runtime; leak checking stays on.
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  else
    scripts/build.sh
    dir=build
  fi
  echo "=== ctest ($variant) ==="
  # One test more than there are cores: many tests wait on a host process, a socket or a
  # broker, and two at a time kept 2 cores only 81 % busy (docs/performance.md "Build time").
  ctest --test-dir "$dir" --output-on-failure -j "$(( $(nproc) + 1 ))" --timeout 300
done

echo "=== fuzz (short run) ==="
scripts/fuzz.sh short

echo "test.sh: all tests passed in $(( $(date +%s) - started )) s"
