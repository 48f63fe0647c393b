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
// Shutdown is bounded (engine.shutdown_grace_ms): after stop(grace), no call starts (Stopped),
// and callers still waiting when the grace ends get Stopped too, so the host can go without
// them; their orders resume from their last checkpoint when their lease expires. Threads still
// inside a plugin then are left to end with the process instead of being joined.
//
// Thread-safe. Workers are started on demand and kept for reuse; at most maxThreads exist,
// so plugins that hang forever can use up the pool, after which calls are refused (Busy)
// instead of piling up threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

namespace orderhost::engine {

// A step was not run, or not waited for, because the host is stopping (StepWorkers::stop).
struct HostStoppingError : std::runtime_error {
    // true: the call was refused before it started (no plugin code ran); false: the host
    // stopped waiting for a call still running past engine.shutdown_grace_ms.
    HostStoppingError(const std::string& what, bool notStarted) : std::runtime_error(what), notStarted(notStarted) {}
    bool notStarted;
};

class StepWorkers {
public:
    // NotStarted: refused, the host is stopping; Stopped: still running when the grace ended.
    enum class Result { Done, TimedOut, Busy, NotStarted, Stopped };

    explicit StepWorkers(std::size_t maxThreads = 64);
    // Waits for calls still running, unless stop() was called: then threads still inside a
    // plugin call are detached (they share the workers' state, so nothing they touch is freed).
    ~StepWorkers();
    StepWorkers(const StepWorkers&) = delete;
    StepWorkers& operator=(const StepWorkers&) = delete;

    // Runs `work` on a worker and waits until it returns or `timeout` passes. `work` must own
    // (or share) everything it uses: after TimedOut or Stopped it may still be running.
    Result runWithin(std::chrono::milliseconds timeout, std::function<void()> work);

    // Shutdown: refuses new calls from now on, and ends every wait `grace` from now. Returns at once.
    void stop(std::chrono::milliseconds grace);

    // Workers currently inside a call (hung ones included).
    std::size_t busyCount() const;

private:
    struct Job;
    struct Shared;
    static void workerLoop(const std::shared_ptr<Shared>& shared, std::size_t index);

    std::shared_ptr<Shared> shared_;
    std::vector<std::thread> threads_;  // guarded by shared_->mutex
};

}  // namespace orderhost::engine
