#!/usr/bin/env bash
# Quote to order end to end (issue 15 item 3): a real host on the Quick start's chains,
# plugins and demo data, over HTTP, on SQLite and (when ORDERHOST_TEST_PG is set) PostgreSQL.
#   - an order naming a quote gets the quoted prices, also after the catalog changed (a new
#     chain version with another price, loaded by a restart), and carries the quote at /quote;
#   - the quote is then used: the same order again is a repeat (200), also when four copies
#     race; another order naming it is a 409 naming the order that used it; of 8 concurrent
#     orders naming one quote one wins;
#   - an expired quote, an unknown one, another client's and an order that differs from the
#     quoted draft (quantity, customer, attributes, a unit_price other than the quoted one)
#     are 422s that say why and where; nothing is stored for them and the quote stays unused.
# Usage: quote_to_order_test.sh BUILD_DIR SOURCE_DIR sqlite|postgresql
set -euo pipefail
build=$(cd "$1" && pwd); source=$(cd "$2" && pwd); backend=$3
source "$(dirname "$0")/quote_host.sh"
# A copy of the chains, so that a new version of place-order can be added to it.
cp -r "$source/config/chains" "$dir/chains"
settings+=(-D "chains.folder=$dir/chains")
start_host
key=$(new_key quote-orders)
other=$(new_key someone-else)
draft='{"order_ref": "O-1", "currency": "EUR", "customer": {"id": "C-100"},
        "lines": [{"sku": "BOLT-M8", "quantity": 100}, {"sku": "DRILL-18V", "quantity": 1}]}'
quote() {  # body -> the quote id
  [ "$(post /v1/quotes "$1")" = 200 ] || fail "quote: $(cat "$dir/reply")"
  jq -e '.verdict == "quoted"' "$dir/reply" > /dev/null || fail "not quoted: $(cat "$dir/reply")"
  jq -r .quote_id "$dir/reply"
}
orders() { sql "SELECT COUNT(*) FROM orders"; }

q1=$(quote "$draft")
[ "$(jq '.order.lines[0].unit_price' "$dir/reply")" = 25 ] || fail "BOLT-M8 quoted at $(jq '.order.lines[0].unit_price' "$dir/reply"), the demo catalog says 25"

# The catalog changes: place-order v2 prices BOLT-M8 at 30 (cents). A restart loads it.
sed -e 's/^version: 1$/version: 2/' -e 's/BOLT-M8:   { price: 25 }/BOLT-M8:   { price: 30 }/' \
  "$dir/chains/place-order.yaml" > "$dir/chains/place-order-v2.yaml"
grep -q 'price: 30' "$dir/chains/place-order-v2.yaml" || fail "the v2 chain file did not get the new price"
start_host
q2=$(quote "$(jq -c '.order_ref = "O-2"' <<<"$draft")")
[ "$(jq '.order.lines[0].unit_price' "$dir/reply")" = 30 ] || fail "a new quote should see v2's price 30: $(cat "$dir/reply")"

# The order from the first quote gets 25, not 30, and says where the price came from.
order=$(jq -c --arg q "$q1" '.quote_id = $q' <<<"$draft")
[ "$(post /v1/orders "$order")" = 201 ] || fail "order with quote: $(cat "$dir/reply")"
jq -e --arg q "$q1" '.document.lines[0].unit_price == 25 and .document.lines[0].total == 2500
      and .document.quote.id == $q and .document.quote.order.lines[0].unit_price == 25 and .chain_version == 2' \
  "$dir/reply" > /dev/null || fail "the order did not get the quoted price: $(jq -c '{chain_version, lines: .document.lines, state}' "$dir/reply")"
order_id=$(jq -r .id "$dir/reply")
# Without a quote the same lines cost v2's price.
[ "$(post /v1/orders "$(jq -c '.order_ref = "O-plain"' <<<"$draft")")" = 201 ] || fail "plain order: $(cat "$dir/reply")"
[ "$(jq '.document.lines[0].unit_price' "$dir/reply")" = 30 ] || fail "a plain order should cost 30: $(jq -c .document.lines "$dir/reply")"

# Used: the same order again is a repeat; another order naming the quote is refused.
[ "$(post /v1/orders "$order")" = 200 ] || fail "the repeated order: $(cat "$dir/reply")"
[ "$(jq -r .id "$dir/reply")" = "$order_id" ] || fail "the repeat is another order"
[ "$(post /v1/orders "$(jq -c '.order_ref = "O-1b"' <<<"$order")")" = 409 ] || fail "a second use: $(cat "$dir/reply")"
grep -q "was used by order $order_id" "$dir/reply" || fail "the 409 does not name the order: $(cat "$dir/reply")"

# Refusals: say why and where, store nothing.
count=$(orders)
with_q2=$(jq -c --arg q "$q2" '.order_ref = "O-2" | .quote_id = $q' <<<"$draft")
[ "$(post /v1/orders "$with_q2" "$other")" = 422 ] || fail "another client's quote: $(cat "$dir/reply")"
jq -e '.errors[0].field == "/quote_id"' "$dir/reply" > /dev/null || fail "unknown quote field: $(cat "$dir/reply")"
[ "$(post /v1/orders "$(jq -c '.quote_id = "00000000-0000-0000-0000-000000000000"' <<<"$with_q2")")" = 422 ] \
  || fail "an unknown quote: $(cat "$dir/reply")"
