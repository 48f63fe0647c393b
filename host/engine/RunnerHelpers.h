// Helpers ChainRunner's source files share (internal to the engine).
#pragma once

#include "host/engine/ReadyChain.h"
#include "host/store/OrderStore.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace orderhost::engine::runner {

inline document::JsonDocument parseStored(const store::OrderRecord& order) {
    auto parsed = document::JsonDocument::parse(order.document);
    if (!parsed.ok()) {
        throw std::runtime_error("order " + order.id + ": stored document unreadable: " + parsed.error->toString());
    }
    return std::move(*parsed.document);
}

// The largest step index below `below` whose effects are in place (OrderStore::stepsWithEffects)
// and can be undone; -1 when none.
inline int previousCompensable(int below, const std::vector<int>& withEffects, const ReadyChain& chain) {
    for (auto it = withEffects.rbegin(); it != withEffects.rend(); ++it) {
        if (*it < below && static_cast<std::size_t>(*it) < chain.steps.size() && chain.steps[*it]->canCompensate())
            return *it;
    }
    return -1;
}

// Where an undo that starts at step `index` (the step the order waits, failed or was refused at)
// sets current_step: compensation undoes the steps below it. A step that suspended before (it
// booked a shipment, opened work orders, then waited for a signal) has effects although it
// never completed, so it is undone too: current_step one past it. Persisted with the
// compensating state, so a host killed during that undo runs it again after the restart.
inline int compensationStart(store::OrderStore& store, const std::string& orderId, const std::string& chain,
                             int index) {
    return store.suspendedInCurrentPass(orderId, chain, index) ? index + 1 : index;
}

}  // namespace orderhost::engine::runner
