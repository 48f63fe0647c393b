#include "host/engine/OrderRecovery.h"

#include "host/engine/OrderState.h"

#include <spdlog/spdlog.h>

#include <set>

namespace orderhost::engine {
namespace {

constexpr std::size_t kBatch = 500;

// Resumes one order; false when its chain version is not available on this host.
bool resume(store::OrderStore& store, const ChainSet& chains, ChainRunner& runner, const std::string& id) {
    auto order = store.findById(id);
    if (!order) return true;
    const ReadyChain* chain = chains.find(order->chain, order->chainVersion);
    if (chain == nullptr) {
        spdlog::warn("order {} is {} on chain {} v{}, which this host does not run: left as it is", id,
                     order->state, order->chain, order->chainVersion);
        return false;
    }
    try {
        const auto finished = runner.run(std::move(*order), *chain);
        spdlog::info("order {} resumed after a restart: now {}", id, finished.state);
        return true;
    } catch (const std::exception& e) {
        spdlog::error("order {} could not be resumed: {}", id, e.what());
        return false;
    }
}

}  // namespace

RecoveryReport resumeUnfinishedOrders(store::OrderStore& store, const ChainSet& chains, ChainRunner& runner) {
    RecoveryReport report;
    for (const std::string& state : {states::kReceived, states::kInProgress}) {
        std::set<std::string> skipped;  // still in `state` after we tried: fetch past them
        for (;;) {
            std::size_t tried = 0;
            for (const auto& id : store.idsInState(state, skipped.size() + kBatch)) {
                if (skipped.count(id) != 0) continue;
                ++tried;
                if (resume(store, chains, runner, id)) {
                    ++report.resumed;
                } else {
                    skipped.insert(id);
                }
            }
            if (tried == 0) break;
        }
        report.skipped += skipped.size();
    }
    return report;
}

}  // namespace orderhost::engine
