#!/usr/bin/env bash
# Builds the orderhost Debian packages: scripts/package.sh [BUILD_DIR] [OUTPUT_DIR]
#   BUILD_DIR   a RelWithDebInfo build tree (default build/, configured and built by
#               scripts/build.sh when it is missing or out of date)
#   OUTPUT_DIR  where the .debs go (default: BUILD_DIR)
# Prints the paths of orderhost-dev_*.deb (the SDK) and orderhost_*.deb (the host), the host's
# last. Install with `apt install ./orderhost_*.deb` (docs/admin-guide.md "Debian package").
set -euo pipefail
cd "$(dirname "$0")/.."

dir="${1:-build}"
out="${2:-$dir}"
if [ "$dir" = build ]; then
  scripts/build.sh >&2
else
  if [ ! -f "$dir/CPackConfig.cmake" ]; then
    echo "package.sh: $dir is not a configured build tree (no CPackConfig.cmake)" >&2
    exit 64
  fi
  cmake --build "$dir" >&2
fi
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$dir/CMakeCache.txt")
if grep -q '^ORDERHOST_SANITIZE:BOOL=ON' "$dir/CMakeCache.txt"; then
  echo "package.sh: $dir is a sanitizer build; package a RelWithDebInfo tree (build/)" >&2
  exit 64
fi
if [ "$build_type" != RelWithDebInfo ] && [ "$build_type" != Release ]; then
  echo "package.sh: $dir is a $build_type build; package a RelWithDebInfo tree (build/)" >&2
  exit 64
fi

mkdir -p "$out"
# Scratch space of its own, so two runs (or the ctest check) do not share _CPack_Packages.
work=$(mktemp -d "${TMPDIR:-/tmp}/orderhost-cpack.XXXXXX")
trap 'rm -rf "$work"' EXIT
cpack --config "$dir/CPackConfig.cmake" -G DEB -B "$work" >&2
for deb in "$work"/orderhost-dev_*.deb "$work"/orderhost_*.deb; do
  mv "$deb" "$out/"
  echo "$(cd "$out" && pwd)/$(basename "$deb")"
done
