#!/usr/bin/env bash
# POST /v1/quotes end to end (issue 15 items 1-2): a real host on the Quick start's chains,
# plugins and demo data, over HTTP, on SQLite and (when ORDERHOST_TEST_PG is set) PostgreSQL.
#   - a quote answers from the steps that answer quotes (validation's prices, credit's verdict,
#     sourcing's availability, billing's tax without an invoice number) and lists every other
#     step (payment, notification) as skipped;
#   - quotes change nothing but their own table: every other table's rows (pg_dump / sqlite3
#     .dump, data only) are the same before and after a burst of concurrent quotes, beside
#     placements that do change them, and `quotes` gains one row per quote answered "quoted";
#   - a draft over the customer's credit says the order would wait for credit_approval;
#   - a bad draft, an unknown chain and a cancel chain are refused with the reason.
# Usage: quote_test.sh BUILD_DIR SOURCE_DIR sqlite|postgresql
set -euo pipefail
build=$(cd "$1" && pwd); source=$(cd "$2" && pwd); backend=$3
source "$(dirname "$0")/quote_host.sh"
start_host
key=$(new_key quotes)
draft='{"order_ref": "Q-1", "currency": "EUR", "customer": {"id": "C-100"},
        "lines": [{"sku": "BOLT-M8", "quantity": 100}, {"sku": "DRILL-18V", "quantity": 1}]}'

# An order placed first, so that the tables the quotes must not touch are not empty.
[ "$(post /v1/orders '{"order_ref": "P-0", "currency": "EUR", "customer": {"id": "C-100"},
     "lines": [{"sku": "BOLT-M8", "quantity": 10}]}')" = 201 ] || fail "placement: $(cat "$dir/reply")"
before=$(dump)
[ -n "$before" ] || fail "the database dump is empty"

# One quote, read closely.
status=$(post /v1/quotes "$draft")
[ "$status" = 200 ] || fail "quote answered $status: $(cat "$dir/reply")"
jq -e '.verdict == "quoted" and .chain == "place-order" and (.quote_id | length) == 36 and .valid_until > now * 1000' "$dir/reply" > /dev/null || fail "verdict: $(cat "$dir/reply")"
jq -e '[.steps[] | select(.answered)] | map(.plugin) | index("orderhost.validation") != null' "$dir/reply" > /dev/null \
  || fail "validation did not answer: $(jq -c .steps "$dir/reply")"
jq -e '[.steps[] | select(.answered | not)] | length > 0 and all(.skipped | length > 0)' "$dir/reply" > /dev/null \
  || fail "steps that do not answer quotes are not listed as skipped: $(jq -c .steps "$dir/reply")"
jq -e '.order.lines[0].unit_price > 0 and .order.lines[0].total == .order.lines[0].unit_price * 100' "$dir/reply" > /dev/null \
  || fail "the quote has no priced lines: $(jq -c .order.lines "$dir/reply")"
jq -e '.order.billing.status == "quoted" and (.order.billing | has("invoice_number") | not)
       and .order.billing.total_minor == .order.billing.net_minor + .order.billing.tax_minor
       and .order.sourcing.status == "available"' "$dir/reply" > /dev/null \
  || fail "billing's tax or sourcing's availability is missing: $(jq -c '{billing: .order.billing, sourcing: .order.sourcing}' "$dir/reply")"
jq -e '.order | has("payment") | not' "$dir/reply" > /dev/null || fail "payment answered a quote"

# Over the customer's credit (C-200, as in docs/api.md): the order would wait for credit control.
status=$(post /v1/quotes '{"order_ref": "Q-2", "currency": "EUR", "customer": {"id": "C-200"},
                           "lines": [{"sku": "DRILL-18V", "quantity": 7}]}')
[ "$status" = 200 ] || fail "credit quote answered $status: $(cat "$dir/reply")"
jq -e '.verdict == "quoted" and any(.steps[]; .outcome == "suspend" and .signal == "credit_approval")' "$dir/reply" \
  > /dev/null || fail "the credit hold is not in the quote: $(jq -c .steps "$dir/reply")"