[ "$(post /v1/orders "$(jq -c '.quote_id = "not-a-quote"' <<<"$with_q2")")" = 422 ] || fail "a malformed id: $(cat "$dir/reply")"
jq -e 'any(.errors[]; .field == "/quote_id")' "$dir/reply" > /dev/null || fail "malformed id field: $(cat "$dir/reply")"
[ "$(post /v1/orders "$(jq -c '.lines[0].quantity = 101' <<<"$with_q2")")" = 422 ] || fail "a changed quantity: $(cat "$dir/reply")"
jq -e 'any(.errors[]; .field == "/lines/0/quantity")' "$dir/reply" > /dev/null || fail "changed quantity field: $(cat "$dir/reply")"
[ "$(post /v1/orders "$(jq -c '.customer.id = "C-200"' <<<"$with_q2")")" = 422 ] || fail "another customer: $(cat "$dir/reply")"
[ "$(post /v1/orders "$(jq -c '.lines[0].unit_price = 25' <<<"$with_q2")")" = 422 ] || fail "a price other than the quoted one: $(cat "$dir/reply")"
jq -e 'any(.errors[]; .field == "/lines/0/unit_price" and (.message | contains("quoted: 30")))' "$dir/reply" > /dev/null \
  || fail "unit_price field: $(cat "$dir/reply")"
[ "$(post /v1/orders "$(jq -c '.attributes = {"priority": "rush"}' <<<"$with_q2")")" = 422 ] || fail "other attributes: $(cat "$dir/reply")"
jq -e 'any(.errors[]; .field == "/attributes")' "$dir/reply" > /dev/null || fail "attributes field: $(cat "$dir/reply")"
[ "$(post /v1/orders "$(jq -c '.chain = "place-goods"' <<<"$with_q2")")" = 422 ] || fail "another chain: $(cat "$dir/reply")"
grep -q "was made for chain place-order" "$dir/reply" || fail "chain reason: $(cat "$dir/reply")"
[ "$(post /v1/quotes "$with_q2")" = 422 ] || fail "a draft naming a quote: $(cat "$dir/reply")"
sql "UPDATE quotes SET valid_until = 1000 WHERE id = '$q2'"  # its validity ended long ago
[ "$(post /v1/orders "$with_q2")" = 422 ] || fail "an expired quote: $(cat "$dir/reply")"
grep -q "expired at 1970-01-01T00:00:01" "$dir/reply" || fail "expiry reason: $(cat "$dir/reply")"
[ "$(orders)" = "$count" ] || fail "a refused order left a row"
[ -z "$(sql "SELECT used_by_order FROM quotes WHERE id = '$q2' AND used_by_order IS NOT NULL")" ] || fail "a refused order used the quote"

# Eight orders naming one quote at once: one is created, seven are told who used it.
q3=$(quote "$(jq -c '.order_ref = "O-3"' <<<"$draft")")
pids=()
for i in $(seq 8); do
  curl -sS -o "$dir/race-body-$i" -w '%{http_code}\n' -X POST "$url/v1/orders" -H "Authorization: Bearer $key" \
    -H 'Content-Type: application/json' \
    -d "$(jq -c --arg q "$q3" --arg r "O-3-$i" '.order_ref = $r | .quote_id = $q' <<<"$draft")" > "$dir/race-$i" &
  pids+=($!)
done
wait "${pids[@]}"
[ "$(cat "$dir"/race-[0-9] | grep -cx 201)" = 1 ] || fail "orders racing for one quote: $(cat "$dir"/race-[0-9] | sort | uniq -c)"
[ "$(cat "$dir"/race-[0-9] | grep -cx 409)" = 7 ] || fail "the losers were not 409s: $(cat "$dir"/race-[0-9] | sort | uniq -c)"
[ "$(sql "SELECT COUNT(*) FROM orders WHERE order_ref LIKE 'O-3-%'")" = 1 ] || fail "more than one order from one quote"

# One order posted four times at once (a retry overlapping the original): one order, every
# answer is that order (201 for the first, 200 for the repeats), never "quote used". Its line
# names the unit_price it was quoted (v2's 30), which an order may add.
q4=$(quote "$(jq -c '.order_ref = "O-4"' <<<"$draft")")
with_q4=$(jq -c --arg q "$q4" '.order_ref = "O-4" | .quote_id = $q | .lines[0].unit_price = 30' <<<"$draft")
pids=()
for i in 1 2 3 4; do
  curl -sS -o "$dir/retry-body-$i" -w '%{http_code}\n' -X POST "$url/v1/orders" -H "Authorization: Bearer $key" \
    -H 'Content-Type: application/json' -d "$with_q4" > "$dir/retry-$i" &
  pids+=($!)
done
wait "${pids[@]}"
[ "$(cat "$dir"/retry-[0-9] | grep -cx 201)" = 1 ] || fail "overlapping retries: $(cat "$dir"/retry-[0-9] | sort | uniq -c)"
[ "$(cat "$dir"/retry-[0-9] | grep -cx 200)" = 3 ] || fail "overlapping retries: $(cat "$dir"/retry-[0-9] | sort | uniq -c)"
[ "$(jq -r .id "$dir"/retry-body-[0-9] | sort -u | wc -l)" = 1 ] || fail "the retries answered different orders"
[ "$(sql "SELECT COUNT(*) FROM quotes WHERE used_by_order IS NOT NULL")" = 3 ] || fail "quotes used: $(sql 'SELECT id, used_by_order FROM quotes')"
echo "quote to order on $backend: quoted prices honoured, used and expired quotes refused, one order per quote"
