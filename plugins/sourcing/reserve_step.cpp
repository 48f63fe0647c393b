// orderhost.sourcing · reserve-stock — reserves the order's goods in the warehouses.
//
// run(): the goods lines (kind "goods" or none; services and custom lines have no stock) are
// summed by SKU; what an earlier run of this order already holds (sourcing_allocations) is
// subtracted, so running again never reserves twice. The SKUs' stock rows are locked and read,
// and the warehouses are chosen by config "warehouse_rule":
//   priority          per SKU, the highest-priority warehouse with stock first, then the next
//   single_warehouse  the highest-priority warehouse that holds every SKU in full, so the order
//                     ships from one place; when none can, the priority rule
// A short SKU is handled by config "shortage":
//   reject     REJECT out_of_stock, nothing reserved
//   backorder  nothing reserved (all or nothing, so a waiting order never blocks stock another
//              order could ship); requisitions for the short SKUs; SUSPEND on "stock_arrived".
//              The signal re-runs the step, which tries again; {"timed_out": true} (the
//              chain's on_signal_timeout: rerun) rejects with backorder_timeout when still short
//   split      reserve what is there, list the rest under /sourcing/backordered, requisitions
//              for it, CONTINUE
// After reserving, every reserved SKU whose available stock fell below its reorder point gets
// a requisition (requisitions.cpp). compensate(): releases what the order still has reserved.
#include "sourcing.hpp"

#include <algorithm>