# Refusals say what was wrong.
[ "$(post /v1/quotes '{"order_ref": "Q-3"')" = 400 ] || fail "malformed JSON: $(cat "$dir/reply")"
[ "$(post /v1/quotes '{"order_ref": "Q-3", "currency": "EUR", "customer": {"id": "C-100"}, "lines": []}')" = 422 ] \
  || fail "an empty draft: $(cat "$dir/reply")"
[ "$(post /v1/quotes "$(jq -c '.chain = "cancel-order"' <<<"$draft")")" = 422 ] || fail "cancel chain: $(cat "$dir/reply")"
grep -q "only a chain that places orders" "$dir/reply" || fail "cancel chain reason: $(cat "$dir/reply")"
[ "$(post /v1/quotes "$(jq -c '.chain = "no-such-chain"' <<<"$draft")")" = 422 ] || fail "unknown chain: $(cat "$dir/reply")"

# A burst of concurrent quotes changes no row.
pids=()
for i in $(seq 24); do
  (curl -sS -o /dev/null -w '%{http_code}\n' -X POST "$url/v1/quotes" -H "Authorization: Bearer $key" \
     -H 'Content-Type: application/json' -d "$(jq -c ".order_ref = \"QB-$i\"" <<<"$draft")" >> "$dir/burst") &
  pids+=($!)
done
wait "${pids[@]}"
# At most 4 quotes run at once (QuoteRunner): the rest are told to come back (503), none fail.
[ -z "$(grep -vx '200\|503' "$dir/burst")" ] || fail "a burst quote answered neither 200 nor 503: $(sort "$dir/burst" | uniq -c)"
[ "$(grep -cx 200 "$dir/burst")" -ge 4 ] || fail "fewer than 4 burst quotes were answered: $(sort "$dir/burst" | uniq -c)"
after=$(dump)
# One stored quote per "quoted" answer: the first one, the credit one, and the burst's 200s.
quoted=$(( 2 + $(grep -cx 200 "$dir/burst") ))
[ "$(sql 'SELECT COUNT(*) FROM quotes')" = "$quoted" ] || fail "quotes holds $(sql 'SELECT COUNT(*) FROM quotes') rows, not $quoted"
if [ "$before" != "$after" ]; then
  diff <(echo "$before") <(echo "$after") | head -20
  fail "quotes changed the database"
fi

# Quotes beside placements: the placements change the tables, the quotes add nothing of theirs.
pids=()
for i in 1 2 3; do
  (curl -sS -o /dev/null -w '%{http_code}\n' -X POST "$url/v1/quotes" -H "Authorization: Bearer $key" \
     -H 'Content-Type: application/json' -d "$draft" >> "$dir/beside") &
  pids+=($!)
  [ "$(post /v1/orders "$(jq -c ".order_ref = \"P-$i\"" <<<"$draft")")" = 201 ] || fail "placement $i: $(cat "$dir/reply")"
done
wait "${pids[@]}"  # not the host's
[ "$(sort -u "$dir/beside")" = 200 ] || fail "a quote beside placements did not answer 200: $(sort "$dir/beside" | uniq -c)"
# Over the limit the answer says why and when to come back.
pids=()
for i in $(seq 12); do
  curl -sS -D "$dir/head-$i" -o "$dir/body-$i" -X POST "$url/v1/quotes" -H "Authorization: Bearer $key" \
    -H 'Content-Type: application/json' -d "$draft" &
  pids+=($!)
done
wait "${pids[@]}"
for i in $(seq 12); do
  grep -q "^HTTP/1.1 503" "$dir/head-$i" || continue
  grep -qi "^Retry-After: 1" "$dir/head-$i" || fail "a refused quote has no Retry-After: $(cat "$dir/head-$i")"
  grep -q "too many quotes at once" "$dir/body-$i" || fail "a refused quote does not say why: $(cat "$dir/body-$i")"
done
[ "$(dump | wc -l)" -gt "$(echo "$after" | wc -l)" ] || fail "the placements beside the quotes wrote nothing?"
dump | grep -c "Q-1\|QB-\|quote-" > /dev/null && fail "a quote left a row"
echo "quotes on $backend: answered, refused with reasons, and no row changed"
