// com.example.order-tagging — a minimal orderhost step plugin to copy and adapt.
//
// Step kind "order-tagging": adds a tag to the order's /attributes/tags array, and rejects
// orders that carry the tag named by "reject_if_tagged". It shows the whole SDK surface a
// step needs: reading and refusing config, reading and writing the order, logging, outcomes.
// Its test is tests/order_tagging_step_test.cpp (run it with ctest).
#include <orderhost/sdk.hpp>

#include <string>

namespace sdk = orderhost::sdk;

namespace {

class OrderTaggingStep : public sdk::Step {
 public:
  // Runs once per chain step. Read the config here (run() may be called on many threads at
  // once, so it must only read members). Throw ConfigError to refuse the configuration.
  explicit OrderTaggingStep(sdk::CreateContext& ctx)
      : tag_(ctx.config().optionalString("/tag").value_or("reviewed")),
        reject_if_tagged_(ctx.config().optionalString("/reject_if_tagged").value_or("")) {
    if (tag_.empty()) throw sdk::ConfigError("tag", "must not be empty");
  }

  // Runs for each order. Return an outcome; exceptions become a FAIL with their message.
  sdk::Outcome run(sdk::StepCall& call) override {
    sdk::OrderDocument order = call.order();
    std::size_t count = order.has("/attributes/tags") ? order.size("/attributes/tags") : 0;
    for (std::size_t i = 0; i < count; ++i) {
      std::string existing = order.string(sdk::path("attributes", "tags", i));
      if (!reject_if_tagged_.empty() && existing == reject_if_tagged_)
        return sdk::Outcome::reject("tagged_" + existing,
                                    "the order is tagged \"" + existing + "\"");
      if (existing == tag_) return sdk::Outcome::proceed();  // already tagged: a retry
    }
    order.set("/attributes/tags/-", tag_);
    call.log().info("tagged order ", call.orderId(), " as ", tag_);
    return sdk::Outcome::proceed();
  }

 private:
  std::string tag_;
  std::string reject_if_tagged_;
};

}  // namespace

// The plugin's identity and its step kinds. Use a reverse-DNS id you own. If the plugin gets
// tables (orderhost.db/1 and ORDERHOST_MIGRATIONS), prefix them with the id minus its first
// label: example_order_tagging_ (see "Naming your tables" in the plugin author guide).
ORDERHOST_PLUGIN("com.example.order-tagging", "1.0.0", "Example Corp", "Tags orders",
                 ORDERHOST_STEP(OrderTaggingStep, "order-tagging", OH_CATEGORY_OTHER,
                                "Adds a tag to /attributes/tags",
                                R"({"type":"object","properties":{"tag":{"type":"string"},
                       "reject_if_tagged":{"type":"string"}}})",
                                OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS));
