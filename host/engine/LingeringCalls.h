// In-process plugin calls the runner stopped waiting for (their timeout_ms passed) that have not
// returned yet. Such a call may still act — charge a card, book a parcel — so the step's undo
// must not run beside it: compensate() of that order's step waits (as a retry) until the call
// has returned, and its undo then sees whatever the call did. Isolated plugins need none of
// this: their worker is killed at the deadline.
//
// Only this process's calls: a host that dies takes its lingering calls with it. Other hosts do
// not know them, so the runner keeps a waiting order leased to this host (ChainRunner.h,
// keepLeaseUntilMs_). Several abandoned calls of one step (a retry that timed out too) each count.
//
//   auto returned = lingering.add(order.id, step.name);  // when the call is abandoned
//   ... the call's thread, at its very end: returned->store(true);
//   if (lingering.stillRunning(order.id, step.name)) ... // before compensate()
//
// Thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace orderhost::engine {

class LingeringCalls {
public:
    using Returned = std::shared_ptr<std::atomic<bool>>;

    // Remembers the abandoned call of `step` for `orderId`; its thread sets `returned` at the end.
    void add(const std::string& orderId, const std::string& step, Returned returned) {
        const std::lock_guard<std::mutex> lock(mutex_);
        prune();
        calls_.emplace(orderId + '\n' + step, std::move(returned));  // a later attempt's too: each counts
    }

    bool stillRunning(const std::string& orderId, const std::string& step) {
        const std::lock_guard<std::mutex> lock(mutex_);
        prune();
        return calls_.count(orderId + '\n' + step) != 0;
    }

private:
    void prune() {  // returned calls go; the map holds only calls still running (few: each holds a worker)
        for (auto it = calls_.begin(); it != calls_.end();)
            it = it->second->load(std::memory_order_acquire) ? calls_.erase(it) : std::next(it);
    }

    std::mutex mutex_;
    std::multimap<std::string, Returned> calls_;
};

}  // namespace orderhost::engine
