// orderhost.sourcing · reserve-stock in quote mode (ABI 1.2, POST /v1/quotes): what a placement
// would reserve now, per line, and the verdict it would reach — with nothing taken.
//
// The same code as run() decides (requestedBySku, removeUnknown, plan, shortageArray, the
// shortage policy), on the same stock rows in the same order, but read with a plain SELECT
// (StockLedger::read): no row lock, no reservation, no movement, no purchase requisition, no
// event. Correctness does not rest on the host's rollback: the quote issues no write at all.
// A demo database that no order has seeded yet is answered from the config "seed" as if it had
// been applied. /sourcing in a quote (docs/plugins.md#sourcing, "In a quote"):
//   status        available | partially_available (split) | backordered | out_of_stock |
//                 unknown_sku — the policy's verdict; the outcome is the run's (CONTINUE,
//                 SUSPEND stock_arrived "backordered", REJECT out_of_stock / unknown_sku)
//   availability  per goods line: {line, sku, quantity, available (the SKU's stock on hand
//                 minus reserved, all warehouses), warehouses [{warehouse, bin, quantity}]
//                 (chosen by warehouse_rule), backorder, earliest_date}; unknown_sku: true
//                 for a SKU without stock record (unknown_sku: ignore)
//   reserved      what a placement would reserve ([] when the policy reserves nothing), in
//                 the run's shape, so later quoting steps (preparation's parcels, billing per
//                 shipment) answer as for the order
//   backordered   [{sku, quantity}] a split placement would leave to a follow-up order, as the
//                 run writes it (billing's quote leaves them off the invoice, as for the order;
//                 before 2026-12-05 a split quote invoiced them); [] for the other policies
//   shortages     [{sku, requested, available}] of the short SKUs; unknown_skus
// earliest_date: sourcing knows no inbound dates (requisitions carry none), so a line covered
// in full is available today (the host clock's UTC date) and a line with a backorder has null.
#include "sourcing.hpp"

#include <algorithm>
#include <ctime>

namespace orderhost::sourcing {

namespace {

std::string isoDate(std::int64_t ms) {
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[16];
    std::strftime(text, sizeof text, "%Y-%m-%d", &utc);
    return text;
}

// One entry per goods line: the SKU's planned placements handed to its lines in line order.
std::string availabilityArray(const sdk::OrderDocument& order, const std::vector<StockRow>& stock,
                              const std::vector<Placement>& placements, const std::vector<std::string>& unknown,
                              const std::string& today) {
    std::vector<Placement> left = placements;
    std::string json = "[";
    const std::size_t lines = order.has("/lines") ? order.size("/lines") : 0;
    for (std::size_t i = 0; i < lines; ++i) {
        if (order.optionalString(sdk::path("lines", i, "kind")).value_or("goods") != "goods") continue;
        const std::string sku = order.string(sdk::path("lines", i, "sku"));
        const std::int64_t quantity = order.integer(sdk::path("lines", i, "quantity"));
        std::int64_t available = 0;
        for (const StockRow& row : stock)
            if (row.sku == sku) available += row.available;
        std::vector<Placement> from;
        std::int64_t covered = 0;
        for (Placement& p : left) {
            if (p.sku != sku || p.quantity == 0 || covered == quantity) continue;
            const std::int64_t take = std::min(p.quantity, quantity - covered);
            from.push_back({p.warehouse, p.sku, p.bin, take});
            p.quantity -= take;
            covered += take;
        }
        const bool isUnknown = std::find(unknown.begin(), unknown.end(), sku) != unknown.end();
        const std::int64_t backorder = isUnknown ? 0 : quantity - covered;
        sdk::JsonObject entry;
        entry.add("line", static_cast<std::int64_t>(i))
            .add("sku", sku)
            .add("quantity", quantity)
            .add("available", available);
        std::string warehouses = "[";
        for (const Placement& p : from)
            warehouses.append(warehouses.size() > 1 ? "," : "")
                .append(sdk::JsonObject()
                            .add("warehouse", p.warehouse)
                            .add("bin", p.bin)
                            .add("quantity", p.quantity)
                            .str());
        entry.addJson("warehouses", warehouses + "]").add("backorder", backorder);
        if (backorder == 0 && !isUnknown)
            entry.add("earliest_date", today);
        else
            entry.addJson("earliest_date", "null");
        if (isUnknown) entry.add("unknown_sku", true);
        json.append(json.size() > 1 ? "," : "").append(entry.str());
    }
    return json + "]";
}

}  // namespace

sdk::Outcome ReserveStep::quote(sdk::StepCall& call) const {
    sdk::Database db(call);
    const StockLedger ledger(call, db);
    sdk::OrderDocument order = call.order();
    Quantities remaining = requestedBySku(order);
    const bool unseeded =
        !config_.seed.empty() && db.query("SELECT COUNT(*) AS n FROM sourcing_warehouses").front().integer("n") == 0;
    const std::vector<StockRow> stock = unseeded ? seedStock(config_.seed, remaining) : ledger.read(remaining);
    const std::vector<std::string> unknown = removeUnknown(remaining, Quantities(), stock);
    if (!unknown.empty() && !config_.ignore_unknown) return rejectUnknown(order, unknown);
    Quantities shortBy;
    const std::vector<Placement> placements = plan(remaining, stock, shortBy);
    std::string message;
    const std::string shortages = shortageArray(remaining, shortBy, message);
    const bool reserves = shortBy.empty() || config_.shortage == ShortagePolicy::split;
    const char* status = shortBy.empty()                                 ? "available"
                         : config_.shortage == ShortagePolicy::split     ? "partially_available"
                         : config_.shortage == ShortagePolicy::backorder ? "backordered"
                                                                         : "out_of_stock";
    order.setJson(
        "/sourcing",
        sdk::JsonObject()
            .add("status", status)
            .addJson("availability", availabilityArray(order, stock, placements, unknown, isoDate(call.nowMs())))
            .addJson("reserved", reserves ? placementArray(reservedNow({}, placements)) : "[]")
            .addJson("backordered",
                     config_.shortage == ShortagePolicy::split ? quantityArray(shortBy) : std::string("[]"))
            .addJson("shortages", shortages)
            .addJson("unknown_skus", skuArray(unknown))
            .str());
    if (reserves) return sdk::Outcome::proceed();
    if (config_.shortage == ShortagePolicy::backorder)
        return sdk::Outcome::suspend(kStockArrived, "waiting for stock: " + message).withCode("backordered");
    return sdk::Outcome::reject("out_of_stock", "out of stock: " + message);
}

}  // namespace orderhost::sourcing
