#include "host/engine/StepWorkers.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace orderhost::engine {

using SteadyClock = std::chrono::steady_clock;

struct StepWorkers::Job {
    std::function<void()> work;
    std::mutex mutex;
    std::condition_variable finished;
    bool done = false;
};

// What the worker threads share with the pool; they keep it alive, so a thread detached at
// shutdown never touches freed memory when its plugin call returns at last.
struct StepWorkers::Shared {
    explicit Shared(std::size_t max) : maxThreads(max == 0 ? 1 : max) {}
    const std::size_t maxThreads;
    mutable std::mutex mutex;
    std::condition_variable wake;
    std::deque<std::shared_ptr<Job>> queue;
    std::vector<bool> exited;  // per thread, by index
    std::size_t idle = 0;
    std::size_t live = 0;
    bool stopping = false;                             // the pool is going away
    std::optional<SteadyClock::time_point> stopWaits;  // stop(): waits end here
};

StepWorkers::StepWorkers(std::size_t maxThreads) : shared_(std::make_shared<Shared>(maxThreads)) {}

StepWorkers::~StepWorkers() {
    bool abandon = false;
    {
        std::lock_guard<std::mutex> lock(shared_->mutex);
        shared_->stopping = true;
        abandon = shared_->stopWaits.has_value();
    }
    shared_->wake.notify_all();
    if (!abandon) {
        for (auto& thread : threads_) thread.join();
        return;
    }
    // Idle threads leave at once; give them a moment, then leave behind those inside a plugin.
    const auto until = SteadyClock::now() + std::chrono::milliseconds(200);
    std::unique_lock<std::mutex> lock(shared_->mutex);
    while (shared_->idle > 0 && SteadyClock::now() < until) {
        lock.unlock();
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        lock.lock();
    }
    for (std::size_t i = 0; i < threads_.size(); ++i) {
        if (shared_->exited[i]) {
            lock.unlock();
            threads_[i].join();
            lock.lock();
        } else {
            threads_[i].detach();
        }
    }
}

void StepWorkers::stop(std::chrono::milliseconds grace) {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    if (!shared_->stopWaits) shared_->stopWaits = SteadyClock::now() + grace;
}

StepWorkers::Result StepWorkers::runWithin(std::chrono::milliseconds timeout, std::function<void()> work) {
    auto job = std::make_shared<Job>();
    job->work = std::move(work);
    std::optional<SteadyClock::time_point> stopWaits;
    {
        std::lock_guard<std::mutex> lock(shared_->mutex);
        if (shared_->stopWaits || shared_->stopping) return Result::NotStarted;
        const std::size_t waiting = shared_->queue.size();
        if (shared_->idle <= waiting) {
            if (threads_.size() >= shared_->maxThreads) return Result::Busy;
            shared_->exited.push_back(false);
            ++shared_->live;
            threads_.emplace_back([shared = shared_, index = threads_.size()] { workerLoop(shared, index); });
        }
        shared_->queue.push_back(job);
    }
    shared_->wake.notify_one();
    const auto deadline = SteadyClock::now() + timeout;
    std::unique_lock<std::mutex> lock(job->mutex);
    for (;;) {
        // In slices: stop() may come while this waits, and it does not know this job.
        const auto slice = std::min(deadline, SteadyClock::now() + std::chrono::milliseconds(50));
        if (job->finished.wait_until(lock, slice, [&] { return job->done; })) return Result::Done;
        if (SteadyClock::now() >= deadline) return Result::TimedOut;
        {
            std::lock_guard<std::mutex> poolLock(shared_->mutex);
            stopWaits = shared_->stopWaits;
        }
        if (stopWaits && SteadyClock::now() >= *stopWaits) return Result::Stopped;
    }
}

std::size_t StepWorkers::busyCount() const {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    return shared_->live - shared_->idle;
}

void StepWorkers::workerLoop(const std::shared_ptr<Shared>& shared, std::size_t index) {
    std::unique_lock<std::mutex> lock(shared->mutex);
    for (;;) {
        ++shared->idle;
        shared->wake.wait(lock, [&] { return shared->stopping || !shared->queue.empty(); });
        --shared->idle;
        if (shared->queue.empty()) break;  // stopping, nothing left to run
        std::shared_ptr<Job> job = std::move(shared->queue.front());
        shared->queue.pop_front();
        lock.unlock();
        job->work();
        {
            std::lock_guard<std::mutex> jobLock(job->mutex);
            job->done = true;
        }
        job->finished.notify_one();
        // An abandoned call's job may hold the last reference to its step transaction: drop it
        // here, so its ROLLBACK and session hand-back never run under the workers' mutex.
        job.reset();
        lock.lock();
    }
    --shared->live;
    shared->exited[index] = true;
}

}  // namespace orderhost::engine
