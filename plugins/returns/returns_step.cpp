// orderhost.returns — return authorisations (RMA) for the return chain (trigger return_order).
//
// authorize-return, first run: the ERP's request is at /return (the host stored it with
// requested_at). Its lines ({"sku"} or {"line": index}, "quantity", "reason") are checked
// (returns_rules.hpp): the return window (config return_window_days, counted from
// /shipping/delivered_at when the shipping step wrote one, else from /completed_at, which the
// host writes at an order's first return), non-returnable SKUs and service lines, and the
// quantity: at most what was delivered (/lines/<i>/quantity) minus what earlier returns of the
// order took (returns_rma_lines of RMAs that were not cancelled; a received RMA counts what was
// received). A refusal is REJECT with a code and a message naming the line. Authorized: an RMA
// number from a gapless series (same counter mechanism as billing: a row of returns_series
// incremented in the step's transaction), one returns_rmas row and one returns_rma_lines row
// per line, /return/rma = {number, lines:[{sku, quantity, unit_price, reason}], status:
// "authorized"}, event "return.authorized", and SUSPEND on signal "goods_received".
//
// Re-run after the signal ({"lines": [{"sku", "quantity", "condition": "resellable"|"damaged"}]}
// at /signals/goods_received): more than authorized, or an unknown SKU or condition, keeps the
// order waiting for a corrected signal (code goods_received_invalid / goods_received_exceeds_rma);
// otherwise /return/received = {number, lines:[{sku, quantity, unit_price, reason, condition}],
// status: "received"} (one line per RMA line a signal line fills, at that RMA line's price and
// reason), the RMA is "received", event "return.received", CONTINUE. A signal
// timeout (on_signal_timeout: rerun) cancels the RMA and REJECTs return_goods_not_received.
//
// Idempotent: the RMA of a return is found by (order, /return/requested_at) before a new one is
// numbered. compensate(): cancels the RMA (its quantities are returnable again); repeating it
// changes nothing.
//
// Thread contract: OH_STEP_THREAD_SAFE (members are read-only after construction).
#include "returns_rules.hpp"

#include <orderhost/sdk.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sdk = orderhost::sdk;

namespace {

constexpr char kSignal[] = "goods_received";
constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;

constexpr char kConfigSchema[] = R"({
  "type": "object",
  "required": ["rma_series"],
  "properties": {
    "rma_series": {"type": "string", "minLength": 1, "maxLength": 32},
    "number_width": {"type": "integer", "minimum": 1, "maximum": 12, "default": 6},
    "return_window_days": {"type": "integer", "minimum": 0, "default": 30,
                           "description": "0: no window"},
    "non_returnable_skus": {"type": "array", "items": {"type": "string"}},
    "goods_timeout_ms": {"type": "integer", "minimum": 0, "default": 0}
  }
})";

std::int64_t integerSetting(const sdk::Document& config, const char* field, std::int64_t fallback, std::int64_t low,
                            std::int64_t high) {
    std::optional<std::int64_t> value;
    try {
        value = config.optionalInteger(std::string("/") + field);
    } catch (const sdk::Error&) {
        throw sdk::ConfigError(field, "must be an integer");
    }
    if (value && (*value < low || *value > high))
        throw sdk::ConfigError(field, "must be between " + std::to_string(low) + " and " + std::to_string(high));
    return value.value_or(fallback);
}

sdk::Outcome refuse(const returns::Refusal& refusal) { return sdk::Outcome::reject(refusal.code, refusal.message); }

class AuthorizeReturnStep : public sdk::Step {
public:
    explicit AuthorizeReturnStep(sdk::CreateContext& ctx) {
        const sdk::Document config = ctx.config();
        std::optional<std::string> series;
        try {
            series = config.optionalString("/rma_series");
        } catch (const sdk::Error&) {
        }
        if (!series || series->empty() || series->size() > 32)
            throw sdk::ConfigError("rma_series", "must be a prefix of 1 to 32 characters, e.g. \"RMA-2026-\"");
        series_ = *series;
        width_ = static_cast<int>(integerSetting(config, "number_width", 6, 1, 12));
        windowDays_ = integerSetting(config, "return_window_days", 30, 0, 36500);
        goodsTimeoutMs_ = integerSetting(config, "goods_timeout_ms", 0, 0, INT32_MAX);
        if (config.has("/non_returnable_skus")) {
            if (config.type("/non_returnable_skus") != sdk::JsonType::array)
                throw sdk::ConfigError("non_returnable_skus", "must be an array of SKUs");
            for (std::size_t i = 0; i < config.size("/non_returnable_skus"); ++i) {
                std::optional<std::string> sku;
                try {
                    sku = config.optionalString(sdk::path("non_returnable_skus", i));
                } catch (const sdk::Error&) {
                }
                if (!sku) throw sdk::ConfigError("non_returnable_skus." + std::to_string(i), "must be a SKU (string)");
                nonReturnable_.insert(*sku);
            }
        }
    }

