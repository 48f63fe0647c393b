// orderhost.manufacturing — custom-made lines become work orders; the order waits for them.
//
// make-to-order run():
//  1. First run: every line of kind "custom" becomes ONE work order (work_orders.hpp) carrying
//     the line's specification: sku, quantity, /lines/<i>/description and, when present, the
//     structured specification at <specs_path>/<i> (default /attributes/specs/<i>: the order
//     schema allows integrator data only under /attributes). Event "work_order.created" per
//     work order. Without custom lines: /manufacturing = {"status": "not_needed"}, CONTINUE.
//  2. Run again because the signal "work_order_progress" arrived: its payload
//     {"work_order", "status": "in_progress" | "completed" | "failed", "quantity_done"} updates
//     that work order (quantity_done is absolute, so a repeated signal changes nothing). A
//     payload that names another order's work order, an unknown status, a quantity outside
//     0..quantity or a work order already completed/failed/cancelled changes nothing: the
//     reason is at /manufacturing/last_signal_error and the order keeps waiting.
//     {"timed_out": true} (on_signal_timeout: rerun) cancels the open work orders and REJECTs
//     with code manufacturing_timeout.
//  3. Then: a failed work order -> the other open ones are cancelled and the order is REJECTed
//     (work_order_failed); every work order completed -> CONTINUE; else SUSPEND on
//     work_order_progress (code awaiting_work_orders), /manufacturing showing each work order's
//     status and quantity_done. REJECT rather than FAIL on failure and timeout: the host keeps
//     a REJECT's writes and events, so the cancellations reach the tables and the factory in
//     the same commit, and the earlier steps are undone just as after a FAIL.
// compensate(): cancels the open work orders (reason "compensation", event
// "work_order.cancelled"); completed ones stay completed. Repeating it cancels nothing more.
// The host also compensates this step when the ORDER is cancelled while it waits for the
// factory (a suspended step has effects: docs/architecture.md#compensation), so the work orders
// are cancelled with reason "compensation". cancel-work-orders in the cancel chain stays a
// safety net for hosts before that change: it cancels what is still open (reason
// "order_cancelled"), which is then nothing.
//
// Thread contract: OH_STEP_THREAD_SAFE (members are read-only after construction).
#include "work_orders.hpp"

#include <orderhost/sdk.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sdk = orderhost::sdk;
using namespace manufacturing;

namespace {

constexpr char kSignal[] = "work_order_progress";
constexpr char kSignalPath[] = "/signals/work_order_progress";

constexpr char kConfigSchema[] = R"({
  "type": "object",
  "properties": {
    "series": {"type": "string", "minLength": 1, "maxLength": 32, "default": "WO-"},
    "number_width": {"type": "integer", "minimum": 1, "maximum": 12, "default": 6},
    "require_specification": {"type": "boolean", "default": false},
    "specs_path": {"type": "string", "pattern": "^/", "default": "/attributes/specs"}
  }
})";

class MakeToOrderStep : public sdk::Step {
public:
    explicit MakeToOrderStep(sdk::CreateContext& ctx) {
        const sdk::Document config = ctx.config();
        series_ = text(config, "series", "WO-");
        if (series_.empty() || series_.size() > 32)
            throw sdk::ConfigError("series", "must be a prefix of 1 to 32 characters, e.g. \"WO-\"");
        std::optional<std::int64_t> width;
        try {
            width = config.optionalInteger("/number_width");
        } catch (const sdk::Error&) {
            width = 0;
        }
        if (width && (*width < 1 || *width > 12))
            throw sdk::ConfigError("number_width", "must be an integer from 1 to 12");
        width_ = static_cast<int>(width.value_or(6));
        try {
            require_specification_ = config.optionalBoolean("/require_specification").value_or(false);
        } catch (const sdk::Error&) {
            throw sdk::ConfigError("require_specification", "must be true or false");
        }
        specs_path_ = text(config, "specs_path", "/attributes/specs");
        if (specs_path_.empty() || specs_path_.front() != '/' || specs_path_.back() == '/')
            throw sdk::ConfigError("specs_path", "must be a JSON Pointer such as \"/attributes/specs\"");
    }

