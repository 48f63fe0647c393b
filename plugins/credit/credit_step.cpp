// orderhost.credit — credit verification against the customer's limit.
//
// Exposure (config "exposure": "tracked", the default) is what the customer owes or will owe:
//   open receivables   billing_accounts.open_minor of the customer in the order's currency
//                      (written by orderhost.billing; "receivables": "none" leaves it out)
// + accepted orders    credit_exposures rows of the customer in state "open": what of their
//                      amount is not invoiced yet (amount_minor - invoiced_minor)
// + /customer/open_balance when the ERP sends one
// + this order's net total (/totals/net, written by the validation step).
// With "exposure": "order" only the last two count (the 1.0 behaviour, no tables used).
// Money of one currency only: the receivables and accepted orders counted are those in the
// order's currency. A customer who also owes (or has accepted orders) in another currency is
// held for credit_approval (code credit_currency_mixed): without a rate the sums cannot be
// added, and counting only one currency let a customer order past the limit in a second one.
// With config "currency" the limits are in that currency, and an order in another one is held
// the same way (credit_currency_mismatch).
//
// Within the limit the order is recorded in credit_exposures and the chain goes on. Over the
// limit the order is held (SUSPEND) until someone sends the "credit_approval" signal; the host
// then runs this step again with the payload at /signals/credit_approval: {"approved": true}
// continues (and records the exposure), {"approved": false, "note": "..."} rejects;
// {"timed_out": true} (the host's re-run after on_signal_timeout: rerun) rejects with
// credit_approval_timeout. A held order counts in nobody's exposure.
//
// Concurrent orders of one customer cannot both slip under the limit: before reading the
// exposure the step updates the customer's credit_limits row in the step's transaction. On
// PostgreSQL that row lock makes a second order of the customer wait until the first one's
// step committed (it then sees the first one's exposure row; READ COMMITTED reads each
// statement's snapshot). On SQLite the step transaction holds the database's write lock from
// its start. (An UPDATE rather than SELECT ... FOR UPDATE: the same lock, and SQLite parses it.)
//
// Limits: credit_limits.limit_minor when the ERP or an administrator set it, else the
// customer's entry in the config's "limits", else "default_limit", else 0 (no credit without a
// limit: an unconfigured limit must not mean unlimited credit).
// compensate(): releases the order's exposure (state "released"); repeating it changes nothing.
//
// A row's life: "open" (accepted) → "invoiced" (orderhost.billing invoiced all of it, in the
// invoice's transaction; per shipment it adds to invoiced_minor until the last one) or "paid"
// (orderhost.payment captured before all of it was invoiced) → "released" (undone: rejected
// by a later step, failed, cancelled). Only "open" rows count; an invoiced amount counts
// through the receivables from the same commit on. Rows that billing of an older version
// invoiced without closing them (invoiced_minor 0 and an invoice) are not counted either.
#include <orderhost/sdk.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

namespace sdk = orderhost::sdk;

namespace {

constexpr char kConfigSchema[] = R"({
  "type": "object",
  "properties": {
    "default_limit": {"type": "integer", "minimum": 0, "default": 0},
    "limits": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
    "exposure": {"enum": ["tracked", "order"], "default": "tracked"},
    "receivables": {"enum": ["billing", "none"], "default": "billing"},
    "currency": {"type": "string", "description": "ISO 4217 code the limits are in; default: the order's"}
  }
})";

std::int64_t nonNegativeLimit(const sdk::Document& config, const std::string& path, const std::string& field) {
    std::optional<std::int64_t> limit;
    try {
        limit = config.optionalInteger(path);
    } catch (const sdk::Error&) {
        throw sdk::ConfigError(field, "must be a non-negative integer (minor units)");
    }
    if (limit.value_or(0) < 0) throw sdk::ConfigError(field, "must be a non-negative integer (minor units)");
    return limit.value_or(0);
}

