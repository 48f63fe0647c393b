// Orders whose chain runs on a few threads of their own, not on the thread that found them:
// orders accepted with `Prefer: respond-async` (RFC 7240, issue 12 item 3; the reply is 202
// as soon as the order is stored), and the orders a restarted host resumes (OrderRecovery).
//
//   AsyncRuns runs(run, handBack, 4, 1024, "respond-async");
//   if (!runs.submit({order.id, order.leaseEpoch})) ... run it on the caller's thread instead
//
// Only the order's id and lease epoch wait in the queue (not its document): `run` reads the
// order again, and first renews the lease fenced by that epoch, so an order another host (or
// this one's poller) claimed while it waited is not run twice. (OrderRecovery queues the epoch
// an order was listed with, and claims the order fenced by that epoch when its turn comes.)
// Nothing here needs to survive a crash: a submitted order is already stored, leased to this
// host, so if the host dies before its chain ran, the host's next start resumes it
// (OrderRecovery) and another host takes it over once the lease expires (OrderPoller). At a
// graceful stop, close() hands every queued order to `handBack` (which says, durably, that no
// plugin call of it started), so the crash breaker does not count it as a crash.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace orderhost::engine {

class AsyncRuns {
public:
    struct Job {
        std::string orderId;
        std::int64_t leaseEpoch = 0;
    };
    using Work = std::function<void(const Job&)>;
    // `what` names the orders in log lines ("respond-async").
    AsyncRuns(Work run, Work handBack, std::size_t threads, std::size_t capacity, std::string what);
    ~AsyncRuns();
    AsyncRuns(const AsyncRuns&) = delete;
    AsyncRuns& operator=(const AsyncRuns&) = delete;

    // Queues the job; false when `capacity` jobs already wait or close() was called (the
    // caller runs the order itself: the client waits, nothing is lost).
    bool submit(Job job);
    // Takes no more jobs and hands every queued one to `handBack`, on this thread. Call it
    // before the step workers stop, so that no queued order is started only to fail.
    void close();
    // close(), then waits for the runs in progress. Idempotent; not for concurrent callers.
    void stop();
    std::size_t queued() const;

private:
    void loop();

    const Work run_, handBack_;
    const std::size_t capacity_;
    const std::string what_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Job> queue_;
    bool closed_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace orderhost::engine
