#include "host/engine/OrderRecovery.h"

#include "host/engine/OrderState.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace orderhost::engine {
namespace {

const std::vector<std::string> kRunning{states::kReceived, states::kInProgress, states::kCompensating};

}  // namespace

OrderRecovery::OrderRecovery(Engine& engine, std::size_t threads) : engine_(engine), runner_(engine) {
    const auto listed =
        engine_.store().listReclaimable(kRunning, engine_.hostId(), engine_.now(), engine_.chainNames());
    if (listed.empty()) return;
    std::vector<AsyncRuns::Job> first, last;
    for (const auto& order : listed) {
        if (order.callsPending > 1) {
            suspects_.insert(order.id);
            last.push_back({order.id, order.leaseEpoch});
        } else {
            first.push_back({order.id, order.leaseEpoch});
        }
    }
    left_ = listed.size();
    const std::string lastOnes =
        " (" + std::to_string(suspects_.size()) + " last, one at a time: a call of theirs already died with a host)";
    spdlog::info("recovery: resuming {} unfinished order(s) in the background, {} at a time{}", listed.size(),
                 std::min(threads, listed.size()), suspects_.empty() ? std::string() : lastOnes);
    runs_ = std::make_unique<AsyncRuns>([this](const AsyncRuns::Job& job) { resume(job); },
                                        [this](const AsyncRuns::Job&) { finish(Outcome::NotStarted); },
                                        std::min(threads, listed.size()), listed.size(), "to resume after a restart");
    for (auto& job : first) runs_->submit(std::move(job));
    for (auto& job : last) runs_->submit(std::move(job));
}

OrderRecovery::~OrderRecovery() { stop(); }

void OrderRecovery::close() {
    closed_ = true;
    if (runs_) runs_->close();
}

void OrderRecovery::stop() {
    closed_ = true;
    if (runs_) runs_->stop();
}

RecoveryReport OrderRecovery::wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    finished_.wait(lock, [this] { return left_.load() == 0; });
    return report_;
}

void OrderRecovery::resume(const AsyncRuns::Job& job) {
    std::shared_lock<std::shared_mutex> beside(alone_, std::defer_lock);
    std::unique_lock<std::shared_mutex> alone(alone_, std::defer_lock);
    if (suspects_.count(job.orderId) > 0)
        alone.lock();
    else
        beside.lock();
    Outcome outcome = Outcome::Skipped;
    try {
        outcome = claimAndRun(job);
    } catch (const std::exception& e) {
        // If this run claimed it, its lease runs out and a poller runs it on.
        spdlog::error("order {} could not be resumed: {}", job.orderId, e.what());
    }
    finish(outcome);
}

OrderRecovery::Outcome OrderRecovery::claimAndRun(const AsyncRuns::Job& job) {
    if (closed_) return Outcome::NotStarted;
    const std::string& id = job.orderId;
    auto order = engine_.store().findById(id);
    if (!order || order->leaseEpoch != job.leaseEpoch) return Outcome::TakenOver;
    const std::shared_ptr<const ReadyChain> chain = engine_.chains()->find(order->chain, order->chainVersion);
    if (chain == nullptr) {
        spdlog::warn("order {} is {} on chain {} v{}, which this host does not run: left for a host that does", id,
                     order->state, order->chain, order->chainVersion);
        return Outcome::Skipped;
    }
    const auto epoch = engine_.store().claimListed(id, job.leaseEpoch, kRunning, engine_.hostId(),
                                                   engine_.leaseUntil(*chain), engine_.now());
    if (!epoch) return Outcome::TakenOver;
    order = engine_.store().findById(id);  // as the claim left it (calls_pending included)
    if (!order || order->leaseEpoch != *epoch) return Outcome::TakenOver;
    const auto finished = runner_.run(std::move(*order));
    spdlog::info("order {} resumed after a restart: now {}", id, finished.state);
    return Outcome::Resumed;
}

void OrderRecovery::finish(Outcome outcome) {
    std::lock_guard<std::mutex> lock(mutex_);
    switch (outcome) {
        case Outcome::Resumed:
            ++report_.resumed;
            break;
        case Outcome::Skipped:
            ++report_.skipped;
            break;
        case Outcome::TakenOver:
            ++report_.takenOver;
            break;
        case Outcome::NotStarted:
            ++report_.notStarted;
            break;
    }
    if (--left_ > 0) return;
    spdlog::info(
        "recovery: {} order(s) resumed, {} could not be (see the messages above), {} taken over by the poller, "
        "a request or another host meanwhile, {} not started (the host is stopping)",
        report_.resumed, report_.skipped, report_.takenOver, report_.notStarted);
    finished_.notify_all();
}

RecoveryReport resumeUnfinishedOrders(Engine& engine, std::size_t threads) {
    OrderRecovery recovery(engine, threads);
    return recovery.wait();
}

}  // namespace orderhost::engine