std::string oneOf(const sdk::Document& config, const char* field, const char* first, const char* second) {
    std::optional<std::string> value;
    try {
        value = config.optionalString(std::string("/") + field);
    } catch (const sdk::Error&) {
        value = "";
    }
    if (value && *value != first && *value != second)
        throw sdk::ConfigError(field, std::string("must be \"") + first + "\" or \"" + second + "\"");
    return value.value_or(first);
}

// What the customer already owes or has been granted, read under the customer's lock.
struct Exposure {
    std::int64_t limit = 0;
    std::int64_t receivables = 0;
    std::int64_t unbilled = 0;
    // Owed (receivables) or accepted and not invoiced in currencies other than the order's: minor
    // units of different currencies, which no sum may add to this order's without a rate.
    std::int64_t elsewhere = 0;
};

class CreditStep : public sdk::Step {
public:
    explicit CreditStep(sdk::CreateContext& ctx) {
        sdk::Document config = ctx.config();
        default_limit_ = nonNegativeLimit(config, "/default_limit", "default_limit");
        tracked_ = oneOf(config, "exposure", "tracked", "order") == "tracked";
        from_billing_ = oneOf(config, "receivables", "billing", "none") == "billing";
        limit_currency_ = config.optionalString("/currency").value_or("");
        if (config.has("/currency") && !sdk::isIsoCurrency(limit_currency_))
            throw sdk::ConfigError("currency", "must be an ISO 4217 currency code such as \"EUR\"");
        if (!config.has("/limits")) return;
        if (config.type("/limits") != sdk::JsonType::object)
            throw sdk::ConfigError("limits", "must be an object mapping customer id to a limit");
        for (const std::string& customer : config.keys("/limits"))
            limits_[customer] = nonNegativeLimit(config, sdk::path("limits", customer), "limits." + customer);
    }

    sdk::Outcome run(sdk::StepCall& call) override {
        sdk::OrderDocument order = call.order();
        std::optional<std::int64_t> net = order.optionalInteger("/totals/net");
        if (!net)
            return sdk::Outcome::fail("totals_missing",
                                      "/totals/net is missing: run the validation step before check-credit");
        std::optional<std::string> customer = order.optionalString("/customer/id");
        if (!customer) return sdk::Outcome::fail("customer_missing", "/customer/id is missing");
        const std::string orderId(call.orderId());
        Exposure known{limitOf(*customer), 0, 0};
        if (tracked_) {
            sdk::Database db(call);
            // A quote only reads: no lock row taken, nothing recorded, so a quote never makes a
            // placement of the same customer wait (and does not rely on the host's rollback).
            const bool quoting = call.quoting();
            if (!quoting && isRecorded(db, orderId)) return sdk::Outcome::proceed();  // accepted by an earlier run
            known = read(db, call, *customer, order.optionalString("/currency").value_or(""), orderId, !quoting);
        }
        const std::string currency = order.optionalString("/currency").value_or("");
        // Limits and exposures are money of one currency: an order in another one, or a customer
        // who owes in another one, cannot be compared or added up without a rate. A person
        // decides (the same signal as over the limit); before, a customer could order past the
        // limit in a second currency (found by a black-box probe).
        std::optional<sdk::Outcome> currencyHold;
        if (!limit_currency_.empty() && currency != limit_currency_)
            currencyHold = sdk::Outcome::suspend("credit_approval", "customer " + *customer + "'s credit limit is in " +
                                                                        limit_currency_ + ", the order in " + currency +
                                                                        ": no rate to compare them")
                               .withCode("credit_currency_mismatch");
        else if (known.elsewhere > 0)
            currencyHold =
                sdk::Outcome::suspend("credit_approval",
                                      "customer " + *customer + " owes or has ordered " +
                                          std::to_string(known.elsewhere) + " minor units in other currencies than " +
                                          currency + ", which cannot be added to this order's exposure without a rate")
                    .withCode("credit_currency_mixed");
        std::int64_t exposure = 0;
        if (__builtin_add_overflow(*net, order.optionalInteger("/customer/open_balance").value_or(0), &exposure) ||
            __builtin_add_overflow(exposure, known.receivables, &exposure) ||
            __builtin_add_overflow(exposure, known.unbilled, &exposure))
            return sdk::Outcome::fail("amount_overflow", "exposure exceeds the int64 range");
        // Recorded in both cases: whoever approves a held order needs the same figures.
        order.setJson("/credit", sdk::JsonObject()
                                     .add("limit", known.limit)
                                     .add("exposure", exposure)
                                     .add("open_receivables", known.receivables)
                                     .add("unbilled_orders", known.unbilled)
                                     .add("other_currencies", known.elsewhere)
                                     .add("checked_at", call.nowMs())
                                     .str());
        if (exposure <= known.limit && !currencyHold) return accept(call, *customer, *net);
        // Held before: the host ran this step again because the approval signal arrived.
        if (order.has("/signals/credit_approval")) {
            sdk::Outcome decision = decide(order);
            return decision.kind() == OH_OUTCOME_CONTINUE ? accept(call, *customer, *net) : decision;
        }
        if (currencyHold) return *currencyHold;
        return sdk::Outcome::suspend("credit_approval", "exposure " + std::to_string(exposure) +
                                                            " exceeds the credit limit " + std::to_string(known.limit) +
                                                            " of customer " + *customer)
            .withCode("credit_limit_exceeded");
    }

