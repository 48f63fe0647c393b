// work_orders.hpp — the manufacturing plugin's work orders in its tables, and /manufacturing.
//
// One work order per custom line (manufacturing_work_orders, unique per order and line),
// numbered in a series like the billing plugin's invoices: a manufacturing_series row that the
// step increments in its own transaction, so a rolled-back step takes no number and two orders
// never share one (PostgreSQL: the row lock; SQLite: the step transaction's write lock).
// Status: open -> in_progress -> completed | failed, or cancelled (with cancel_reason and
// cancelled_at_ms) from open or in_progress. Completed and failed work orders never change again.
#ifndef ORDERHOST_MANUFACTURING_WORK_ORDERS_HPP
#define ORDERHOST_MANUFACTURING_WORK_ORDERS_HPP

#include <orderhost/sdk.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace manufacturing {

namespace sdk = orderhost::sdk;

struct WorkOrder {
    std::string number, sku, status;
    std::int64_t line = 0, quantity = 0, quantity_done = 0;
};

inline bool isOpen(const WorkOrder& w) { return w.status == "open" || w.status == "in_progress"; }

inline std::vector<WorkOrder> loadWorkOrders(const sdk::Database& db, const std::string& orderId) {
    std::vector<WorkOrder> out;
    for (const sdk::Row& r : db.query("SELECT work_order, line_index, sku, quantity, quantity_done, status"
                                      " FROM manufacturing_work_orders WHERE order_id = ? ORDER BY line_index",
                                      {orderId}))
        out.push_back(WorkOrder{r.string("work_order"), r.string("sku"), r.string("status"), r.integer("line_index"),
                                r.integer("quantity"), r.integer("quantity_done")});
    return out;
}

// The next number of `series`, taken inside the step's transaction.
inline std::int64_t takeNumber(const sdk::Database& db, const std::string& series) {
    db.execute("INSERT INTO manufacturing_series (series, next_number) VALUES (?, 1) ON CONFLICT (series) DO NOTHING",
               {series});
    const std::vector<sdk::Row> rows =
        db.query("UPDATE manufacturing_series SET next_number = next_number + 1 WHERE series = ? RETURNING next_number",
                 {series});
    if (rows.size() != 1) throw sdk::Error(OH_STATUS_INTERNAL_ERROR, std::string(), "series row vanished: " + series);
    return rows.front().integer("next_number") - 1;
}

inline std::string formatNumber(const std::string& series, std::int64_t number, int width) {
    std::string digits = std::to_string(number);
    if (digits.size() < static_cast<std::size_t>(width))
        digits.insert(0, static_cast<std::size_t>(width) - digits.size(), '0');
    return series + digits;
}

// Publishes through orderhost.events when the host offers it (a 1.0 host has no events).
inline void publish(const sdk::StepCall& call, const char* type, const std::string& payload) {
    const sdk::Events events = call.events();
    if (events.available()) events.emit(type, payload);
}

// Cancels the order's open work orders, recording why; returns how many it cancelled.
inline std::size_t cancelOpen(const sdk::Database& db, const sdk::StepCall& call, const std::string& orderId,
                              const std::string& reason) {
    std::size_t cancelled = 0;
    for (const WorkOrder& w : loadWorkOrders(db, orderId)) {
        if (!isOpen(w)) continue;
        db.execute(
            "UPDATE manufacturing_work_orders SET status = 'cancelled', cancel_reason = ?, cancelled_at_ms = ?,"
            " updated_at_ms = ? WHERE work_order = ? AND status IN ('open', 'in_progress')",
            {reason, call.nowMs(), call.nowMs(), w.number});
        publish(call, "work_order.cancelled",
                sdk::JsonObject()
                    .add("work_order", w.number)
                    .add("order_id", orderId)
                    .add("sku", w.sku)
                    .add("quantity", w.quantity)
                    .add("quantity_done", w.quantity_done)
                    .add("reason", reason)
                    .str());
        ++cancelled;
    }
    return cancelled;
}

// The order's state as one word (see docs/plugins.md#manufacturing).
inline std::string overallStatus(const std::vector<WorkOrder>& orders) {
    const auto any = [&](const char* s) {
        return std::any_of(orders.begin(), orders.end(), [&](const WorkOrder& w) { return w.status == s; });
    };
    if (orders.empty()) return "not_needed";
    if (any("failed")) return "failed";
    if (any("cancelled")) return "cancelled";
    if (std::all_of(orders.begin(), orders.end(), [](const WorkOrder& w) { return w.status == "completed"; }))
        return "completed";
    return "in_production";
}

// /manufacturing = {"status", "completed", "total", "work_orders": [{"work_order", "line", "sku",
// "quantity", "quantity_done", "status"}]} (+ "last_signal_error" when the last signal was refused).
inline void writeManufacturing(sdk::OrderDocument& order, const std::vector<WorkOrder>& orders,
                               const std::string& status, const std::string& signalError = std::string()) {
    std::string list = "[";
    std::int64_t completed = 0;
    for (const WorkOrder& w : orders) {
        if (list.size() > 1) list.push_back(',');
        list += sdk::JsonObject()
                    .add("work_order", w.number)
                    .add("line", w.line)
                    .add("sku", w.sku)
                    .add("quantity", w.quantity)
                    .add("quantity_done", w.quantity_done)
                    .add("status", w.status)
                    .str();
        if (w.status == "completed") ++completed;
    }
    list.push_back(']');
    sdk::JsonObject out;
    out.add("status", status).add("completed", completed).add("total", static_cast<std::int64_t>(orders.size()));
    out.addJson("work_orders", list);
    if (!signalError.empty()) out.add("last_signal_error", signalError);
    order.setJson("/manufacturing", out.str());
}

}  // namespace manufacturing

#endif  // ORDERHOST_MANUFACTURING_WORK_ORDERS_HPP
