#!/usr/bin/env bash
# The soak of issue 8: CLIENTS (default 64) HTTP clients for SECONDS (default 3600) against an
# SQLite host (normal build) on soak-chains/, whose `overrun` step times out on every order's
# first attempt (the abandoned call then tries to write); then the host must still be alive and
# every order and unit of stock reconcile (reconcile.py). Exit 1 otherwise.
#   bench/http-load/soak.sh build            # the hour; figures in docs/reliability.md
#   bench/http-load/soak.sh build 16 60      # a quick look
# The test fixture plugin test.scripted comes from the build (build/test-plugins-scripted).
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
export CHAINS_FOLDER="$here/soak-chains"
export EXTRA_PLUGIN_FOLDERS="$build/test-plugins-scripted"
export SETUP_SQL="CREATE TABLE soak_marks (mark INTEGER NOT NULL);"
# 64 sessions for 64 clients (see database.pool_size), and step workers enough for each
# order's call plus the abandoned ones still sleeping.
export LOG_LEVEL=${LOG_LEVEL:-warning}
export EXTRA_SETTINGS=$'database.pool_size = 64\nengine.step_workers = 256'"${EXTRA_SETTINGS:+$'\n'$EXTRA_SETTINGS}"
exec "$here/run.sh" "$build" "${2:-64}" "${3:-3600}"
