// orderhost.noop — a step that continues at once. It measures the cost of the plugin boundary
// itself (benchmarks) and fills chains in host tests without any business logic.
#include <orderhost/sdk.hpp>

namespace sdk = orderhost::sdk;

namespace {

class NoopStep : public sdk::Step {
public:
    sdk::Outcome run(sdk::StepCall&) override { return sdk::Outcome::proceed(); }
};

}  // namespace

ORDERHOST_PLUGIN("orderhost.noop", "1.0.0", "orderhost", "Does nothing (benchmarks and tests)",
                 ORDERHOST_STEP(NoopStep, "noop", OH_CATEGORY_OTHER, "Continues at once without touching the order",
                                R"({"type":"object"})", OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS));
