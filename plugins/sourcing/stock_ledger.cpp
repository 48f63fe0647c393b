// orderhost.sourcing — the stock ledger: every change of a stock row's on_hand, reserved or
// quarantined goes together with one sourcing_movements row carrying the same deltas, and every
// reservation change with the order's sourcing_allocations row, all in the step's transaction.
// So SUM(movements) = the stock columns and SUM(allocations.reserved) = reserved at every
// commit; the view sourcing_stock_check shows both sides.
//
// Never oversold: each change is a conditional UPDATE whose WHERE clause re-checks the stock
// (on_hand - reserved >= quantity) and reports a changed row count of 0 when it no longer
// holds; the table's CHECK (reserved <= on_hand) is the last line. Before reading, the step
// locks its SKUs' rows with a no-op UPDATE (the credit plugin's pattern: PostgreSQL then
// makes a second order for the same SKU wait until the first one's step committed, and SQLite's
// step transaction holds the write lock anyway). Every step changes stock rows in (sku,
// warehouse) order, so PostgreSQL never finds two of them waiting for each other.
#include "sourcing.hpp"

#include <algorithm>

namespace orderhost::sourcing {

std::vector<Allocation> StockLedger::allocations() const {
    std::vector<Allocation> out;
    for (const sdk::Row& row :
         db_.query("SELECT a.warehouse, a.sku, i.bin, a.reserved, a.issued, a.returned FROM sourcing_allocations a"
                   " JOIN sourcing_inventory i ON i.sku = a.sku AND i.warehouse = a.warehouse"
                   " WHERE a.order_id = ? ORDER BY a.sku, a.warehouse",
                   {order_id_}))
        out.push_back({row.string("warehouse"), row.string("sku"), row.string("bin"), row.integer("reserved"),
                       row.integer("issued"), row.integer("returned")});
    return out;
}

// "?, ?, ..." for the SKUs of `skus`, their values appended to `params` (an IN list).
static std::string skuPlaceholders(const Quantities& skus, std::vector<sdk::Param>& params) {
    std::string marks;
    for (const auto& entry : skus) {
        params.emplace_back(entry.first);
        marks += marks.empty() ? "?" : ", ?";
    }
    return marks;
}

std::vector<StockRow> StockLedger::lockAndRead(const Quantities& skus) const {
    std::vector<sdk::Param> params;
    const std::string marks = skuPlaceholders(skus, params);
    std::vector<StockRow> rows;
    if (params.empty()) return rows;
    // One row at a time in (sku, warehouse) order, the order every step of this plugin changes
    // stock rows in, so two transactions never hold locks the other one waits for. RETURNING
    // reads the locked row in the same statement (both backends have it, like the credit step).
    for (const sdk::Row& key : db_.query("SELECT i.sku, i.warehouse, w.priority FROM sourcing_inventory i"
                                         " JOIN sourcing_warehouses w ON w.warehouse = i.warehouse"
                                         " WHERE i.sku IN (" +
                                             marks + ") ORDER BY i.sku, i.warehouse",
                                         params)) {
        const std::vector<sdk::Row> locked = db_.query(
            "UPDATE sourcing_inventory SET reserved = reserved WHERE sku = ? AND warehouse = ?"
            " RETURNING bin, on_hand - reserved AS available",
            {key.string("sku"), key.string("warehouse")});
        if (locked.empty()) continue;  // deleted meanwhile
        rows.push_back({key.string("warehouse"), key.string("sku"), locked.front().string("bin"),
                        locked.front().integer("available"), key.integer("priority")});
    }
    sortByChoice(rows);
    return rows;
}

std::vector<StockRow> StockLedger::read(const Quantities& skus) const {
    std::vector<sdk::Param> params;
    const std::string marks = skuPlaceholders(skus, params);
    std::vector<StockRow> rows;
    if (params.empty()) return rows;
    for (const sdk::Row& row : db_.query("SELECT i.sku, i.warehouse, i.bin, i.on_hand - i.reserved AS available,"
                                         " w.priority FROM sourcing_inventory i"
                                         " JOIN sourcing_warehouses w ON w.warehouse = i.warehouse"
                                         " WHERE i.sku IN (" +
                                             marks + ") ORDER BY i.sku, i.warehouse",
                                         params))
        rows.push_back({row.string("warehouse"), row.string("sku"), row.string("bin"), row.integer("available"),
                        row.integer("priority")});
    sortByChoice(rows);
    return rows;
}

void sortByChoice(std::vector<StockRow>& rows) {
    std::stable_sort(rows.begin(), rows.end(), [](const StockRow& a, const StockRow& b) {
        return a.priority != b.priority ? a.priority > b.priority : a.warehouse < b.warehouse;
    });
}

std::vector<StockRow> seedStock(const Seed& seed, const Quantities& skus) {
    std::vector<StockRow> rows;
    for (const SeedStock& s : seed.stock) {  // no repeats: readSeed refuses them
        if (skus.count(s.sku) == 0) continue;
        std::int64_t priority = 0;
        for (const SeedWarehouse& w : seed.warehouses)
            if (w.warehouse == s.warehouse) priority = w.priority;
        rows.push_back({s.warehouse, s.sku, s.bin, s.on_hand, priority});
    }
    std::stable_sort(rows.begin(), rows.end(), [](const StockRow& a, const StockRow& b) {
        return a.sku != b.sku ? a.sku < b.sku : a.warehouse < b.warehouse;  // as read() fetches them
    });
    sortByChoice(rows);
    return rows;
}

bool StockLedger::reserve(const Placement& p) const {
    if (db_.execute("UPDATE sourcing_inventory SET reserved = reserved + ?"
                    " WHERE sku = ? AND warehouse = ? AND on_hand - reserved >= ?",
                    {p.quantity, p.sku, p.warehouse, p.quantity}) != 1)
        return false;
    db_.execute(
        "INSERT INTO sourcing_allocations (order_id, sku, warehouse, reserved, issued, returned)"
        " VALUES (?, ?, ?, ?, 0, 0) ON CONFLICT (order_id, sku, warehouse)"
        " DO UPDATE SET reserved = sourcing_allocations.reserved + excluded.reserved",
        {order_id_, p.sku, p.warehouse, p.quantity});
    record(p.warehouse, p.sku, "reserve", 0, p.quantity, 0, reference_);
    return true;
}

bool StockLedger::release(const Allocation& a) const {
    // The allocation first: a repeated or concurrent release finds nothing left to release.
    if (db_.execute("UPDATE sourcing_allocations SET reserved = 0"
                    " WHERE order_id = ? AND sku = ? AND warehouse = ? AND reserved = ?",
                    {order_id_, a.sku, a.warehouse, a.reserved}) != 1)
        return false;
    db_.execute("UPDATE sourcing_inventory SET reserved = reserved - ? WHERE sku = ? AND warehouse = ?",
                {a.reserved, a.sku, a.warehouse});
    record(a.warehouse, a.sku, "release", 0, -a.reserved, 0, reference_);
    return true;
}

bool StockLedger::issue(const Allocation& a) const {
    if (db_.execute("UPDATE sourcing_allocations SET reserved = 0, issued = issued + ?"
                    " WHERE order_id = ? AND sku = ? AND warehouse = ? AND reserved = ?",
                    {a.reserved, order_id_, a.sku, a.warehouse, a.reserved}) != 1)
        return false;
    if (db_.execute("UPDATE sourcing_inventory SET on_hand = on_hand - ?, reserved = reserved - ?"
                    " WHERE sku = ? AND warehouse = ? AND reserved >= ?",
                    {a.reserved, a.reserved, a.sku, a.warehouse, a.reserved}) != 1)
        return false;
    record(a.warehouse, a.sku, "issue", -a.reserved, -a.reserved, 0, reference_);
    return true;
}

bool StockLedger::unissue(const Allocation& a) const {
    const std::int64_t back = a.issued - a.returned;  // what came back by restock stays there
    if (back <= 0) return false;
    if (db_.execute("UPDATE sourcing_allocations SET issued = issued - ?, reserved = reserved + ?"
                    " WHERE order_id = ? AND sku = ? AND warehouse = ? AND issued = ?",
                    {back, back, order_id_, a.sku, a.warehouse, a.issued}) != 1)
        return false;
    db_.execute(
        "UPDATE sourcing_inventory SET on_hand = on_hand + ?, reserved = reserved + ?"
        " WHERE sku = ? AND warehouse = ?",
        {back, back, a.sku, a.warehouse});
    record(a.warehouse, a.sku, "unissue", back, back, 0, reference_);
    return true;
}

void StockLedger::restock(const Placement& p, bool damaged, const std::string& reference) const {
    db_.execute(
        "UPDATE sourcing_allocations SET returned = returned + ? WHERE order_id = ? AND sku = ? AND warehouse = ?",
        {p.quantity, order_id_, p.sku, p.warehouse});
    db_.execute(damaged ? "UPDATE sourcing_inventory SET quarantined = quarantined + ? WHERE sku = ? AND warehouse = ?"
                        : "UPDATE sourcing_inventory SET on_hand = on_hand + ? WHERE sku = ? AND warehouse = ?",
                {p.quantity, p.sku, p.warehouse});
    if (damaged)
        record(p.warehouse, p.sku, "quarantine", 0, 0, p.quantity, reference);
    else
        record(p.warehouse, p.sku, "restock", p.quantity, 0, 0, reference);
}

// Demo data only (docs/plugins.md#sourcing): inserted while there is no warehouse at all. Two
// first orders at once both find the table empty; ON CONFLICT lets the second insert nothing.
void StockLedger::applySeed(const Seed& seed) const {
    if (seed.empty() || db_.query("SELECT COUNT(*) AS n FROM sourcing_warehouses").front().integer("n") != 0) return;
    for (const SeedWarehouse& w : seed.warehouses)
        db_.execute(
            "INSERT INTO sourcing_warehouses (warehouse, name, priority) VALUES (?, ?, ?)"
            " ON CONFLICT (warehouse) DO NOTHING",
            {w.warehouse, w.name, w.priority});
    for (const SeedStock& s : seed.stock)
        if (db_.execute("INSERT INTO sourcing_inventory (sku, warehouse, bin, on_hand, reserved, quarantined)"
                        " VALUES (?, ?, ?, ?, 0, 0) ON CONFLICT (sku, warehouse) DO NOTHING",
                        {s.sku, s.warehouse, s.bin, s.on_hand}) == 1)
            record(s.warehouse, s.sku, "receipt", s.on_hand, 0, 0, "seed");
    for (const SeedSupplier& s : seed.suppliers)
        db_.execute(
            "INSERT INTO sourcing_suppliers (supplier, name, email) VALUES (?, ?, ?)"
            " ON CONFLICT (supplier) DO NOTHING",
            {s.supplier, s.name, s.email});
    for (const SeedSkuSupplier& s : seed.sku_suppliers)
        db_.execute(
            "INSERT INTO sourcing_sku_suppliers (sku, supplier, reorder_point, reorder_quantity)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (sku) DO NOTHING",
            {s.sku, s.supplier, s.reorder_point, s.reorder_quantity});
}

void StockLedger::record(const std::string& warehouse, const std::string& sku, const char* movement,
                         std::int64_t on_hand, std::int64_t reserved, std::int64_t quarantined,
                         const std::string& reference) const {
    db_.execute(
        "INSERT INTO sourcing_movements (order_id, reference, sku, warehouse, movement,"
        " on_hand_delta, reserved_delta, quarantined_delta, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {reference == "seed" ? sdk::Param::null() : sdk::Param(order_id_), reference, sku, warehouse, movement, on_hand,
         reserved, quarantined, now_ms_});
}

std::string placementArray(const std::vector<Placement>& placements) {
    std::string json = "[";
    for (const Placement& p : placements)
        json.append(json.size() > 1 ? "," : "")
            .append(sdk::JsonObject()
                        .add("sku", p.sku)
                        .add("warehouse", p.warehouse)
                        .add("bin", p.bin)
                        .add("quantity", p.quantity)
                        .str());
    return json + "]";
}

std::string quantityArray(const Quantities& quantities) {
    std::string json = "[";
    for (const auto& [sku, quantity] : quantities)
        json.append(json.size() > 1 ? "," : "")
            .append(sdk::JsonObject().add("sku", sku).add("quantity", quantity).str());
    return json + "]";
}

std::string skuArray(const std::vector<std::string>& skus) {
    std::string json = "[";
    for (const std::string& sku : skus) json.append(json.size() > 1 ? "," : "").append(sdk::jsonQuote(sku));
    return json + "]";
}

}  // namespace orderhost::sourcing
