#!/usr/bin/env bash
# Configures and builds orderhost. Usage: scripts/build.sh [--sanitize]
#   default      → build/       (RelWithDebInfo)
#   --sanitize   → build-asan/  (AddressSanitizer + UndefinedBehaviorSanitizer)
set -euo pipefail
cd "$(dirname "$0")/.."

dir=build
flags=()
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan
  flags+=(-DORDERHOST_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DORDERHOST_BUILD_BENCH=OFF)
fi
export CCACHE_DIR="${CCACHE_DIR:-$PWD/.ccache}"
cmake -S . -B "$dir" -G Ninja "${flags[@]}" >/dev/null
cmake --build "$dir" -j "$(nproc)"
echo "build.sh: built $dir/"
