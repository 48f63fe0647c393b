// The outbox events a checkpoint carries: one per change of an order's state that subscribers
// care about (order.completed, order.rejected, order.on_hold, order.failed, order.cancelled,
// order.returned, order.compensating, order.in_progress when a cancel/return chain starts).
//
// Payload: {"order_id","order_ref","chain","chain_version","state","previous_state","step",
// "code","message"} — what a subscribing system needs to react without asking back.
//
// Steps add their own events (ABI 1.1, orderhost.events/1), written after the host's.
#pragma once

#include "host/services/CallContext.h"
#include "host/store/OrderStore.h"

#include <vector>

namespace orderhost::engine {

std::vector<store::OutboxEvent> eventsFor(const store::OrderRecord& before, const store::OrderRecord& after,
                                          const store::StepRunRecord& run);

// Appends the events a step emitted through orderhost.events/1 (already validated) to `out`;
// `before` is the order as the step found it (its chain version is the step's).
// The stored payload wraps the plugin's object with what the host knows about its source:
// {"order_id","chain","chain_version","step","plugin_id","data":<the plugin's payload>}.
void appendPluginEvents(std::vector<store::OutboxEvent>& out, const store::OrderRecord& before,
                        const store::StepRunRecord& run, const std::vector<services::EmittedEvent>& emitted);

}  // namespace orderhost::engine