    sdk::Outcome run(sdk::StepCall& call) override {
        sdk::Database db(call);
        sdk::OrderDocument order = call.order();
        const std::string orderId(call.orderId());
        std::vector<WorkOrder> orders = loadWorkOrders(db, orderId);
        if (orders.empty()) {
            if (std::optional<sdk::Outcome> refused = createWorkOrders(db, call, order, orderId)) return *refused;
            orders = loadWorkOrders(db, orderId);
            if (orders.empty()) {
                writeManufacturing(order, orders, "not_needed");
                return sdk::Outcome::proceed();
            }
        }
        std::string signalError;
        if (order.has(kSignalPath)) {
            if (timedOut(order)) {
                cancelOpen(db, call, orderId, "timeout");
                writeManufacturing(order, loadWorkOrders(db, orderId), "timed_out");
                return sdk::Outcome::reject("manufacturing_timeout",
                                            "no work order progress arrived within the chain's signal_timeout_ms");
            }
            signalError = applyProgress(db, call, order, orders);
            if (!signalError.empty()) call.log().warn("work_order_progress refused: ", signalError);
            orders = loadWorkOrders(db, orderId);
        }
        for (const WorkOrder& w : orders) {
            if (w.status != "failed") continue;
            cancelOpen(db, call, orderId, "sibling_failed");
            writeManufacturing(order, loadWorkOrders(db, orderId), "failed");
            return sdk::Outcome::reject(
                "work_order_failed",
                "work order " + w.number + " (line " + std::to_string(w.line) + ", SKU " + w.sku + ") failed");
        }
        const std::string status = overallStatus(orders);
        writeManufacturing(order, orders, status, signalError);
        if (status == "completed") return sdk::Outcome::proceed();
        const std::int64_t done =
            std::count_if(orders.begin(), orders.end(), [](const WorkOrder& w) { return w.status == "completed"; });
        return sdk::Outcome::suspend(
                   kSignal, std::to_string(done) + " of " + std::to_string(orders.size()) + " work orders completed")
            .withCode("awaiting_work_orders");
    }

    sdk::Outcome compensate(sdk::StepCall& call) override {
        sdk::Database db(call);
        const std::string orderId(call.orderId());
        // Nothing open (a repeated undo, or the run cancelled them itself on a timeout or a failed
        // work order and REJECTed): /manufacturing keeps saying why (timed_out, failed).
        if (cancelOpen(db, call, orderId, "compensation") == 0) return sdk::Outcome::proceed();
        const std::vector<WorkOrder> orders = loadWorkOrders(db, orderId);
        sdk::OrderDocument order = call.order();
        if (!orders.empty()) writeManufacturing(order, orders, overallStatus(orders));
        return sdk::Outcome::proceed();
    }

private:
    static std::string text(const sdk::Document& config, const char* field, const char* fallback) {
        try {
            return config.optionalString(std::string("/") + field).value_or(fallback);
        } catch (const sdk::Error&) {
            throw sdk::ConfigError(field, "must be a string");
        }
    }

    // The host's re-run after signal_timeout_ms; a progress payload's stray "timed_out" of another
    // type is not a timeout.
    static bool timedOut(const sdk::OrderDocument& order) {
        try {
            return order.optionalBoolean(std::string(kSignalPath) + "/timed_out").value_or(false);
        } catch (const sdk::Error&) {
            return false;
        }
    }

    // Step 1 of the file comment; an outcome when a custom line lacks the required specification.
    std::optional<sdk::Outcome> createWorkOrders(const sdk::Database& db, const sdk::StepCall& call,
                                                 const sdk::OrderDocument& order, const std::string& orderId) const {
        const std::size_t lines = order.has("/lines") ? order.size("/lines") : 0;
        std::vector<std::size_t> custom;
        for (std::size_t i = 0; i < lines; ++i)
            if (order.optionalString(sdk::path("lines", i, "kind")).value_or("goods") == "custom") custom.push_back(i);
        for (std::size_t i : custom) {
            const std::string specPath = specs_path_ + "/" + std::to_string(i);
            if (require_specification_ && !order.optionalString(sdk::path("lines", i, "description")) &&
                !order.has(specPath))
                return sdk::Outcome::reject("specification_missing", "custom line " + std::to_string(i) +
                                                                         " has neither /lines/" + std::to_string(i) +
                                                                         "/description nor " + specPath);
        }
        for (std::size_t i : custom) {
            const std::string sku = order.string(sdk::path("lines", i, "sku"));
            const std::int64_t quantity = order.integer(sdk::path("lines", i, "quantity"));
            const std::optional<std::string> description = order.optionalString(sdk::path("lines", i, "description"));
            const std::optional<std::string> spec = order.optionalJson(specs_path_ + "/" + std::to_string(i));
            const std::int64_t number = takeNumber(db, series_);
            const std::string workOrder = formatNumber(series_, number, width_);
            db.execute(
                "INSERT INTO manufacturing_work_orders (work_order, series, number, order_id, line_index, sku,"
                " quantity, quantity_done, description, specification_json, status, created_at_ms, updated_at_ms)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, 'open', ?, ?)",
                {workOrder, series_, number, orderId, static_cast<std::int64_t>(i), sku, quantity,
                 description ? sdk::Param(*description) : sdk::Param::null(),
                 spec ? sdk::Param(*spec) : sdk::Param::null(), call.nowMs(), call.nowMs()});
            sdk::JsonObject event;
            event.add("work_order", workOrder).add("order_id", orderId).add("line", static_cast<std::int64_t>(i));
            event.add("sku", sku).add("quantity", quantity).add("description", description.value_or(""));
            event.addJson("specification", spec.value_or("null"));
            publish(call, "work_order.created", event.str());
        }
        return std::nullopt;
    }

