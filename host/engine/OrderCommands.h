// What the ERP may ask about an order it already placed: cancel it, or return it.
//
// Cancel (allowed while the order waits — on_hold, retry_wait — or once completed): the
// completed steps of its chain are undone in reverse order (compensation, durable like any
// other), then the latest chain with trigger cancel_order runs (notify the customer, refund
// ...), and the order ends cancelled. Without a cancel chain it ends cancelled right after
// the undo. A running order (received, in_progress, compensating) is refused: it stops soon,
// the ERP asks again. The reason goes into the document at /cancellation. A chain that declares
// cancellable_until: <step> refuses the cancel once that step completed (NotAllowed: return it;
// the message names that step and the step the order is at, with plugin and step kind).
//
// Return (allowed once completed): the latest chain with trigger return_order runs on the
// order, whose document gets the request at /return (and /completed_at, the completion time,
// at its first return); it ends returned. Several partial returns: a request with a new
// "return_ref" starts the return chain again on an order that ended returned, or whose last
// return was refused (rejected); the previous /return moves to the end of /returns. The same
// return_ref (or none, twice) is the same request.
//
// Both are idempotent for the ERP: asking again for an order already being cancelled (or
// returned), or done, answers with the order as it is instead of an error.
#pragma once

#include "host/engine/ChainRunner.h"

namespace orderhost::engine {

struct CommandResult {
    enum class Kind {
        Accepted,     // `order` is the order after its chains ran on
        AlreadyDone,  // asked before: `order` is as it is
        UnknownOrder,
        NotAllowed,      // not in a state that allows it; `message` says which
        InvalidPayload,  // not a JSON object / wrong member types
        NoChain,         // the chain needed is not loaded on this host
    };
    Kind kind = Kind::UnknownOrder;
    store::OrderRecord order;
    std::string message;
};

class OrderCommands {
public:
    explicit OrderCommands(Engine& engine);

    // body: {} or {"reason": "..."} (or empty).
    CommandResult cancel(const std::string& orderId, const std::string& bodyJson);
    // body: a JSON object describing the return (lines, reason...), stored at /return.
    CommandResult requestReturn(const std::string& orderId, const std::string& bodyJson);

private:
    // One try of each command; a write that lost the race to another request (StaleOrderError)
    // makes the public command decide again on the order as it is now.
    CommandResult cancelOnce(const std::string& orderId, const std::string& bodyJson);
    CommandResult requestReturnOnce(const std::string& orderId, const std::string& bodyJson);
    // The chain's cancellable_until step (named by stepNamed) when the order completed it (and
    // it was not undone since): the cancel is refused. Empty when the order may still be cancelled.
    std::string passedPointOfNoReturn(const store::OrderRecord& order, const ReadyChain& chain);
    // "'ship' (orderhost.shipping book-shipment)": a step as the ERP's messages name it.
    static std::string stepNamed(const chains::StepDefinition& step);
    // Where the order is on `chain`, for the refusal: "is on_hold at step 'deliver' (...)".
    static std::string reachedStep(const store::OrderRecord& order, const ReadyChain& chain);
    // Commits `updated` (now leased to this host) from `order`'s state, then runs it on.
    CommandResult start(const store::OrderRecord& order, store::OrderRecord updated, const std::string& command,
                        const std::string& message);

    // Writes the return request into the order's document; false when it cannot.
    bool startReturnDocument(document::JsonDocument& doc, const store::OrderRecord& order,
                             const document::JsonDocument& body) const;

    Engine& engine_;
    ChainRunner runner_;
};

}  // namespace orderhost::engine
