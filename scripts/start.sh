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
To pay by card, add  "attributes": {"card_token": "tok_visa"}  (tok_decline_insufficient_funds,
tok_3ds: see docs/simulators.md); the gateway simulator's ledger: curl -s http://127.0.0.1:9100/v1/ledger
The confirmation mail goes to the local SMTP listener (nothing leaves this machine); read it with
  curl -s http://127.0.0.1:9102/messages      (or the files in var/mail/new/)
Add  "attributes": {"language": "de"}  to the order for the German template (config/templates).
The carrier simulator (shipping steps) is on http://127.0.0.1:9200: curl -s http://127.0.0.1:9200/v1/ledger

TXT
# The card gateway simulator for the chain's payment step (docs/simulators.md); it calls the
# host back when a 3-D Secure payment is confirmed, and stops with the host.
python3 scripts/simulators/payment_gateway.py --port 9100 --db var/payment-gateway.db \
  --callback-url 'http://127.0.0.1:8080/v1/orders/{order_id}/signals/payment_confirmed' 2>>var/payment-gateway.log &
gateway_pid=$!
# The SMTP listener the confirm step mails (docs/simulators.md#smtp-sink): SMTP on 2525, what it
# received on http://127.0.0.1:9102/messages and in var/mail. Debian's python3 (python3-aiosmtpd).
/usr/bin/python3 scripts/simulators/smtp_sink.py --port 2525 --http-port 9102 --maildir var/mail \
  >/dev/null 2>>var/smtp-sink.log &
sink_pid=$!
# The carrier simulator for the chain's shipping steps (docs/simulators.md#carrier): it picks
# up, carries and delivers every shipment by itself within 20 s, and posts each tracking event
# to the host as the signal shipment_tracking. It stops with the host too.
python3 scripts/simulators/carrier.py --port 9200 --db var/carrier.db \
  --schedule picked_up=5000,in_transit=10000,out_for_delivery=15000,delivered=20000 2>>var/carrier.log &
carrier_pid=$!
trap 'kill "$gateway_pid" "$sink_pid" "$carrier_pid" 2>/dev/null || true' EXIT
build/host/app/orderhost --config config/orderhost.properties
