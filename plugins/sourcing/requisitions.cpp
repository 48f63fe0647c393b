// orderhost.sourcing — purchase requisitions to a SKU's preferred supplier.
//
// At most one requisition per SKU is open at a time: a partial unique index on
// sourcing_requisitions (sku) WHERE status = 'open' makes a second INSERT (this order's
// next run, or another order at the same moment) insert nothing, so the SKU is requested once
// and purchase_requisition.created is published once. Purchasing closes a requisition by
// setting status to 'ordered' or 'cancelled' (the ERP's business); the next shortage then
// opens a new one. A SKU without a sourcing_sku_suppliers row gets no requisition.
#include "sourcing.hpp"

#include <algorithm>

namespace orderhost::sourcing {

namespace {

std::string entry(const sdk::Row& row, bool created) {
    return sdk::JsonObject()
        .add("requisition", row.string("requisition"))
        .add("sku", row.string("sku"))
        .add("supplier", row.string("supplier"))
        .add("quantity", row.integer("quantity"))
        .add("reason", row.string("reason"))
        .add("created", created)
        .str();
}

}  // namespace

std::optional<std::string> requestPurchase(const sdk::StepCall& call, const sdk::Database& db, const std::string& sku,
                                           std::int64_t shortage, const char* reason) {
    const std::vector<sdk::Row> preferred =
        db.query("SELECT supplier, reorder_quantity FROM sourcing_sku_suppliers WHERE sku = ?", {sku});
    if (preferred.empty()) return std::nullopt;
    const std::string supplier = preferred.front().string("supplier");
    // Enough for the shortage, and at least the usual reorder quantity.
    const std::int64_t quantity = std::max(shortage, preferred.front().integer("reorder_quantity"));
    const std::string orderId(call.orderId());
    // Unique without a sequence: the SKU, the time and the order that asked.
    const std::string number = "PR-" + sku + "-" + std::to_string(call.nowMs()) + "-" + orderId.substr(0, 8);
    const bool created = db.execute(
                             "INSERT INTO sourcing_requisitions (requisition, sku, supplier, quantity, reason, status,"
                             " order_id, created_at_ms) VALUES (?, ?, ?, ?, ?, 'open', ?, ?) ON CONFLICT DO NOTHING",
                             {number, sku, supplier, quantity, reason, orderId, call.nowMs()}) == 1;
    const std::vector<sdk::Row> open = db.query(
        "SELECT requisition, sku, supplier, quantity, reason FROM sourcing_requisitions WHERE sku = ? AND status = "
        "'open'",
        {sku});
    if (open.empty()) return std::nullopt;  // closed by someone between the two statements
    if (created) {
        const sdk::Events events = call.events();
        if (events.available())  // a 1.0 host has no events: the row alone tells the ERP
            events.emit("purchase_requisition.created", sdk::JsonObject()
                                                            .add("requisition", number)
                                                            .add("sku", sku)
                                                            .add("supplier", supplier)
                                                            .add("quantity", quantity)
                                                            .add("reason", reason)
                                                            .str());
        call.log().info("purchase requisition ", number, ": ", quantity, " x ", sku, " from ", supplier, " (", reason,
                        ")");
    }
    return entry(open.front(), created);
}

std::vector<std::string> reorderBelowPoint(const sdk::StepCall& call, const sdk::Database& db,
                                           const Quantities& reserved) {
    std::vector<std::string> entries;
    for (const auto& entry : reserved) {
        const std::string& sku = entry.first;
        // One statement: the point and what is available now (orders on one SKU queue behind its
        // row lock, so every statement here is paid by each of them in turn).
        const std::vector<sdk::Row> point = db.query(
            "SELECT s.reorder_point, (SELECT CAST(COALESCE(SUM(i.on_hand - i.reserved), 0) AS BIGINT)"
            " FROM sourcing_inventory i WHERE i.sku = s.sku) AS available FROM sourcing_sku_suppliers s WHERE s.sku = "
            "?",
            {sku});
        if (point.empty() || point.front().integer("available") >= point.front().integer("reorder_point")) continue;
        if (std::optional<std::string> made = requestPurchase(call, db, sku, 0, "reorder_point"))
            entries.push_back(std::move(*made));
    }
    return entries;
}

}  // namespace orderhost::sourcing