    sdk::Outcome compensate(sdk::StepCall& call) override {
        if (!tracked_) return sdk::Outcome::proceed();
        sdk::Database db(call);
        if (db.execute("UPDATE credit_exposures SET state = 'released', released_at_ms = ?"
                       " WHERE order_id = ? AND state <> 'released'",
                       {call.nowMs(), std::string(call.orderId())}) > 0)
            call.order().set("/credit/status", "released");
        return sdk::Outcome::proceed();
    }

private:
    static bool isRecorded(const sdk::Database& db, const std::string& orderId) {
        return !db.query("SELECT state FROM credit_exposures WHERE order_id = ? AND state <> 'released'", {orderId})
                    .empty();
    }

    // With `lock`, takes the customer's lock row first (so two orders of one customer are checked
    // one after the other); then reads the limit and what counts against it.
    Exposure read(const sdk::Database& db, const sdk::StepCall& call, const std::string& customer,
                  const std::string& currency, const std::string& orderId, bool lock) const {
        std::vector<sdk::Row> locked;
        if (lock) {
            // The row exists after a customer's first order: one statement then. The first order
            // creates it (ON CONFLICT: two first orders at once) and locks it with the UPDATE.
            const char* const take =
                "UPDATE credit_limits SET checked_at_ms = ? WHERE customer_id = ? RETURNING limit_minor";
            locked = db.query(take, {call.nowMs(), customer});
            if (locked.empty()) {
                db.execute(
                    "INSERT INTO credit_limits (customer_id, limit_minor, checked_at_ms) VALUES (?, NULL, 0)"
                    " ON CONFLICT (customer_id) DO NOTHING",
                    {customer});
                locked = db.query(take, {call.nowMs(), customer});
            }
        } else {
            locked = db.query("SELECT limit_minor FROM credit_limits WHERE customer_id = ?", {customer});
        }
        Exposure known;
        known.limit = !locked.empty() && !locked.front().isNull("limit_minor") ? locked.front().integer("limit_minor")
                                                                               : limitOf(customer);
        if (!from_billing_) {
            const sdk::Row row =
                db.query(
                      "SELECT COALESCE(SUM(CASE WHEN currency = ? THEN amount_minor - invoiced_minor ELSE 0 END), 0)"
                      " AS unbilled, COALESCE(SUM(CASE WHEN currency <> ? THEN amount_minor - invoiced_minor ELSE 0"
                      " END), 0) AS elsewhere FROM credit_exposures WHERE customer_id = ? AND state = 'open'"
                      " AND order_id <> ?",
                      {currency, currency, customer, orderId})
                    .front();
            known.unbilled = row.integer("unbilled");
            known.elsewhere = row.integer("elsewhere");
            return known;
        }
        try {
            // ONE statement, so one snapshot: billing moves an order from "not yet invoiced" to the
            // receivables in one commit, and two statements could see neither side (PostgreSQL's
            // READ COMMITTED takes a snapshot per statement).
            const sdk::Row row =
                db.query(
                      "SELECT (SELECT COALESCE(SUM(open_minor), 0) FROM billing_accounts"
                      " WHERE customer_id = ? AND currency = ?) AS open,"
                      " (SELECT COALESCE(SUM(CASE WHEN open_minor > 0 THEN open_minor ELSE 0 END), 0)"
                      " FROM billing_accounts WHERE customer_id = ? AND currency <> ?) AS open_elsewhere,"
                      " (SELECT COALESCE(SUM(CASE WHEN e.currency = ? THEN e.amount_minor - e.invoiced_minor ELSE 0"
                      " END), 0) FROM credit_exposures e"
                      " WHERE e.customer_id = ? AND e.state = 'open' AND e.order_id <> ? AND (e.invoiced_minor > 0"
                      " OR NOT EXISTS (SELECT 1 FROM billing_invoices i WHERE i.order_id = e.order_id))) AS unbilled,"
                      " (SELECT COALESCE(SUM(CASE WHEN e.currency <> ? THEN e.amount_minor - e.invoiced_minor ELSE 0"
                      " END), 0) FROM credit_exposures e"
                      " WHERE e.customer_id = ? AND e.state = 'open' AND e.order_id <> ? AND (e.invoiced_minor > 0"
                      " OR NOT EXISTS (SELECT 1 FROM billing_invoices i WHERE i.order_id = e.order_id)))"
                      " AS unbilled_elsewhere",
                      {customer, currency, customer, currency, currency, customer, orderId, currency, customer,
                       orderId})
                    .front();
            known.receivables = row.integer("open");
            known.unbilled = row.integer("unbilled");
            if (__builtin_add_overflow(row.integer("open_elsewhere"), row.integer("unbilled_elsewhere"),
                                       &known.elsewhere))
                known.elsewhere = INT64_MAX;  // still "something elsewhere": the order is held
        } catch (const sdk::DatabaseError& e) {
            throw sdk::DatabaseError(e.status(),
                                     std::string(e.what()) +
                                         " (config receivables is \"billing\": is orderhost.billing installed?"
                                         " Without it, set receivables: none)");
        }
        return known;
    }