    // Step 2 of the file comment: "" when applied, else why the payload changed nothing.
    static std::string applyProgress(const sdk::Database& db, const sdk::StepCall& call,
                                     const sdk::OrderDocument& order, const std::vector<WorkOrder>& orders) {
        std::optional<std::string> number, status;
        std::optional<std::int64_t> done;
        try {
            number = order.optionalString(std::string(kSignalPath) + "/work_order");
            status = order.optionalString(std::string(kSignalPath) + "/status");
            done = order.optionalInteger(std::string(kSignalPath) + "/quantity_done");
        } catch (const sdk::Error& e) {
            return std::string("the payload's ") + e.what();
        }
        if (!number) return "the payload needs \"work_order\"";
        auto target =
            std::find_if(orders.begin(), orders.end(), [&](const WorkOrder& w) { return w.number == *number; });
        if (target == orders.end()) return "work order " + *number + " does not belong to this order";
        if (!status || (*status != "in_progress" && *status != "completed" && *status != "failed"))
            return "\"status\" must be in_progress, completed or failed";
        if (!isOpen(*target)) return "work order " + *number + " is already " + target->status;
        const std::int64_t quantityDone =
            done.value_or(*status == "completed" ? target->quantity : target->quantity_done);
        if (quantityDone < 0 || quantityDone > target->quantity)
            return "\"quantity_done\" must be from 0 to " + std::to_string(target->quantity);
        db.execute(
            "UPDATE manufacturing_work_orders SET status = ?, quantity_done = ?, updated_at_ms = ?"
            " WHERE work_order = ? AND status IN ('open', 'in_progress')",
            {*status, quantityDone, call.nowMs(), *number});
        if (*status != "in_progress")
            publish(call, *status == "completed" ? "work_order.completed" : "work_order.failed",
                    sdk::JsonObject()
                        .add("work_order", *number)
                        .add("order_id", std::string(call.orderId()))
                        .add("sku", target->sku)
                        .add("quantity", target->quantity)
                        .add("quantity_done", quantityDone)
                        .str());
        return std::string();
    }

    // Read-only after construction (OH_STEP_THREAD_SAFE).
    std::string series_ = "WO-", specs_path_ = "/attributes/specs";
    int width_ = 6;
    bool require_specification_ = false;
};

// For the cancel chain (trigger cancel_order): cancels what a waiting make-to-order step left open.
class CancelWorkOrdersStep : public sdk::Step {
public:
    sdk::Outcome run(sdk::StepCall& call) override {
        sdk::Database db(call);
        const std::string orderId(call.orderId());
        cancelOpen(db, call, orderId, "order_cancelled");
        const std::vector<WorkOrder> orders = loadWorkOrders(db, orderId);
        sdk::OrderDocument order = call.order();
        if (!orders.empty()) writeManufacturing(order, orders, overallStatus(orders));
        return sdk::Outcome::proceed();
    }
};

}  // namespace

ORDERHOST_MIGRATIONS("", ORDERHOST_MIGRATION(1, "work order series and work orders",
                                             "CREATE TABLE manufacturing_series ("
                                             " series VARCHAR(32) PRIMARY KEY,"
                                             " next_number BIGINT NOT NULL);"
                                             "CREATE TABLE manufacturing_work_orders ("
                                             " work_order VARCHAR(48) PRIMARY KEY,"
                                             " series VARCHAR(32) NOT NULL,"
                                             " number BIGINT NOT NULL,"
                                             " order_id VARCHAR(64) NOT NULL,"
                                             " line_index BIGINT NOT NULL,"
                                             " sku VARCHAR(128) NOT NULL,"
                                             " quantity BIGINT NOT NULL,"
                                             " quantity_done BIGINT NOT NULL,"
                                             " description TEXT,"
                                             " specification_json TEXT,"
                                             " status VARCHAR(16) NOT NULL,"
                                             " cancel_reason VARCHAR(32),"
                                             " created_at_ms BIGINT NOT NULL,"
                                             " updated_at_ms BIGINT NOT NULL,"
                                             " cancelled_at_ms BIGINT,"
                                             " UNIQUE (order_id, line_index),"
                                             " UNIQUE (series, number))"));

ORDERHOST_PLUGIN(
    "orderhost.manufacturing", "1.0.0", "orderhost", "Work orders for custom-made lines",
    ORDERHOST_STEP(MakeToOrderStep, "make-to-order", OH_CATEGORY_MANUFACTURING,
                   "Custom lines become work orders; waits for work_order_progress until all are completed",
                   kConfigSchema, OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS),
    ORDERHOST_STEP(CancelWorkOrdersStep, "cancel-work-orders", OH_CATEGORY_MANUFACTURING,
                   "For the cancel chain: cancels the order's open work orders", "",
                   OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS));
