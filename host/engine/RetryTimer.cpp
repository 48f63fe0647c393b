#include "host/engine/RetryTimer.h"

#include "host/engine/OrderState.h"

#include <spdlog/spdlog.h>

namespace orderhost::engine {
namespace {
constexpr std::size_t kBatch = 100;
}

RetryTimer::RetryTimer(store::OrderStore& store, const ChainSet& chains, services::Clock clock,
                       std::chrono::milliseconds pollInterval)
    : store_(store), chains_(chains), clock_(clock), runner_(store, clock), pollInterval_(pollInterval) {}

RetryTimer::~RetryTimer() { stop(); }

void RetryTimer::start() {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = false;
    if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
}

void RetryTimer::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void RetryTimer::loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
        lock.unlock();
        try {
            runDue();
        } catch (const std::exception& e) {
            // A database that is down now may be back at the next tick; the orders wait.
            spdlog::error("retry timer: {}", e.what());
        }
        lock.lock();
        wake_.wait_for(lock, pollInterval_, [this] { return stopping_; });
    }
}

std::size_t RetryTimer::runDue() {
    std::size_t ran = 0;
    for (const auto& id : store_.idsDue(states::kRetryWait, clock_(), kBatch)) {
        if (runOne(id)) ++ran;
    }
    return ran;
}

bool RetryTimer::runOne(const std::string& id) {
    auto order = store_.findById(id);
    if (!order) return false;
    const ReadyChain* chain = chains_.find(order->chain, order->chainVersion);
    if (chain == nullptr) return false;  // left waiting for a host that runs its chain version
    if (!store_.claim(id, states::kRetryWait, states::kInProgress, "", 0, clock_())) return false;
    order->state = states::kInProgress;
    try {
        const auto finished = runner_.run(std::move(*order), *chain);
        spdlog::info("order {} retried after its delay: now {}", id, finished.state);
    } catch (const std::exception& e) {
        // Left in_progress: the next start's recovery runs it on.
        spdlog::error("order {} could not be retried: {}", id, e.what());
    }
    return true;
}

}  // namespace orderhost::engine