    // The order counts in the customer's exposure from now on (until invoiced or released).
    sdk::Outcome accept(sdk::StepCall& call, const std::string& customer, std::int64_t net) const {
        if (tracked_ && call.quoting()) {
            call.order().set("/credit/status", "accepted");  // what a placement would record
        } else if (tracked_) {
            sdk::Database db(call);
            const std::string orderId(call.orderId());
            // A released row (the order was undone and is placed again) becomes a new open one;
            // an open or closed one (an earlier run's, kept) stays as it is. One statement.
            db.execute(
                "INSERT INTO credit_exposures (order_id, customer_id, currency, amount_minor, state, created_at_ms)"
                " VALUES (?, ?, ?, ?, 'open', ?) ON CONFLICT (order_id) DO UPDATE SET"
                " customer_id = excluded.customer_id, currency = excluded.currency,"
                " amount_minor = excluded.amount_minor, state = 'open', created_at_ms = excluded.created_at_ms,"
                " released_at_ms = NULL, invoiced_minor = 0, closed_at_ms = NULL"
                " WHERE credit_exposures.state = 'released'",
                {orderId, customer, call.order().optionalString("/currency").value_or(""), net, call.nowMs()});
            call.order().set("/credit/status", "accepted");
        }
        return sdk::Outcome::proceed();
    }

