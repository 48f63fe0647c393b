#include "host/engine/OrderRecovery.h"

#include "host/engine/OrderState.h"

#include <spdlog/spdlog.h>

#include <set>

namespace orderhost::engine {
namespace {

constexpr std::size_t kBatch = 100;

// Resumes one claimed order; false when it could not be run here.
bool resume(Engine& engine, ChainRunner& runner, const store::ClaimedOrder& claimed) {
    const std::string& id = claimed.id;
    auto order = engine.store().findById(id);
    if (!order || order->leaseEpoch != claimed.leaseEpoch) return true;  // gone, or claimed again since
    if (engine.chains()->find(order->chain, order->chainVersion) == nullptr) {
        spdlog::warn("order {} is {} on chain {} v{}, which this host does not run: left for a host that does", id,
                     order->state, order->chain, order->chainVersion);
        return false;
    }
    try {
        const auto finished = runner.run(std::move(*order));
        spdlog::info("order {} resumed after a restart: now {}", id, finished.state);
        return true;
    } catch (const std::exception& e) {
        spdlog::error("order {} could not be resumed: {}", id, e.what());
        return false;
    }
}

}  // namespace

RecoveryReport resumeUnfinishedOrders(Engine& engine, ChainRunner& runner) {
    RecoveryReport report;
    std::set<std::string> seen;  // an order that could not run stays ours: do not loop on it
    for (;;) {
        const std::int64_t now = engine.now();
        const auto claimed = engine.store().claimExpired({states::kReceived, states::kInProgress, states::kCompensating},
                                                         engine.hostId(), now + engine.leaseMs(), now,
                                                         seen.size() + kBatch, true, engine.chainNames());
        std::size_t fresh = 0;
        for (const auto& order : claimed) {
            if (!seen.insert(order.id).second) continue;
            ++fresh;
            if (resume(engine, runner, order)) ++report.resumed;
            else ++report.skipped;
        }
        if (fresh == 0) break;
    }
    return report;
}

}  // namespace orderhost::engine
