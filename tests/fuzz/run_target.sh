#!/usr/bin/env bash
# Runs one libFuzzer target over its committed seeds without writing into them:
#   run_target.sh BINARY SEED_DIR WORK_DIR [libFuzzer flags...]
# New inputs the run finds go to WORK_DIR (libFuzzer writes into the first corpus folder);
# a crash, leak or failed invariant leaves crash-*/leak-* files in WORK_DIR and fails the test.
set -euo pipefail
binary=$1 seeds=$2 work=$3
shift 3
# A fresh work folder each time: with the fixed seed, the run is the same on every machine and
# every repeat (a crash file left by an earlier run would otherwise be replayed as a seed).
rm -rf "$work"
mkdir -p "$work"
cd "$work"
exec "$binary" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 "$@" "$work" "$seeds"
