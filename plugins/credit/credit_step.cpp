// orderhost.credit — credit verification against the customer's limit.
//
// Exposure is the order's net total (/totals/net, written by the validation step) plus the
// customer's open balance when the ERP sends one (/customer/open_balance). Over the limit the
// order is held (SUSPEND) until someone sends the "credit_approval" signal; the host then runs
// this step again with the payload at /signals/credit_approval: {"approved": true} continues,
// {"approved": false, "note": "..."} rejects; {"timed_out": true} (the host's re-run after
// on_signal_timeout: rerun) rejects with credit_approval_timeout. Within the limit the step records /credit and
// the chain goes on. Limits are read once from the config: a
// customer's own entry in "limits", else "default_limit", else 0 (no credit without a limit:
// the safe default for an ERP, since an unconfigured limit must not mean unlimited credit).
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
    "limits": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
  }
})";

std::int64_t nonNegativeLimit(const sdk::Document& config, const std::string& path,
                              const std::string& field) {
  std::optional<std::int64_t> limit;
  try {
    limit = config.optionalInteger(path);
  } catch (const sdk::Error&) {
    throw sdk::ConfigError(field, "must be a non-negative integer (minor units)");
  }
  if (limit.value_or(0) < 0)
    throw sdk::ConfigError(field, "must be a non-negative integer (minor units)");
  return limit.value_or(0);
}

class CreditStep : public sdk::Step {
 public:
  explicit CreditStep(sdk::CreateContext& ctx) {
    sdk::Document config = ctx.config();
    default_limit_ = nonNegativeLimit(config, "/default_limit", "default_limit");
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
    if (!customer)
      return sdk::Outcome::fail("customer_missing", "/customer/id is missing");
    std::int64_t exposure = 0;
    if (__builtin_add_overflow(*net, order.optionalInteger("/customer/open_balance").value_or(0),
                               &exposure))
      return sdk::Outcome::fail("amount_overflow", "exposure exceeds the int64 range");
    std::int64_t limit = limitOf(*customer);
    // Recorded in both cases: whoever approves a held order needs the same figures.
    order.setJson("/credit", sdk::JsonObject()
                                 .add("limit", limit)
                                 .add("exposure", exposure)
                                 .add("checked_at", call.nowMs())
                                 .str());
    if (exposure <= limit) return sdk::Outcome::proceed();
    // Held before: the host ran this step again because the approval signal arrived.
    if (order.has("/signals/credit_approval")) return decide(order);
    return sdk::Outcome::suspend("credit_approval",
                                 "exposure " + std::to_string(exposure) + " exceeds the credit limit " +
                                     std::to_string(limit) + " of customer " + *customer)
        .withCode("credit_limit_exceeded");
  }

 private:
  // The credit controller's answer: {"approved": true|false, "by": "...", "note": "..."}.
  static sdk::Outcome decide(sdk::OrderDocument& order) {
    // The host re-ran the step after the signal timed out (on_signal_timeout: rerun).
    if (order.optionalBoolean("/signals/credit_approval/timed_out").value_or(false)) {
      return sdk::Outcome::reject("credit_approval_timeout", "no credit decision arrived in time");
    }
    const std::optional<bool> approved = order.optionalBoolean("/signals/credit_approval/approved");
    if (!approved) {
      return sdk::Outcome::reject("credit_approval_invalid",
                                  "the credit_approval signal needs \"approved\": true or false");
    }
    if (!*approved) {
      const std::string note = order.optionalString("/signals/credit_approval/note").value_or("");
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
};

}  // namespace

ORDERHOST_PLUGIN("orderhost.credit", "1.0.0", "orderhost", "Credit limit verification",
    ORDERHOST_STEP(CreditStep, "check-credit", OH_CATEGORY_CREDIT,
                   "Holds orders whose exposure exceeds the customer's credit limit",
                   kConfigSchema, OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS));
