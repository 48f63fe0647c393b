// com.acme.minimum-order — rejects orders whose net total is below a configured minimum.
//
// Step kind "minimum-order", config {"minimum_minor": 5000} (money in minor units: 50.00).
// It reads /totals/net (written by orderhost.validation, which runs before it), records the
// check in its own table acme_minimum_order_checks through orderhost.db (in the step's
// transaction: the row exists exactly when the host kept the step's result), writes
// /minimum_order into the order, and REJECTs with code "below_minimum" or CONTINUEs.
#include <orderhost/sdk.hpp>

#include <cstdint>
#include <string>

namespace sdk = orderhost::sdk;

namespace {

class MinimumOrderStep : public sdk::Step {
public:
    explicit MinimumOrderStep(sdk::CreateContext& ctx)
        : minimum_(ctx.config().optionalInteger("/minimum_minor").value_or(0)) {
        if (minimum_ < 0) throw sdk::ConfigError("minimum_minor", "must be zero or more (minor units)");
    }

    sdk::Outcome run(sdk::StepCall& call) override {
        sdk::OrderDocument order = call.order();
        if (!order.has("/totals/net"))
            return sdk::Outcome::fail("totals_missing", "no /totals/net: run orderhost.validation before this step");
        const std::int64_t net = order.integer("/totals/net");
        const bool passed = net >= minimum_;

        // One row per order; a retried attempt updates it instead of failing on the key.
        sdk::Database db(call);
        db.execute("INSERT INTO acme_minimum_order_checks (order_id, net_minor, minimum_minor, passed, checked_at)"
                   " VALUES (?, ?, ?, ?, ?) ON CONFLICT (order_id) DO UPDATE SET net_minor = excluded.net_minor,"
                   " minimum_minor = excluded.minimum_minor, passed = excluded.passed, checked_at = excluded.checked_at",
                   {std::string(call.orderId()), net, minimum_, passed ? 1 : 0, call.nowMs()});

        order.setJson("/minimum_order", sdk::JsonObject().add("minimum_minor", minimum_).add("passed", passed).str());
        if (!passed)
            return sdk::Outcome::reject("below_minimum", "the net total " + std::to_string(net) +
                                                             " is below the minimum order value " +
                                                             std::to_string(minimum_));
        return sdk::Outcome::proceed();
    }

private:
    std::int64_t minimum_;  // read-only after construction (OH_STEP_THREAD_SAFE)
};

}  // namespace

// Tables are prefixed with the plugin id minus its first label: com.acme.minimum-order -> acme_minimum_order_.
ORDERHOST_MIGRATIONS("",
    ORDERHOST_MIGRATION(1, "acme_minimum_order_checks",
                        "CREATE TABLE acme_minimum_order_checks ("
                        " order_id VARCHAR(64) PRIMARY KEY,"
                        " net_minor BIGINT NOT NULL,"
                        " minimum_minor BIGINT NOT NULL,"
                        " passed SMALLINT NOT NULL,"
                        " checked_at BIGINT NOT NULL)"));

ORDERHOST_PLUGIN("com.acme.minimum-order", "1.0.0", "ACME", "Minimum order value",
    ORDERHOST_STEP(MinimumOrderStep, "minimum-order", OH_CATEGORY_VALIDATION,
                   "Rejects orders whose net total is below minimum_minor",
                   R"({"type":"object","properties":{"minimum_minor":{"type":"integer","minimum":0}}})",
                   OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS));
