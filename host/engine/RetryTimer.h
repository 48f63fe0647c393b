// The durable retry timer: runs orders whose retry_wait delay is over.
//
// The delay lives in the database (orders.wake_at), not in a sleeping thread, so it survives
// restarts: a host that starts after the due time simply finds the order due. One background
// thread polls for due orders, claims each with a guarded state change (retry_wait →
// in_progress, so a request or another poller cannot run it twice) and runs its chain on.
#pragma once

#include "host/engine/ChainRunner.h"
#include "host/engine/ReadyChain.h"
#include "host/store/OrderStore.h"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>

namespace orderhost::engine {

class RetryTimer {
public:
    RetryTimer(store::OrderStore& store, const ChainSet& chains, services::Clock clock,
               std::chrono::milliseconds pollInterval);
    ~RetryTimer();
    RetryTimer(const RetryTimer&) = delete;
    RetryTimer& operator=(const RetryTimer&) = delete;

    void start();
    void stop();  // waits for the order being run, if any

    // One pass: claims and runs every due order; returns how many it ran. Tests call it directly.
    std::size_t runDue();

private:
    void loop();
    bool runOne(const std::string& id);

    store::OrderStore& store_;
    const ChainSet& chains_;
    services::Clock clock_;
    ChainRunner runner_;
    std::chrono::milliseconds pollInterval_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace orderhost::engine
