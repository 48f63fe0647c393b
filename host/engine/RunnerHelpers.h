// Helpers ChainRunner's source files share (internal to the engine).
#pragma once

#include "host/engine/ReadyChain.h"
#include "host/store/OrderStore.h"

#include <stdexcept>
#include <vector>

namespace orderhost::engine::runner {

inline document::JsonDocument parseStored(const store::OrderRecord& order) {
    auto parsed = document::JsonDocument::parse(order.document);
    if (!parsed.ok()) {
        throw std::runtime_error("order " + order.id + ": stored document unreadable: " + parsed.error->toString());
    }
    return std::move(*parsed.document);
}

// The largest step index below `below` that completed and can be undone; -1 when none.
inline int previousCompensable(int below, const std::vector<int>& completed, const ReadyChain& chain) {
    for (auto it = completed.rbegin(); it != completed.rend(); ++it) {
        if (*it < below && static_cast<std::size_t>(*it) < chain.steps.size() && chain.steps[*it]->canCompensate())
            return *it;
    }
    return -1;
}

}  // namespace orderhost::engine::runner
