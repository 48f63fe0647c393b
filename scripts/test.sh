#!/usr/bin/env bash
# The whole test suite: installs what is missing, then builds and runs every test twice —
# in the normal build and in the AddressSanitizer + UndefinedBehaviorSanitizer build.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
started=$(date +%s)

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
  ctest --test-dir "$dir" --output-on-failure -j "$(nproc)" --timeout 300
done

echo "test.sh: all tests passed in $(( $(date +%s) - started )) s"
