// Threads that run plugin calls under a deadline (a step's timeout_ms).
//
// A plugin runs in the host's process, so a call that hangs cannot be stopped. What the host
// can do is stop waiting: the call runs on a worker thread, and when the deadline passes the
// caller gets TimedOut and moves on (the step counts as failed for this attempt). The call
// keeps its worker until it returns, and whatever it produced then is dropped, because the
// task owns everything the call touches (the document copy, the step transaction).
//
//   StepWorkers workers(64);
//   auto task = std::make_shared<Task>(...);
//   if (workers.runWithin(std::chrono::milliseconds(500), [task] { task->call(); })
//           == StepWorkers::Result::TimedOut) { /* record a timeout */ }
//
// Thread-safe. Workers are started on demand and kept for reuse; at most maxThreads exist,
// so plugins that hang forever can use up the pool, after which calls are refused (Busy)
// instead of piling up threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace orderhost::engine {

class StepWorkers {
public:
    enum class Result { Done, TimedOut, Busy };

    explicit StepWorkers(std::size_t maxThreads = 64);
    ~StepWorkers();  // waits for calls still running (a hung plugin blocks shutdown; see above)
    StepWorkers(const StepWorkers&) = delete;
    StepWorkers& operator=(const StepWorkers&) = delete;

    // Runs `work` on a worker and waits until it returns or `timeout` passes. `work` must own
    // (or share) everything it uses: after TimedOut it may still be running.
    Result runWithin(std::chrono::milliseconds timeout, std::function<void()> work);

    // Workers currently inside a call (hung ones included).
    std::size_t busyCount() const;

private:
    struct Job;
    void workerLoop();

    const std::size_t maxThreads_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::shared_ptr<Job>> queue_;
    std::vector<std::thread> threads_;
    std::size_t idle_ = 0;
    bool stopping_ = false;
};

}  // namespace orderhost::engine