    sdk::Outcome run(sdk::StepCall& call) override {
        sdk::Database db(call);
        sdk::OrderDocument order = call.order();
        const std::int64_t requestedAt = order.optionalInteger("/return/requested_at").value_or(0);
        const std::vector<sdk::Row> rma =
            db.query("SELECT rma_number, status FROM returns_rmas WHERE order_id = ? AND requested_at_ms = ?",
                     {call.orderId(), requestedAt});
        if (rma.empty()) return authorize(call, db, order, requestedAt);
        const std::string number = rma.front().string("rma_number"), status = rma.front().string("status");
        if (status == "received") return sdk::Outcome::proceed();  // /return/received was kept with it
        if (status == "cancelled") return sdk::Outcome::reject("return_cancelled", "RMA " + number + " was cancelled");
        return receive(call, db, order, number);
    }

    sdk::Outcome compensate(sdk::StepCall& call) override {
        sdk::Database db(call);
        sdk::OrderDocument order = call.order();
        const std::int64_t requestedAt = order.optionalInteger("/return/requested_at").value_or(0);
        db.execute(
            "UPDATE returns_rmas SET status = 'cancelled', cancelled_at_ms = ? WHERE order_id = ?"
            " AND requested_at_ms = ? AND status <> 'cancelled'",
            {call.nowMs(), call.orderId(), requestedAt});
        if (order.has("/return/rma")) order.set("/return/rma/status", "cancelled");
        return sdk::Outcome::proceed();
    }

private:
    sdk::Outcome authorize(sdk::StepCall& call, const sdk::Database& db, sdk::OrderDocument& order,
                           std::int64_t requestedAt) const {
        if (std::optional<returns::Refusal> late = windowRefusal(order, requestedAt ? requestedAt : call.nowMs()))
            return refuse(*late);
        std::vector<returns::ReturnLine> lines;
        if (std::optional<returns::Refusal> refusal = returns::readRequest(order, nonReturnable_, lines))
            return refuse(*refusal);
        for (const returns::ReturnLine& line : lines) {
            const std::int64_t before =
                db.query(
                      "SELECT COALESCE(SUM(CASE WHEN r.status = 'received' THEN l.received_quantity ELSE l.quantity "
                      "END), 0)"
                      " AS taken FROM returns_rma_lines l JOIN returns_rmas r ON r.rma_number = l.rma_number"
                      " WHERE r.order_id = ? AND l.order_line = ? AND r.status <> 'cancelled'",
                      {call.orderId(), static_cast<std::int64_t>(line.order_line)})
                    .front()
                    .integer("taken");
            if (line.quantity > line.ordered - before)
                return sdk::Outcome::reject("return_quantity_exceeded",
                                            "line " + std::to_string(line.order_line) + " (SKU " + line.sku +
                                                "): " + std::to_string(line.quantity) + " requested, " +
                                                std::to_string(std::max<std::int64_t>(0, line.ordered - before)) +
                                                " returnable (" + std::to_string(line.ordered) + " delivered, " +
                                                std::to_string(before) + " returned before)");
        }
        const std::string number = takeNumber(db);
        db.execute(
            "INSERT INTO returns_rmas (rma_number, series, number, order_id, requested_at_ms, status,"
            " authorized_at_ms) VALUES (?, ?, ?, ?, ?, 'authorized', ?)",
            {number, series_, numberOf(number), call.orderId(), requestedAt, call.nowMs()});
        std::string json;
        for (std::size_t i = 0; i < lines.size(); ++i) {
            const returns::ReturnLine& l = lines[i];
            db.execute(
                "INSERT INTO returns_rma_lines (rma_number, line_no, order_line, sku, quantity, unit_price_minor,"
                " reason, received_quantity) VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
                {number, static_cast<std::int64_t>(i + 1), static_cast<std::int64_t>(l.order_line), l.sku, l.quantity,
                 l.unit_price, l.reason});
            json += (i ? "," : "") + lineJson(l.sku, l.quantity, l.unit_price, l.reason).str();
        }
        order.setJson("/return/rma", sdk::JsonObject()
                                         .add("number", number)
                                         .addJson("lines", "[" + json + "]")
                                         .add("status", "authorized")
                                         .str());
        call.events().emit("return.authorized", sdk::JsonObject()
                                                    .add("rma_number", number)
                                                    .add("order_id", call.orderId())
                                                    .addJson("lines", "[" + json + "]")
                                                    .str());
        return waitForGoods(number);
    }

