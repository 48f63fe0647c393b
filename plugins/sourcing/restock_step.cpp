// orderhost.sourcing · restock — returned goods go back into stock (the return chain, after
// the goods arrived).
//
// What came back is read from /return/received/lines (orderhost.returns writes /return/received
// = {"number", "lines", "status"}), else /return/received as a list, else from the goods-received
// signal's payload (/signals/goods_received/received, then .../lines): a list of
// {"sku", "quantity", "condition": "resellable" | "damaged"}. Each SKU goes back to the
// warehouses this order's stock was issued from (by warehouse code, the plugin's lock order;
// never more than was issued there):
//   resellable  on_hand up: available again for the next order (movement "restock")
//   damaged     quarantined up in that warehouse: kept apart, not on hand, not available
//               (movement "quarantine"); a person scraps or repairs it outside orderhost
// Returned units are first matched against the standing restock of an undone return of the
// same order (below): those goods are in the warehouse already, so they are claimed
// (sourcing_restock_claims, /sourcing/claimed), not counted twice; then against what the order
// still has out. What is left (or a SKU the order never had) is not restocked: it is listed
// under /sourcing/unmatched_returns for a person.
//
// Once per return: the step's idempotency key (order id + step) and the return's
// /return/requested_at (each partial return of an order has its own) is claimed in
// sourcing_restocks first; a second run restocks nothing and rewrites the document from
// sourcing_restock_lines and the claims.
//
// compensate(): the goods stay where restock put them. Undoing a return undoes its paperwork
// (the RMA, the money), but the goods physically came back: taking them off on_hand would make
// the books disagree with the shelf (and failed when another order had reserved them since).
// The restock is marked standing (sourcing_restocks.undone_at_ms); a later return of the same
// units claims it instead of restocking twice. The claims this return made on earlier standing
// restocks are given up, so they stand again. Repeating it changes nothing.
#include "sourcing.hpp"

#include <algorithm>
#include <limits>
#include <optional>

