// Resuming orders a previous run of this host left mid-chain (killed, crashed, power lost).
//
// Every step transition is committed with its step-run record, so an order's row says exactly
// which step is next. At start the host resumes the running orders (received, in_progress,
// compensating) that it held itself — its id includes the port it now holds, so their previous
// holder is gone — and those whose lease expired, each from its checkpoint. The step that was
// running at the crash had not committed: it runs again, with the same idempotency key, so its
// effects on the host's database happen once and external systems can recognise the repeat.
// Orders other live hosts hold are left to them; if such a host dies, the OrderPoller takes
// its orders over once their leases expire.
//
// In the background (issue 12): a host that resumed thousands of orders, or one with a 10 s
// step, before serving answered nothing meanwhile, not even its liveness probe. The orders are
// listed before anything of this run can claim one (then "held by this host" still means "by
// its previous run"), and resumed on a few threads of their own (AsyncRuns) while HTTP and the
// poller serve. Each is claimed just before it runs, fenced by the lease epoch it was listed
// with: an order this host's poller, a request or another host claimed meanwhile is theirs.
//
//   OrderRecovery recovery(engine, 4);  // before the poller and HTTP start
//   recovery.left();                    // readiness: orders still to resume
//   recovery.close(); ... recovery.stop();  // at a graceful stop, as AsyncRuns
#pragma once

#include "host/engine/AsyncRuns.h"
#include "host/engine/ChainRunner.h"

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>

namespace orderhost::engine {

struct RecoveryReport {
    std::size_t resumed = 0;
    std::size_t skipped = 0;     // chain version not loaded, or the resume failed; left for later
    std::size_t takenOver = 0;   // claimed by someone else since it was listed (their run)
    std::size_t notStarted = 0;  // the host stopped first; left as the previous run left it
};

class OrderRecovery {
public:
    // Lists the orders to resume and starts resuming them, `threads` at a time.
    OrderRecovery(Engine& engine, std::size_t threads);
    ~OrderRecovery();
    OrderRecovery(const OrderRecovery&) = delete;
    OrderRecovery& operator=(const OrderRecovery&) = delete;

    // Listed orders not yet resumed (or left): 0 once recovery is over.
    std::size_t left() const { return left_.load(); }
    // At a graceful stop, before the step workers stop: no more orders start. Those not
    // started were not claimed by this run, so their count for the crash breaker is as the
    // previous run left it; they resume at the next start or on another host.
    void close();
    // close(), then waits for the orders being resumed.
    void stop();
    // Waits until every listed order is resumed or left.
    RecoveryReport wait();

private:
    enum class Outcome { Resumed, Skipped, TakenOver, NotStarted };
    void resume(const AsyncRuns::Job& job);
    Outcome claimAndRun(const AsyncRuns::Job& job);
    void finish(Outcome outcome);

    Engine& engine_;
    ChainRunner runner_;
    // Orders a call of which already died with a host while they were resumed or taken over
    // (calls_pending above 1): one of them may crash the host again. They run last and one at
    // a time (alone_ held exclusively), so that a crash counts against the order that caused
    // it, not against orders that happened to be resumed beside it (the crash breaker).
    std::set<std::string> suspects_;
    std::shared_mutex alone_;
    std::atomic<bool> closed_{false};
    std::atomic<std::size_t> left_{0};
    mutable std::mutex mutex_;
    std::condition_variable finished_;
    RecoveryReport report_;
    std::unique_ptr<AsyncRuns> runs_;  // last: its threads use everything above
};

// Resumes them all on the calling thread's behalf and returns when done (tests).
RecoveryReport resumeUnfinishedOrders(Engine& engine, std::size_t threads = 1);

}  // namespace orderhost::engine