    // The goods of the RMA will not come (the signal timed out, or the warehouse received
    // nothing): the RMA is cancelled, so its units are returnable again, and the return ends
    // refused (the host restores the order as it was before it).
    static sdk::Outcome goodsNotReceived(sdk::StepCall& call, const sdk::Database& db, sdk::OrderDocument& order,
                                         const std::string& number, const std::string& why) {
        db.execute("UPDATE returns_rmas SET status = 'cancelled', cancelled_at_ms = ? WHERE rma_number = ?",
                   {call.nowMs(), number});
        order.set("/return/rma/status", "cancelled");
        return sdk::Outcome::reject("return_goods_not_received",
                                    "the goods of RMA " + number + " " + why + "; the RMA is cancelled");
    }

    sdk::Outcome receive(sdk::StepCall& call, const sdk::Database& db, sdk::OrderDocument& order,
                         const std::string& number) const {
        const std::string signal = std::string("/signals/") + kSignal;
        if (!order.has(signal)) return waitForGoods(number);
        if (order.optionalBoolean(signal + "/timed_out").value_or(false))
            return goodsNotReceived(call, db, order, number, "did not arrive in time");
        const std::vector<sdk::Row> rmaLines = db.query(
            "SELECT line_no, sku, quantity, unit_price_minor, reason FROM returns_rma_lines WHERE rma_number = ?"
            " ORDER BY line_no",
            {number});
        std::map<std::string, std::int64_t> authorized;
        for (const sdk::Row& row : rmaLines) authorized[row.string("sku")] += row.integer("quantity");
        std::vector<returns::ReceivedLine> received;
        if (std::optional<returns::Refusal> wrong = returns::readReceived(order, signal, authorized, received)) {
            if (wrong->code == returns::kNothingReceived)  // the warehouse says nothing came: end the return
                return goodsNotReceived(call, db, order, number, "were not received (" + wrong->message + ")");
            return sdk::Outcome::suspend(kSignal, "RMA " + number + ": " + wrong->message + "; send the signal again",
                                         static_cast<std::uint64_t>(goodsTimeoutMs_))
                .withCode(wrong->code);
        }
        std::string json;
        std::map<std::int64_t, std::int64_t> perLine;  // RMA line -> received, filled in line order
        for (const returns::ReceivedLine& got : received) {
            // One received line per RMA line it fills, at that line's price: the same SKU on two
            // order lines may carry two prices (a discounted second line), and the refund without
            // billing is quantity x unit_price of these lines.
            std::int64_t left = got.quantity;
            for (const sdk::Row& row : rmaLines) {
                if (row.string("sku") != got.sku || left == 0) continue;
                const std::int64_t lineNo = row.integer("line_no");
                const std::int64_t take = std::min(row.integer("quantity") - perLine[lineNo], left);
                if (take <= 0) continue;
                perLine[lineNo] += take;
                left -= take;
                json += (json.empty() ? "" : ",") +
                        lineJson(got.sku, take, row.integer("unit_price_minor"), row.string("reason"))
                            .add("condition", got.condition)
                            .str();
            }
        }
        for (const auto& [line, quantity] : perLine)
            db.execute("UPDATE returns_rma_lines SET received_quantity = ? WHERE rma_number = ? AND line_no = ?",
                       {quantity, number, line});
        db.execute("UPDATE returns_rmas SET status = 'received', received_at_ms = ? WHERE rma_number = ?",
                   {call.nowMs(), number});
        order.setJson(
            "/return/received",
            sdk::JsonObject().add("number", number).addJson("lines", "[" + json + "]").add("status", "received").str());
        order.set("/return/rma/status", "received");
        call.events().emit("return.received", sdk::JsonObject()
                                                  .add("rma_number", number)
                                                  .add("order_id", call.orderId())
                                                  .addJson("lines", "[" + json + "]")
                                                  .str());
        return sdk::Outcome::proceed();
    }

    sdk::Outcome waitForGoods(const std::string& number) const {
        return sdk::Outcome::suspend(kSignal, "RMA " + number + " authorized; waiting for the goods",
                                     static_cast<std::uint64_t>(goodsTimeoutMs_))
            .withCode("return_authorized");
    }

