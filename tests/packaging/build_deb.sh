#!/usr/bin/env bash
# The ctest fixture of the package tests: builds the orderhost .deb from a build tree with cpack
# (orderhost and orderhost-dev) into OUT_DIR (emptied first), once for deb_package_test.sh and deb_install_test.sh.
# Usage: build_deb.sh BUILD_DIR OUT_DIR
set -euo pipefail

build=$1
out=$2
rm -rf "$out"
mkdir -p "$out"
if ! cpack --config "$build/CPackConfig.cmake" -G DEB -B "$out/cpack" >"$out/cpack.log" 2>&1; then
  cat "$out/cpack.log" >&2
  echo "FAIL: cpack -G DEB" >&2
  exit 1
fi
mv "$out"/cpack/orderhost_*.deb "$out"/cpack/orderhost-dev_*.deb "$out/"
rm -rf "$out/cpack"
for deb in "$out"/orderhost_*.deb "$out"/orderhost-dev_*.deb; do
  echo "package: $deb ($(stat -c %s "$deb") bytes)"
done
