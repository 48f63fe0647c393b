// Resuming a held order with the signal it waits for (manual credit approval, a payment
// callback, a work order completed...).
//
// A step that SUSPENDs leaves the order on_hold at that same step, waiting for one named
// signal. Delivering it commits, in one transaction, the payload into the order document at
// /signals/<name>, the move back to in_progress and a step-run record of the signal; then the
// suspended step runs again and sees the payload (the credit step, for instance, continues on
// {"approved": true} and rejects on {"approved": false}). Delivery is safe under races: of two
// deliveries at once, one resumes the order and the other finds it no longer waiting.
//
// "manual_action" answers an order held by a step's on_failure: hold (or a compensation that
// failed): {"action": "retry" | "skip" | "compensate" | "fail", "note": "..."}; retry when
// no action is given.
#pragma once

#include "host/engine/ChainRunner.h"
#include "host/engine/ReadyChain.h"
#include "host/store/OrderStore.h"

#include <string>

namespace orderhost::engine {

struct SignalResult {
    enum class Kind {
        Resumed,  // `order` is the order after its chain ran on
        UnknownOrder,
        NotWaiting,      // running, or on_hold for another signal: it may wait for this one later
        Finished,        // runs no chain and waits for nothing (completed, rejected, failed,
                         // cancelled, returned): no step can take this signal now; only a
                         // return or cancel chain started later could
        InvalidPayload,  // not a JSON object; `message` says why
        NoChain,         // the order's chain version is not loaded on this host
    };
    Kind kind = Kind::UnknownOrder;
    store::OrderRecord order;
    std::string message;
};

class OrderSignals {
public:
    explicit OrderSignals(Engine& engine);

    // `payloadJson` is a JSON object, or empty for {}.
    SignalResult deliver(const std::string& orderId, const std::string& signal, const std::string& payloadJson);

private:
    SignalResult manualAction(store::OrderRecord order, const document::JsonDocument& payload);
    void giveUpClaim(const std::string& orderId, std::int64_t epoch) noexcept;

    Engine& engine_;
    ChainRunner runner_;
};

}  // namespace orderhost::engine
