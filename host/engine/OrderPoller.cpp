#include "host/engine/OrderPoller.h"

#include "host/engine/OrderState.h"
#include "host/engine/UnloadedChainCheck.h"
#include "host/store/StoreError.h"

#include <spdlog/spdlog.h>

namespace orderhost::engine {
namespace {
// Orders taken on per poll and per kind of work, so that one kind cannot starve the others.
constexpr std::size_t kBatch = 20;
// Orders on chains this host does not load are looked for this often (a GROUP BY over orders).
constexpr auto kUnloadedChainCheckInterval = std::chrono::seconds(10);
}  // namespace

OrderPoller::OrderPoller(Engine& engine, std::chrono::milliseconds pollInterval)
    : engine_(engine), runner_(engine), pollInterval_(pollInterval) {}

OrderPoller::~OrderPoller() { stop(); }

void OrderPoller::start() {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = false;
    if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
}

void OrderPoller::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void OrderPoller::loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    auto nextChainCheck = std::chrono::steady_clock::now();
    while (!stopping_) {
        lock.unlock();
        try {
            if (std::chrono::steady_clock::now() >= nextChainCheck) {
                nextChainCheck += kUnloadedChainCheckInterval;
                checkUnloadedChains(engine_);
            }
            runDue();
        } catch (const store::DatabaseUnavailableError&) {
            // Down now, maybe back at the next tick; the orders wait. The database logged it.
        } catch (const std::exception& e) {
            spdlog::error("order poller: {}", e.what());
        }
        lock.lock();
        wake_.wait_for(lock, pollInterval_, [this] { return stopping_; });
    }
}

std::size_t OrderPoller::runDue() { return runDueRetries() + runSignalTimeouts() + runExpiredLeases(); }

template <class Work>
bool OrderPoller::claimAndRun(const std::string& id, const std::string& from, Work&& work) {
    auto order = engine_.store().findById(id);
    if (!order || order->state != from) return false;
    const std::shared_ptr<const ReadyChain> chain = engine_.chains()->find(order->chain, order->chainVersion);
    if (chain == nullptr) return false;  // left for a host that runs its chain version
    std::string to = from;
    if (from == states::kRetryWait) to = order->compensateTo.empty() ? states::kInProgress : states::kCompensating;
    const std::int64_t until = engine_.leaseUntil(*chain);
    // As read: a signal's run may have taken the order and held it again since (a new wait, a new
    // timer); the timeout must not run on the record read before that (the next poll reads again).
    const auto epoch = engine_.store().claim(id, from, to, engine_.hostId(), until, engine_.now(), order->leaseEpoch);
    if (!epoch) return false;
    order->state = to;
    order->leaseOwner = engine_.hostId();
    order->leaseUntilMs = until;
    order->leaseEpoch = *epoch;
    order->callsPending += 1;  // as the claim stored it
    try {
        const store::OrderRecord finished = work(std::move(*order));
        spdlog::info("order {} ran on ({}): now {}", id, from, finished.state);
    } catch (const std::exception& e) {
        // Its lease runs out and a poller (this one or another host's) tries again. A timeout's
        // claim leaves the order on_hold until its checkpoint: given up at once if that did
        // not happen, or this host's requests would wait for the lease (claims "as read").
        spdlog::error("order {} could not be run on: {}", id, e.what());
        if (to == states::kOnHold) {
            try {
                engine_.store().uncountCall(id, engine_.hostId(), *epoch, to);
            } catch (const std::exception&) {  // the database is away: the lease runs out instead
            }
        }
    }
    return true;
}

std::size_t OrderPoller::runDueRetries() {
    std::size_t ran = 0;
    for (const auto& id : engine_.store().idsDue(states::kRetryWait, engine_.now(), kBatch))
        if (claimAndRun(id, states::kRetryWait, [this](store::OrderRecord o) { return runner_.run(std::move(o)); }))
            ++ran;
    return ran;
}

std::size_t OrderPoller::runSignalTimeouts() {
    std::size_t ran = 0;
    for (const auto& id : engine_.store().idsDue(states::kOnHold, engine_.now(), kBatch))
        if (claimAndRun(id, states::kOnHold,
                        [this](store::OrderRecord o) { return runner_.signalTimedOut(std::move(o)); }))
            ++ran;
    return ran;
}

std::size_t OrderPoller::runExpiredLeases() {
    // One order per claim: a claim's lease starts ticking at once, so a batch claimed together
    // and run one after the other could expire before its last order is reached.
    std::size_t ran = 0;
    for (; ran < kBatch; ++ran) {
        const std::int64_t now = engine_.now();
        const auto claimed = engine_.store().claimExpired(
            {states::kReceived, states::kInProgress, states::kCompensating}, engine_.hostId(), now + engine_.leaseMs(),
            now, 1, false, engine_.chainNames());
        if (claimed.empty()) break;
        const std::string& id = claimed.front().id;
        try {
            auto order = engine_.store().findById(id);
            // Claimed again since (this host stalled past the new lease): not this claim's to run.
            if (!order || order->leaseEpoch != claimed.front().leaseEpoch) continue;
            spdlog::warn("order {} ({}) had an expired lease: taking it over", id, order->state);
            const auto finished = runner_.run(std::move(*order));
            spdlog::info("order {} taken over: now {}", id, finished.state);
        } catch (const std::exception& e) {
            spdlog::error("order {} could not be taken over: {}", id, e.what());
        }
    }
    return ran;
}

}  // namespace orderhost::engine
