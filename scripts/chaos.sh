#!/usr/bin/env bash
# Chaos run (not part of scripts/test.sh: it takes minutes per backend): orders over HTTP while
# the host is SIGKILLed again and again, then a reconciliation of orders, numbering,
# receivables, stock, returns and the simulators' ledgers (scripts/chaos.py, scripts/chaos_checks.py,
# scripts/chaos_returns.py).
# Figures: docs/reliability.md.
#
# Usage: scripts/chaos.sh [sqlite|postgres|both] [--orders N] [--kills K] [--clients C] [--seed S]
#          [--outage-s S] [--chain place-goods|place-custom] [--no-returns]
#   defaults: both backends, 2000 orders, 20 SIGKILLs, 8 clients.
set -euo pipefail
cd "$(dirname "$0")/.."

backends="sqlite postgres"
case "${1:-}" in
  sqlite|postgres) backends="$1"; shift ;;
  both) shift ;;
esac

scripts/install-deps.sh
scripts/build.sh
status=0
for backend in $backends; do
  if [ "$backend" = postgres ]; then
    pg_env=$(scripts/pg-test-cluster.sh start)
    eval "$pg_env"  # a failed start stops here (set -e); inside eval "$(...)" it would not
    export ORDERHOST_PG_PORT="${ORDERHOST_PG_PORT:-55432}"
  fi
  python3 scripts/chaos.py --backend "$backend" "$@" || status=1
done
exit $status
