#!/usr/bin/env bash
# POST /v1/quotes on the goods chain (issue 15 items 1-2): a real host on the Quick start's
# chains with place-goods pointed at the carrier and payment gateway simulators, each its own
# process with its own ledger, over HTTP, on SQLite and (when ORDERHOST_TEST_PG is set) PostgreSQL.
#   - one quote answers from validation, credit, sourcing (availability per line), billing (tax
#     and totals, no invoice number), preparation (parcels) and shipping (the rate table's
#     options, the chosen one marked); payment and every other step are skipped;
#   - a draft the stock cannot serve is "rejected" at the reserve step with out_of_stock;
#   - on PostgreSQL a quote answers while another transaction holds the stock and series rows;
#   - an order placed from the quote books the quoted carrier and service at the quoted cost;
#   - after a burst of concurrent quotes every table row and sequence, the carrier's ledger
#     and the gateway's ledger are what they were: no reservation, no invoice number, no
#     booking, no authorization.
# Usage: quote_goods_test.sh BUILD_DIR SOURCE_DIR sqlite|postgresql
set -euo pipefail
build=$(cd "$1" && pwd); source=$(cd "$2" && pwd); backend=$3
command -v jq > /dev/null || { echo "jq is missing (scripts/install-deps.sh installs it)"; exit 1; }
[ "$backend" != postgresql ] || [ -n "${ORDERHOST_TEST_PG:-}" ] || { echo "ORDERHOST_TEST_PG is not set: skipped"; exit 77; }
dir=$(mktemp -d /tmp/orderhost-quotes-goods-XXXXXX)
pids=()  # this script's host and simulators, stopped (in reverse) on exit
cleanup() {
  local status=$? i
  set +e  # a killed process's wait answers 143: clean up everything, keep the script's status
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2> /dev/null; wait "${pids[i]}" 2> /dev/null; done
  [ "$backend" != postgresql ] || [ -z "${db:-}" ] ||
    "${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" > /dev/null 2>&1
  rm -rf "$dir"
  exit "$status"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
if [ "$backend" = postgresql ]; then
  pg_port=$(sed -n 's/.*Port=\([0-9]*\).*/\1/p' <<<"$ORDERHOST_TEST_PG")
  db="quotes_goods_$(basename "$dir" | tr 'A-Z' 'a-z' | tr -dc 'a-z0-9')_$$"
  psql=(psql -h 127.0.0.1 -p "$pg_port" -U postgres -v ON_ERROR_STOP=1 -q)
  "${psql[@]}" -d postgres -c "CREATE DATABASE $db"
  connection="${ORDERHOST_TEST_PG/Database=orderhost_test/Database=$db}"
  # Rows and sequence positions (a nextval is not rolled back with a transaction).
  dump() { pg_dump -h 127.0.0.1 -p "$pg_port" -U postgres --data-only --inserts --no-comments "$db" |
             grep -E '^(INSERT|SELECT pg_catalog.setval)' | grep -v '^INSERT INTO public.quotes ' | sort; }
else
  connection="Driver=SQLite3;Database=$dir/orderhost.db;JournalMode=WAL;SyncPragma=FULL;Timeout=10000;"
  dump() { sqlite3 "$dir/orderhost.db" .dump | grep -E '^INSERT|sqlite_sequence' | grep -v '^INSERT INTO quotes ' | sort; }
fi
fail() { echo "FAIL: $*"; echo "--- host log (last lines):"; tail -20 "$dir/host.log"; exit 1; }

# The simulators, each on a port of its own, printing it on their first line.
simulator() {  # name script -> sets ${name}_url
  python3 "$source/scripts/simulators/$2" --port 0 --db "$dir/$1.db" > "$dir/$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do grep -q "listening on" "$dir/$1.log" && break; sleep 0.1; done
  local at; at=$(sed -n 's/.*listening on \(127.0.0.1:[0-9]*\).*/\1/p' "$dir/$1.log")
  [ -n "$at" ] || fail "the $1 simulator did not start: $(cat "$dir/$1.log")"
  printf -v "$1_url" 'http://%s' "$at"
}
simulator carrier carrier.py
simulator gateway payment_gateway.py
ledgers() { curl -sSf "$carrier_url/v1/ledger"; echo; curl -sSf "$gateway_url/v1/ledger"; }

# The Quick start's chains, with place-goods' gateway, carrier and callback URLs on this run's ports.
mkdir "$dir/chains"
for chain in "$source"/config/chains/*.yaml; do
  sed -e "s#http://127.0.0.1:9100#$gateway_url#g" -e "s#http://127.0.0.1:9200#$carrier_url#g" \
      -e "s#http://127.0.0.1:8080#http://127.0.0.1:$port#g" "$chain" > "$dir/chains/$(basename "$chain")"
done
grep -q "$carrier_url" "$dir/chains/place-goods.yaml" || fail "place-goods.yaml no longer names the carrier at :9200"
settings=(--config "$source/config/orderhost.properties" -D "http.port=$port" -D "plugins.folders=$build/plugins"
          -D "database.connection=$connection" -D "chains.folder=$dir/chains")
cd "$source"  # the chains' templates_dir is relative to the working directory, as in scripts/start.sh
"$build/host/app/orderhost" "${settings[@]}" > "$dir/host.log" 2>&1 &
pids+=($!)
for _ in $(seq 150); do curl -sf "http://127.0.0.1:$port/v1/health/live" > /dev/null && break; sleep 0.1; done
key=$("$build/host/app/orderhost" keys create "${settings[@]}" --name quotes --role erp 2> /dev/null)
url="http://127.0.0.1:$port"
post() {  # path body -> status; the body in $dir/reply
  curl -sS -o "$dir/reply" -w '%{http_code}' -X POST "$url$1" -H "Authorization: Bearer $key" \
    -H 'Content-Type: application/json' -d "$2"
}
draft='{"order_ref": "QG-1", "chain": "place-goods", "currency": "EUR", "customer": {"id": "C-100"},
        "shipping_address": {"name": "Ada", "line1": "Hauptstr. 1", "city": "Berlin", "postal_code": "10115", "country": "DE"},
        "attributes": {"card_token": "tok_visa"},
        "lines": [{"sku": "BOLT-M8", "quantity": 100}, {"sku": "DRILL-18V", "quantity": 1}]}'

# An order placed first: stock seeded and reserved, an invoice numbered, the card authorized,
# the parcels booked with the carrier (it then waits for the pickup), so nothing is empty.
status=$(post /v1/orders "$(jq -c '.order_ref = "PG-0"' <<<"$draft")")
[ "$status" = 201 ] || [ "$status" = 202 ] || fail "placement answered $status: $(cat "$dir/reply")"
jq -e '.state == "on_hold"' "$dir/reply" > /dev/null || fail "the placed order does not wait for the pickup: $(jq -c '{state, document}' "$dir/reply")"
before=$(dump); ledgers_before=$(ledgers)
jq -e '[.entries[] | select(.operation == "booking")] | length == 1' <<<"$(curl -sS "$carrier_url/v1/ledger")" > /dev/null \
  || fail "the placement did not book with the carrier: $(curl -sS "$carrier_url/v1/ledger")"
jq -e '.entries | length >= 1' <<<"$(curl -sS "$gateway_url/v1/ledger")" > /dev/null \
  || fail "the placement did not reach the gateway: $(curl -sS "$gateway_url/v1/ledger")"

# One quote, read closely.
status=$(post /v1/quotes "$draft")
[ "$status" = 200 ] || fail "quote answered $status: $(cat "$dir/reply")"
cp "$dir/reply" "$dir/quote.json"
check() { jq -e "$1" "$dir/quote.json" > /dev/null || fail "$2: $(jq -c "${3:-.}" "$dir/quote.json")"; }
check '.verdict == "quoted" and .chain == "place-goods"' "verdict"
check '[.steps[] | select(.answered) | .step] == ["validate", "credit", "reserve", "invoice", "prepare", "ship"]' \
  "the answering steps" '[.steps[] | {step, answered, outcome, skipped}]'
check 'any(.steps[]; .step == "pay" and .answered == false and (.skipped | length > 0))' "payment was not skipped" .steps
check '.order.sourcing.status == "available" and (.order.sourcing.availability | length == 2)
       and all(.order.sourcing.availability[]; .backorder == 0 and (.earliest_date | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))
               and (.warehouses | length > 0) and ([.warehouses[].quantity] | add) == .quantity)' \
  "availability per line" .order.sourcing
check '.order.billing.status == "quoted" and (.order.billing | has("invoice_number") | not)
       and .order.billing.currency == "EUR" and .order.billing.net_minor == 11499
       and .order.billing.tax_minor == 2185 and .order.billing.total_minor == 13684
       and ([.order.billing.lines[].tax_minor] | add) == .order.billing.tax_minor' \
  "tax and totals (19 % per line: 475 + 1710)" .order.billing
check '.order.shipping.status == "quoted" and (.order.shipping | has("shipment_id") | not)
       and (.order.shipping.options | length >= 2) and ([.order.shipping.options[] | select(.chosen)] | length == 1)
       and all(.order.shipping.options[]; .currency == "EUR" and (.cost_minor | type == "number")
               and (.delivery_date | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}$")))' \
  "shipping options" .order.shipping
jq -e --argjson s "$(jq -c .order.shipping "$dir/quote.json")" \
  '[.order.shipping.options[] | select(.chosen)][0] | .cost_minor == $s.cost_minor and .service == $s.service' \
  "$dir/quote.json" > /dev/null || fail "the chosen option is not /shipping's"
check '.order.preparation.status == "quoted" and (.order.preparation.parcels | length > 0)
       and .order.shipping.parcel_count == (.order.preparation.parcels | length)' "parcels" .order.preparation
check '.order | has("payment") | not' "payment answered a quote"

# More than the warehouses hold: the placement would be rejected, with the run's code.
status=$(post /v1/quotes "$(jq -c '.lines = [{"sku": "DRILL-18V", "quantity": 500}]' <<<"$draft")")
[ "$status" = 200 ] || fail "short quote answered $status: $(cat "$dir/reply")"
jq -e '.verdict == "rejected" and .step == "reserve" and .code == "out_of_stock" and .order.sourcing.status == "out_of_stock"
       and .order.sourcing.availability[0].backorder > 0 and .order.sourcing.availability[0].earliest_date == null' \
  "$dir/reply" > /dev/null || fail "short quote: $(jq -c '{verdict, step, code, message, sourcing: .order.sourcing}' "$dir/reply")"

# PostgreSQL: a quote reads, it does not lock. While another transaction holds the stock rows,
# the invoice series row and the customers' credit rows (as a placement's reserve, invoice and
# credit steps do until their commit), a quote still answers at once: sourcing and credit read
# with plain SELECTs, billing leaves the series alone.
if [ "$backend" = postgresql ]; then
  { echo "BEGIN; UPDATE sourcing_inventory SET reserved = reserved; UPDATE billing_series SET next_number = next_number;"
    echo "UPDATE credit_limits SET checked_at_ms = checked_at_ms;"
    echo "\\! touch $dir/locked"
    echo "SELECT pg_sleep(5); COMMIT;"; } | "${psql[@]}" -d "$db" > "$dir/locker.log" 2>&1 &
  locker=$!
  for _ in $(seq 100); do [ -f "$dir/locked" ] && break; sleep 0.1; done
  [ -f "$dir/locked" ] || fail "the locking transaction did not start: $(cat "$dir/locker.log")"
  status=$(curl -sS --max-time 3 -o "$dir/reply" -w '%{http_code}' -X POST "$url/v1/quotes" \
             -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d "$draft") \
    || fail "a quote waited for the rows a placement holds (curl: $?)"
  [ "$status" = 200 ] && jq -e '.verdict == "quoted"' "$dir/reply" > /dev/null || fail "quote beside locks: $status $(cat "$dir/reply")"
  wait "$locker" || fail "the locking transaction failed: $(cat "$dir/locker.log")"
fi

# A burst of concurrent quotes changes no row (but the quotes' own, which the dump leaves out),
# no sequence and neither simulator's ledger.
burst=()
for i in $(seq 12); do
  (curl -sS -o /dev/null -w '%{http_code}\n' -X POST "$url/v1/quotes" -H "Authorization: Bearer $key" \
     -H 'Content-Type: application/json' -d "$(jq -c ".order_ref = \"QGB-$i\"" <<<"$draft")" >> "$dir/burst") &
  burst+=($!)
done
wait "${burst[@]}"
[ -z "$(grep -vx '200\|503' "$dir/burst")" ] || fail "a burst quote answered neither 200 nor 503: $(sort "$dir/burst" | uniq -c)"
[ "$(grep -cx 200 "$dir/burst")" -ge 4 ] || fail "fewer than 4 burst quotes were answered: $(sort "$dir/burst" | uniq -c)"
after=$(dump)
if [ "$before" != "$after" ]; then
  diff <(echo "$before") <(echo "$after") | head -20
  fail "quotes changed the database"
fi
[ "$ledgers_before" = "$(ledgers)" ] || fail "quotes reached a simulator: $(diff <(echo "$ledgers_before") <(ledgers) | head -20)"

# The first quote, placed: the booking takes the quoted carrier, service and cost, the lines
# the quoted prices (the host's /quote and the plugins agree on its shape).
order=$(jq -c --arg q "$(jq -r .quote_id "$dir/quote.json")" '.order_ref = "QG-from-quote" | .quote_id = $q' <<<"$draft")
status=$(post /v1/orders "$order")
[ "$status" = 201 ] || fail "the order from the quote answered $status: $(cat "$dir/reply")"
jq -e --slurpfile q "$dir/quote.json" '.document.shipping.cost_source == "quote"
      and .document.shipping.service == $q[0].order.shipping.service
      and .document.shipping.cost_minor == $q[0].order.shipping.cost_minor
      and .document.lines[0].unit_price == $q[0].order.lines[0].unit_price' "$dir/reply" > /dev/null \
  || fail "the order did not get the quoted shipping: $(jq -c '{state, shipping: .document.shipping}' "$dir/reply")"
echo "goods quotes on $backend: availability, tax and totals, shipping options; no row, sequence or ledger changed; an order from a quote books the quoted shipping"
