#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and starts orderhost on the embedded SQLite
# database with the reference plugins and chains (config/orderhost.properties). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh
mkdir -p var

cat <<'TXT'

orderhost is starting on http://127.0.0.1:8080 — in another terminal, post an order:

  curl -s -X POST http://127.0.0.1:8080/v1/orders -H 'Content-Type: application/json' -d '{
    "order_ref": "ERP-1001", "currency": "EUR",
    "customer": {"id": "C-100", "name": "Ada Lovelace", "email": "ada@example.com"},
    "lines": [{"sku": "BOLT-M8", "quantity": 100}, {"sku": "DRILL-18V", "quantity": 1}]
  }'

and read it back with: curl -s http://127.0.0.1:8080/v1/orders/<id from the reply>

TXT
exec build/host/app/orderhost --config config/orderhost.properties