    std::optional<returns::Refusal> windowRefusal(const sdk::OrderDocument& order, std::int64_t requestedAt) const {
        if (windowDays_ == 0) return std::nullopt;
        std::optional<std::int64_t> from = returns::timeMs(order, "/shipping/delivered_at");
        if (!from) from = returns::timeMs(order, "/completed_at");
        if (!from)
            return returns::Refusal{
                "return_window_unknown",
                "neither /shipping/delivered_at nor /completed_at is in the order: the return window "
                "cannot be checked"};
        if (requestedAt - *from > windowDays_ * kDayMs)
            return returns::Refusal{"return_window_expired",
                                    "the return was requested " + std::to_string((requestedAt - *from) / kDayMs) +
                                        " days after delivery; the window is " + std::to_string(windowDays_) + " days"};
        return std::nullopt;
    }

    // The next RMA number of the series, taken in the step's transaction (see billing_step.cpp).
    std::string takeNumber(const sdk::Database& db) const {
        db.execute("INSERT INTO returns_series (series, next_number) VALUES (?, 1) ON CONFLICT (series) DO NOTHING",
                   {series_});
        const std::vector<sdk::Row> rows =
            db.query("UPDATE returns_series SET next_number = next_number + 1 WHERE series = ? RETURNING next_number",
                     {series_});
        if (rows.size() != 1)
            throw sdk::Error(OH_STATUS_INTERNAL_ERROR, std::string(), "series row vanished: " + series_);
        std::string digits = std::to_string(rows.front().integer("next_number") - 1);
        if (digits.size() < static_cast<std::size_t>(width_)) digits.insert(0, width_ - digits.size(), '0');
        return series_ + digits;
    }
    std::int64_t numberOf(const std::string& rma) const { return std::stoll(rma.substr(series_.size())); }

    static sdk::JsonObject lineJson(const std::string& sku, std::int64_t quantity, std::int64_t unitPrice,
                                    const std::string& reason) {
        return sdk::JsonObject()
            .add("sku", sku)
            .add("quantity", quantity)
            .add("unit_price", unitPrice)
            .add("reason", reason);
    }

    // Read-only after construction (OH_STEP_THREAD_SAFE).
    std::string series_;
    int width_ = 6;
    std::int64_t windowDays_ = 30;
    std::int64_t goodsTimeoutMs_ = 0;
    std::set<std::string> nonReturnable_;
};

}  // namespace

ORDERHOST_MIGRATIONS("", ORDERHOST_MIGRATION(1, "RMA series, one row per return, one per returned line",
                                             "CREATE TABLE returns_series ("
                                             " series VARCHAR(32) PRIMARY KEY,"
                                             " next_number BIGINT NOT NULL);"
                                             "CREATE TABLE returns_rmas ("
                                             " rma_number VARCHAR(48) PRIMARY KEY,"
                                             " series VARCHAR(32) NOT NULL,"
                                             " number BIGINT NOT NULL,"
                                             " order_id VARCHAR(64) NOT NULL,"
                                             " requested_at_ms BIGINT NOT NULL,"
                                             " status VARCHAR(16) NOT NULL,"
                                             " authorized_at_ms BIGINT NOT NULL,"
                                             " received_at_ms BIGINT,"
                                             " cancelled_at_ms BIGINT,"
                                             " UNIQUE (series, number),"
                                             " UNIQUE (order_id, requested_at_ms));"
                                             "CREATE TABLE returns_rma_lines ("
                                             " rma_number VARCHAR(48) NOT NULL,"
                                             " line_no BIGINT NOT NULL,"
                                             " order_line BIGINT NOT NULL,"
                                             " sku VARCHAR(128) NOT NULL,"
                                             " quantity BIGINT NOT NULL,"
                                             " unit_price_minor BIGINT NOT NULL,"
                                             " reason VARCHAR(1000) NOT NULL,"
                                             " received_quantity BIGINT NOT NULL,"
                                             " PRIMARY KEY (rma_number, line_no))"));

ORDERHOST_PLUGIN(
    "orderhost.returns", "1.0.0", "orderhost", "Return authorisations (RMA) and goods received",
    ORDERHOST_STEP(AuthorizeReturnStep, "authorize-return", OH_CATEGORY_RETURNS,
                   "Checks a return against the rules, issues its RMA and waits for the goods (signal goods_received)",
                   kConfigSchema, OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS));
