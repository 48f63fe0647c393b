#!/usr/bin/env bash
# Lists the C/C++ files that drift from .clang-format (root, or sdk/.clang-format under sdk/).
#   scripts/format-check.sh            # report only (exit 0)
#   scripts/format-check.sh --strict   # exit 1 when any file drifts
# scripts/test.sh runs it --strict (the whole tree was formatted on 2026-12-02). Left out: the
# frozen ABI copies under tests/abi/, and the public C headers in plugin-api/include/, whose
# text is the ABI integrators read (C style, `type *name`; tests/abi/CMakeLists.txt edits it
# by text to build the reordered-header test), and sdk/examples/, which docs/tutorial.md quotes
# line for line (the tutorial test builds the plugin from the tutorial's text and compares).
set -euo pipefail
cd "$(dirname "$0")/.."
formatter=$(command -v clang-format-14 || command -v clang-format)
drift=0
while IFS= read -r file; do
    if [ -n "$("$formatter" --style=file --dry-run "$file" 2>&1 | head -1)" ]; then
        echo "drifts: $file"
        drift=$((drift + 1))
    fi
done < <(git ls-files '*.c' '*.cpp' '*.h' '*.hpp' | grep -v '^tests/abi/frozen/\|^tests/abi/future/\|^plugin-api/include/\|^sdk/examples/')
echo "format-check: $drift file(s) differ from .clang-format"
if [ "${1:-}" = "--strict" ] && [ "$drift" -gt 0 ]; then exit 1; fi
exit 0
