// Runs an order along its chain, one committed step at a time.
//
// After each step the runner commits, in one store transaction, the order's new state,
// document and position together with the step-run record (OrderStore::recordStep). A step
// whose outcome is RETRY or FAIL leaves the document as it was before the step, so a retry
// starts from the same input. A retry runs again at once when the step has no backoff;
// otherwise the order waits in retry_wait with a durable wake-up time (RetryTimer runs it on).
#pragma once

#include "host/engine/ReadyChain.h"
#include "host/services/CallContext.h"
#include "host/store/OrderStore.h"

namespace orderhost::engine {

// The signal a SUSPEND outcome waits for when the plugin names none.
inline constexpr const char* kDefaultSignal = "resume";

// Signal names: what plugins may put in oh_outcome.signal and the API accepts in a URL.
bool isValidSignalName(const std::string& name);

class ChainRunner {
public:
    ChainRunner(store::OrderStore& store, services::Clock clock);

    // Runs from order.currentStep until the order stops (completed, rejected, on_hold,
    // failed) and returns it as stored. Throws store errors; the order then stays at its
    // last committed step.
    store::OrderRecord run(store::OrderRecord order, const ReadyChain& chain);

    // The key handed to plugins: the same for every attempt of one step of one order.
    static std::string idempotencyKey(const std::string& orderId, const std::string& stepName);

private:
    // Runs one attempt of the current step and commits its result. Returns true when the
    // same step should be attempted again.
    bool runAttempt(store::OrderRecord& order, document::JsonDocument& doc, const ReadyChain& chain,
                    std::uint32_t attempt);

    store::OrderStore& store_;
    services::Clock clock_;
};

}  // namespace orderhost::engine
