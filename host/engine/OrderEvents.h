// The outbox events a checkpoint carries: one per change of an order's state that subscribers
// care about (order.completed, order.rejected, order.on_hold, order.failed, order.cancelled,
// order.returned, order.compensating, order.in_progress when a cancel/return chain starts).
//
// Payload: {"order_id","order_ref","chain","chain_version","state","previous_state","step",
// "code","message"} — what a subscribing system needs to react without asking back.
#pragma once

#include "host/store/OrderStore.h"

#include <vector>

namespace orderhost::engine {

std::vector<store::OutboxEvent> eventsFor(const store::OrderRecord& before, const store::OrderRecord& after,
                                          const store::StepRunRecord& run);

}  // namespace orderhost::engine
