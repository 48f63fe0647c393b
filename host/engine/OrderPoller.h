// The engine's background work: everything that must happen without a request.
//
// One thread polls the database (engine.retry_poll_ms) for orders that need a host:
//  - retry_wait orders whose delay is over (orders.wake_at): claimed back to in_progress (or
//    compensating) and run on;
//  - on_hold orders whose signal did not come in time (wake_at set from signal_timeout_ms or
//    the plugin's timeout_ms): the step's on_signal_timeout policy applies;
//  - running orders whose lease expired: their host died or stalled. Claimed (with SKIP
//    LOCKED on PostgreSQL, so hosts sweeping together take different orders) and run on
//    from their last checkpoint.
// Timers live in the database, not in sleeping threads, so they survive restarts and any host
// sharing the database may fire them. Every claim is a guarded update: one host wins.
#pragma once

#include "host/engine/ChainRunner.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace orderhost::engine {

class OrderPoller {
public:
    OrderPoller(Engine& engine, std::chrono::milliseconds pollInterval);
    ~OrderPoller();
    OrderPoller(const OrderPoller&) = delete;
    OrderPoller& operator=(const OrderPoller&) = delete;

    void start();
    void stop();  // waits for the order being run, if any

    // One pass over all three kinds of work; returns how many orders it ran. Tests call it.
    std::size_t runDue();

private:
    void loop();
    std::size_t runDueRetries();
    std::size_t runSignalTimeouts();
    std::size_t runExpiredLeases();
    // Claims the order from `from` to `to` (and its lease) and runs `work` on it.
    template <class Work>
    bool claimAndRun(const std::string& id, const std::string& from, Work&& work);

    Engine& engine_;
    ChainRunner runner_;
    std::chrono::milliseconds pollInterval_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace orderhost::engine