namespace orderhost::sourcing {

namespace {

std::string joined(const std::vector<std::string>& items) {
    std::string json = "[";
    for (const std::string& item : items) json.append(json.size() > 1 ? "," : "").append(item);
    return json + "]";
}

}  // namespace

Quantities requestedBySku(const sdk::OrderDocument& order) {
    Quantities wanted;
    const std::size_t lines = order.has("/lines") ? order.size("/lines") : 0;
    for (std::size_t i = 0; i < lines; ++i) {
        const std::string kind = order.optionalString(sdk::path("lines", i, "kind")).value_or("goods");
        if (kind != "goods") continue;
        const std::int64_t quantity = order.integer(sdk::path("lines", i, "quantity"));
        if (quantity <= 0)
            throw sdk::Error(OH_STATUS_INVALID_ARGUMENT, sdk::path("lines", i, "quantity"), "must be positive");
        wanted[order.string(sdk::path("lines", i, "sku"))] += quantity;
    }
    return wanted;
}

std::string shortageArray(const Quantities& remaining, const Quantities& shortBy, std::string& message) {
    std::string json = "[";
    for (const auto& [sku, missing] : shortBy) {
        const std::int64_t requested = remaining.at(sku);
        json.append(json.size() > 1 ? "," : "")
            .append(sdk::JsonObject()
                        .add("sku", sku)
                        .add("requested", requested)
                        .add("available", requested - missing)
                        .str());
        message += (message.empty() ? "" : ", ") + sku + " (requested " + std::to_string(requested) + ", available " +
                   std::to_string(requested - missing) + ")";
    }
    return json + "]";
}

std::vector<Placement> reservedNow(const std::vector<Allocation>& before, const std::vector<Placement>& placed) {
    std::map<std::pair<std::string, std::string>, Placement> merged;
    for (const Allocation& a : before)
        if (a.reserved > 0) merged[{a.sku, a.warehouse}] = {a.warehouse, a.sku, a.bin, a.reserved};
    for (const Placement& p : placed) {
        Placement& entry = merged[{p.sku, p.warehouse}];
        if (entry.sku.empty()) entry = {p.warehouse, p.sku, p.bin, 0};
        entry.quantity += p.quantity;
    }
    std::vector<Placement> out;
    for (const auto& entry : merged) out.push_back(entry.second);
    return out;
}

std::vector<std::string> removeUnknown(Quantities& remaining, const Quantities& held,
                                       const std::vector<StockRow>& stock) {
    std::vector<std::string> unknown;
    for (auto it = remaining.begin(); it != remaining.end();) {
        const bool known =
            held.count(it->first) != 0 ||
            std::any_of(stock.begin(), stock.end(), [&](const StockRow& r) { return r.sku == it->first; });
        if (known) {
            ++it;
            continue;
        }
        unknown.push_back(it->first);
        it = remaining.erase(it);
    }
    return unknown;
}

sdk::Outcome rejectUnknown(sdk::OrderDocument& order, const std::vector<std::string>& unknown) {
    order.setJson("/sourcing",
                  sdk::JsonObject().add("status", "unknown_sku").addJson("unknown_skus", skuArray(unknown)).str());
    std::string names;
    for (const std::string& sku : unknown) names += (names.empty() ? "" : ", ") + sku;
    return sdk::Outcome::reject("unknown_sku", "no stock record for: " + names);
}

std::vector<Placement> ReserveStep::plan(const Quantities& remaining, const std::vector<StockRow>& stock,
                                         Quantities& shortBy) const {
    std::vector<Placement> placements;
    if (config_.rule == WarehouseRule::single_warehouse) {
        // Warehouses in priority order (stock is sorted so); the first that covers every SKU.
        std::vector<std::string> seen;
        for (const StockRow& row : stock) {
            if (std::find(seen.begin(), seen.end(), row.warehouse) != seen.end()) continue;
            seen.push_back(row.warehouse);
            std::vector<Placement> here;
            for (const StockRow& r : stock)
                if (r.warehouse == row.warehouse && r.available >= remaining.at(r.sku))
                    here.push_back({r.warehouse, r.sku, r.bin, remaining.at(r.sku)});
            if (here.size() == remaining.size()) return here;
        }
    }
    for (const auto& [sku, quantity] : remaining) {
        std::int64_t left = quantity;
        for (const StockRow& row : stock) {
            if (row.sku != sku || row.available <= 0 || left == 0) continue;
            const std::int64_t take = std::min(left, row.available);
            placements.push_back({row.warehouse, sku, row.bin, take});
            left -= take;
        }
        if (left > 0) shortBy[sku] = left;
    }
    return placements;
}

sdk::Outcome ReserveStep::run(sdk::StepCall& call) {
    if (call.quoting()) return quote(call);
    sdk::Database db(call);
    const StockLedger ledger(call, db);
    sdk::OrderDocument order = call.order();
    ledger.applySeed(config_.seed);
    const Quantities wanted = requestedBySku(order);
    const std::vector<Allocation> before = ledger.allocations();
    Quantities held;
    for (const Allocation& a : before) held[a.sku] += a.reserved + a.issued;
    Quantities remaining;
    for (const auto& [sku, quantity] : wanted) {
        const auto already = held.find(sku);
        const std::int64_t have = already == held.end() ? 0 : already->second;
        if (quantity > have) remaining[sku] = quantity - have;
    }
    const std::vector<StockRow> stock = ledger.lockAndRead(remaining);
    const std::vector<std::string> unknown = removeUnknown(remaining, held, stock);
    if (!unknown.empty() && !config_.ignore_unknown) return rejectUnknown(order, unknown);
    Quantities shortBy;
    const std::vector<Placement> placements = plan(remaining, stock, shortBy);
    std::vector<std::string> requisitions;
    std::string message;
    const std::string shortages = shortageArray(remaining, shortBy, message);
    if (!shortBy.empty() && config_.shortage != ShortagePolicy::split) {
        const bool timedOut = order.optionalJson("/signals/stock_arrived/timed_out").value_or("") == "true";
        const bool waiting = config_.shortage == ShortagePolicy::backorder && !timedOut;
        if (waiting && config_.requisitions)
            for (const auto& entry : shortBy)
                if (auto made = requestPurchase(call, db, entry.first, entry.second, "shortage"))
                    requisitions.push_back(*made);
        const char* status = waiting ? "backordered" : timedOut ? "backorder_timeout" : "out_of_stock";
        order.setJson("/sourcing", sdk::JsonObject()
                                       .add("status", status)
                                       .addJson("shortages", shortages)
                                       .addJson("reserved", "[]")
                                       .addJson("unknown_skus", skuArray(unknown))
                                       .addJson("requisitions", joined(requisitions))
                                       .str());
        if (waiting)
            return sdk::Outcome::suspend(kStockArrived, "waiting for stock: " + message).withCode("backordered");
        return sdk::Outcome::reject(status, (timedOut ? "stock did not arrive in time: " : "out of stock: ") + message);
    }
    Quantities reservedSkus;
    for (const Placement& p : placements) {
        if (!ledger.reserve(p))
            return sdk::Outcome::retry("stock of " + p.sku + " changed while reserving; trying again")
                .withCode("stock_contention");
        reservedSkus[p.sku] += p.quantity;
    }
    if (config_.requisitions) {
        for (const auto& entry : shortBy)
            if (auto made = requestPurchase(call, db, entry.first, entry.second, "shortage"))
                requisitions.push_back(*made);
        for (const auto& entry : shortBy) reservedSkus.erase(entry.first);  // already requested above
        for (std::string& made : reorderBelowPoint(call, db, reservedSkus)) requisitions.push_back(std::move(made));
    }
    order.setJson("/sourcing", sdk::JsonObject()
                                   .add("status", shortBy.empty() ? "reserved" : "partially_reserved")
                                   .addJson("reserved", placementArray(reservedNow(before, placements)))
                                   .addJson("backordered", quantityArray(shortBy))
                                   .addJson("unknown_skus", skuArray(unknown))
                                   .addJson("requisitions", joined(requisitions))
                                   .str());
    return sdk::Outcome::proceed();
}

sdk::Outcome ReserveStep::compensate(sdk::StepCall& call) {
    sdk::Database db(call);
    const StockLedger ledger(call, db);
    std::vector<Placement> released;
    for (const Allocation& a : ledger.allocations())
        if (a.reserved > 0 && ledger.release(a)) released.push_back({a.warehouse, a.sku, a.bin, a.reserved});
    call.order().set("/sourcing/status", "released");
    call.order().setJson("/sourcing/released", placementArray(released));
    return sdk::Outcome::proceed();
}

}  // namespace orderhost::sourcing