    // The credit controller's answer: {"approved": true|false, "by": "...", "note": "..."}.
    static sdk::Outcome decide(sdk::OrderDocument& order) {
        // The host re-ran the step after the signal timed out (on_signal_timeout: rerun).
        if (order.optionalBoolean("/signals/credit_approval/timed_out").value_or(false)) {
            return sdk::Outcome::reject("credit_approval_timeout", "no credit decision arrived in time");
        }
        // Read only when it is a boolean: optionalBoolean throws on another type ("yes"), and the
        // step then failed with plugin_error instead of rejecting the order as documented.
        const std::optional<std::string> given = order.optionalJson("/signals/credit_approval/approved");
        const std::optional<bool> approved = given && sdk::jsonTypeOf(*given) == sdk::JsonType::boolean
                                                 ? std::optional<bool>(*given == "true")
                                                 : std::nullopt;
        if (!approved) {
            return sdk::Outcome::reject("credit_approval_invalid",
                                        "the credit_approval signal needs \"approved\": true or false");
        }
        if (!*approved) {
            const std::optional<std::string> noted = order.optionalJson("/signals/credit_approval/note");
            const std::string note = noted && sdk::jsonTypeOf(*noted) == sdk::JsonType::string
                                         ? order.optionalString("/signals/credit_approval/note").value_or("")
                                         : "";
            return sdk::Outcome::reject("credit_refused", "credit refused" + (note.empty() ? "" : ": " + note));
        }
        return sdk::Outcome::proceed();
    }

    std::int64_t limitOf(const std::string& customer) const {
        auto found = limits_.find(customer);
        return found != limits_.end() ? found->second : default_limit_;
    }

    // Read-only after construction (OH_STEP_THREAD_SAFE).
    std::int64_t default_limit_ = 0;
    std::unordered_map<std::string, std::int64_t> limits_;
    bool tracked_ = true;
    bool from_billing_ = true;
    std::string limit_currency_;  // config "currency"; empty: a limit is in the order's currency
};

}  // namespace

ORDERHOST_MIGRATIONS(
    "",
    ORDERHOST_MIGRATION(1, "credit_limits (per-customer limit and lock row) and credit_exposures",
                        "CREATE TABLE credit_limits ("
                        " customer_id VARCHAR(128) PRIMARY KEY,"
                        " limit_minor BIGINT,"
                        " checked_at_ms BIGINT NOT NULL);"
                        "CREATE TABLE credit_exposures ("
                        " order_id VARCHAR(64) PRIMARY KEY,"
                        " customer_id VARCHAR(128) NOT NULL,"
                        " currency VARCHAR(3) NOT NULL,"
                        " amount_minor BIGINT NOT NULL,"
                        " state VARCHAR(16) NOT NULL,"
                        " created_at_ms BIGINT NOT NULL,"
                        " released_at_ms BIGINT);"
                        "CREATE INDEX credit_exposures_customer ON credit_exposures (customer_id, state)"),
    ORDERHOST_MIGRATION(2, "credit_exposures close when invoiced or paid: invoiced_minor, closed_at_ms",
                        "ALTER TABLE credit_exposures ADD COLUMN invoiced_minor BIGINT NOT NULL DEFAULT 0;"
                        "ALTER TABLE credit_exposures ADD COLUMN closed_at_ms BIGINT"));

ORDERHOST_PLUGIN("orderhost.credit", "1.1.0", "orderhost", "Credit limit verification",
                 ORDERHOST_STEP(CreditStep, "check-credit", OH_CATEGORY_CREDIT,
                                "Holds orders whose exposure exceeds the customer's credit limit", kConfigSchema,
                                OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS | OH_STEP_ANSWERS_QUOTES));
