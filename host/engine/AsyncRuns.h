// Orders accepted with `Prefer: respond-async` (RFC 7240, issue 12 item 3): the reply is 202
// as soon as the order is stored, and its chain runs here, on a few threads of its own.
//
//   AsyncRuns runs([&](store::OrderRecord o) { runner.run(std::move(o)); }, 4, 1024);
//   if (!runs.submit(order)) ... run it on the caller's thread instead (queue full, stopping)
//
// Nothing here needs to survive a crash: a submitted order is already stored, leased to this
// host, so if the host dies (or stops) before its chain ran, the host's next start resumes it
// (OrderRecovery) and another host takes it over once the lease expires (OrderPoller).
#pragma once

#include "host/store/OrderStore.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace orderhost::engine {

class AsyncRuns {
public:
    using Run = std::function<void(store::OrderRecord)>;
    AsyncRuns(Run run, std::size_t threads, std::size_t capacity);
    ~AsyncRuns();
    AsyncRuns(const AsyncRuns&) = delete;
    AsyncRuns& operator=(const AsyncRuns&) = delete;

    // Queues the order's run; false when `capacity` orders already wait or stop() was called
    // (the caller runs it itself: the client waits, nothing is lost).
    bool submit(store::OrderRecord order);
    // Takes no more, forgets the queued orders (stored and leased: see above) and waits for the
    // runs in progress. Idempotent.
    void stop();
    std::size_t queued() const;

private:
    void loop();

    const Run run_;
    const std::size_t capacity_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<store::OrderRecord> queue_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace orderhost::engine