namespace orderhost::sourcing {

namespace {

struct Returned {
    std::string sku, condition;
    std::int64_t quantity = 0;
};

std::vector<Returned> receivedLines(const sdk::OrderDocument& order) {
    std::string path;
    for (const char* candidate : {"/return/received/lines", "/return/received", "/signals/goods_received/received",
                                  "/signals/goods_received/lines"}) {
        // "/return/received/lines" cannot be asked of a /return/received that is a list.
        const std::string text = std::string(candidate);
        const std::string parent = text.substr(0, text.rfind('/'));
        if (text.compare(text.size() - 6, 6, "/lines") == 0) {
            const auto json = order.optionalJson(parent);
            if (!json || json->empty() || (*json)[0] != '{') continue;
        }
        if (order.has(candidate)) {
            path = candidate;
            break;
        }
    }
    if (path.empty())
        throw sdk::Error(
            OH_STATUS_NOT_FOUND, "/return/received",
            "nothing received: run restock after the goods arrived (orderhost.returns writes /return/received)");
    std::map<std::pair<std::string, std::string>, std::int64_t> summed;  // (sku, condition)
    for (std::size_t i = 0; i < order.size(path); ++i) {
        const std::string at = path + "/" + std::to_string(i);
        const std::string condition = order.string(at + "/condition");
        if (condition != "resellable" && condition != "damaged")
            throw sdk::Error(OH_STATUS_INVALID_ARGUMENT, at + "/condition", "must be \"resellable\" or \"damaged\"");
        const std::int64_t quantity = order.integer(at + "/quantity");
        if (quantity <= 0) throw sdk::Error(OH_STATUS_INVALID_ARGUMENT, at + "/quantity", "must be positive");
        std::int64_t& sum = summed[{order.string(at + "/sku"), condition}];
        if (quantity > std::numeric_limits<std::int64_t>::max() - sum)  // a wrapped sum would pass as negative
            throw sdk::Error(OH_STATUS_INVALID_ARGUMENT, at + "/quantity",
                             "the quantities of this SKU add up past 2^63");
        sum += quantity;
    }
    std::vector<Returned> lines;
    for (const auto& [key, quantity] : summed) lines.push_back({key.first, key.second, quantity});
    return lines;
}

struct RestockLine {
    Placement placement;
    std::string condition;
};

std::string restockArray(const std::vector<RestockLine>& lines) {
    std::string json = "[";
    for (const RestockLine& l : lines)
        json.append(json.size() > 1 ? "," : "")
            .append(sdk::JsonObject()
                        .add("sku", l.placement.sku)
                        .add("warehouse", l.placement.warehouse)
                        .add("bin", l.placement.bin)
                        .add("quantity", l.placement.quantity)
                        .add("condition", l.condition)
                        .str());
    return json + "]";
}

std::vector<RestockLine> linesOf(const sdk::Database& db, const std::string& key) {
    std::vector<RestockLine> lines;
    for (const sdk::Row& row : db.query("SELECT r.sku, r.warehouse, i.bin, r.item_condition, r.quantity"
                                        " FROM sourcing_restock_lines r JOIN sourcing_inventory i"
                                        " ON i.sku = r.sku AND i.warehouse = r.warehouse"
                                        " WHERE r.idempotency_key = ? ORDER BY r.sku, r.item_condition, r.warehouse",
                                        {key}))
        lines.push_back({{row.string("warehouse"), row.string("sku"), row.string("bin"), row.integer("quantity")},
                         row.string("item_condition")});
    return lines;
}

// What the return with `key` claimed of earlier returns' standing restocks.
std::vector<RestockLine> claimsOf(const sdk::Database& db, const std::string& key) {
    std::vector<RestockLine> lines;
    for (const sdk::Row& row : db.query("SELECT c.sku, c.warehouse, i.bin, c.item_condition,"
                                        " CAST(SUM(c.quantity) AS BIGINT) AS quantity"
                                        " FROM sourcing_restock_claims c JOIN sourcing_inventory i"
                                        " ON i.sku = c.sku AND i.warehouse = c.warehouse WHERE c.idempotency_key = ?"
                                        " GROUP BY c.sku, c.warehouse, i.bin, c.item_condition"
                                        " ORDER BY c.sku, c.item_condition, c.warehouse",
                                        {key}))
        lines.push_back({{row.string("warehouse"), row.string("sku"), row.string("bin"), row.integer("quantity")},
                         row.string("item_condition")});
    return lines;
}

// A line of an undone return's restock that stands, with what no later return claimed yet.
struct StandingLine {
    std::string from_key;
    RestockLine line;  // placement.quantity: still unclaimed
};

std::vector<StandingLine> standingOf(const sdk::Database& db, const std::string& orderId) {
    std::vector<StandingLine> lines;
    for (const sdk::Row& row :
         db.query("SELECT l.idempotency_key, l.sku, l.warehouse, i.bin, l.item_condition,"
                  " l.quantity - CAST(COALESCE((SELECT SUM(c.quantity) FROM sourcing_restock_claims c"
                  " WHERE c.from_key = l.idempotency_key AND c.sku = l.sku AND c.warehouse = l.warehouse"
                  " AND c.item_condition = l.item_condition), 0) AS BIGINT) AS unclaimed"
                  " FROM sourcing_restock_lines l JOIN sourcing_restocks r ON r.idempotency_key = l.idempotency_key"
                  " JOIN sourcing_inventory i ON i.sku = l.sku AND i.warehouse = l.warehouse"
                  " WHERE r.order_id = ? AND r.undone_at_ms IS NOT NULL"
                  " ORDER BY r.at_ms, l.idempotency_key, l.sku, l.item_condition, l.warehouse",
                  {orderId}))
        if (row.integer("unclaimed") > 0)
            lines.push_back({row.string("idempotency_key"),
                             {{row.string("warehouse"), row.string("sku"), row.string("bin"), row.integer("unclaimed")},
                              row.string("item_condition")}});
    return lines;
}

// The claim of one return: the step's key (order id + step), and the return's request time
// when the host recorded one, since a return chain runs once per partial return of the order
// with the same step (one key for all of them restocked only the first).
std::string restockKey(sdk::StepCall& call) {
    std::string key(call.idempotencyKey());
    std::optional<std::int64_t> requestedAt;
    try {
        requestedAt = call.order().optionalInteger("/return/requested_at");
    } catch (const sdk::Error&) {
    }
    if (requestedAt) key += "@" + std::to_string(*requestedAt);
    return key;
}

}  // namespace

sdk::Outcome RestockStep::run(sdk::StepCall& call) {
    sdk::Database db(call);
    const StockLedger ledger(call, db);
    sdk::OrderDocument order = call.order();
    const std::string key = restockKey(call);
    const std::vector<Returned> received = receivedLines(order);
    std::vector<RestockLine> done, claimed;
    std::string unmatched = "[";
    if (db.execute("INSERT INTO sourcing_restocks (idempotency_key, order_id, at_ms) VALUES (?, ?, ?)"
                   " ON CONFLICT (idempotency_key) DO NOTHING",
                   {key, std::string(call.orderId()), call.nowMs()}) != 1) {
        done = linesOf(db, key);  // restocked by an earlier run
        claimed = claimsOf(db, key);
    } else {
        std::vector<Allocation> allocations = ledger.allocations();
        std::vector<StandingLine> standing = standingOf(db, std::string(call.orderId()));
        for (const Returned& line : received) {
            std::int64_t left = line.quantity;
            // Already on the shelf from an undone return of this order, which a redone return is
            // about (billing's credit-return claims its standing notes first as well): claimed where
            // it stands, not counted twice. Only then what the order still has out.
            for (StandingLine& stands : standing) {
                Placement& p = stands.line.placement;
                if (p.sku != line.sku || p.quantity <= 0 || left == 0) continue;
                const std::int64_t take = std::min(left, p.quantity);
                db.execute(
                    "INSERT INTO sourcing_restock_claims (idempotency_key, from_key, sku, warehouse, item_condition,"
                    " quantity) VALUES (?, ?, ?, ?, ?, ?)",
                    {key, stands.from_key, p.sku, p.warehouse, stands.line.condition, take});
                claimed.push_back({{p.warehouse, p.sku, p.bin, take}, stands.line.condition});
                p.quantity -= take;
                left -= take;
            }
            for (Allocation& a : allocations) {
                const std::int64_t open = a.issued - a.returned;
                if (a.sku != line.sku || open <= 0 || left == 0) continue;
                const Placement p{a.warehouse, a.sku, a.bin, std::min(left, open)};
                ledger.restock(p, line.condition == "damaged", key);
                db.execute(
                    "INSERT INTO sourcing_restock_lines (idempotency_key, sku, warehouse, item_condition, quantity)"
                    " VALUES (?, ?, ?, ?, ?)",
                    {key, p.sku, p.warehouse, line.condition, p.quantity});
                done.push_back({p, line.condition});
                a.returned += p.quantity;
                left -= p.quantity;
            }
            if (left > 0)
                unmatched.append(unmatched.size() > 1 ? "," : "")
                    .append(sdk::JsonObject()
                                .add("sku", line.sku)
                                .add("quantity", left)
                                .add("condition", line.condition)
                                .str());
        }
    }
    order.set("/sourcing/status", "restocked");
    order.setJson("/sourcing/restocked", restockArray(done));
    if (!claimed.empty()) order.setJson("/sourcing/claimed", restockArray(claimed));
    order.setJson("/sourcing/unmatched_returns", unmatched + "]");
    return sdk::Outcome::proceed();
}

// The goods stay (see the file comment): the restock is marked standing for a later return of
// the same units to claim, and what this return claimed stands again for the next one.
sdk::Outcome RestockStep::compensate(sdk::StepCall& call) {
    sdk::Database db(call);
    const std::string key = restockKey(call);
    if (db.execute("UPDATE sourcing_restocks SET undone_at_ms = ? WHERE idempotency_key = ? AND undone_at_ms IS NULL",
                   {call.nowMs(), key}) != 1)
        return sdk::Outcome::proceed();  // nothing restocked by this return, or marked already
    db.execute("DELETE FROM sourcing_restock_claims WHERE idempotency_key = ?", {key});
    call.order().set("/sourcing/status", "restock_stands");
    call.order().setJson("/sourcing/standing", restockArray(linesOf(db, key)));
    return sdk::Outcome::proceed();
}

}  // namespace orderhost::sourcing
