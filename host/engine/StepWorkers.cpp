#include "host/engine/StepWorkers.h"

namespace orderhost::engine {

struct StepWorkers::Job {
    std::function<void()> work;
    std::mutex mutex;
    std::condition_variable finished;
    bool done = false;
};

StepWorkers::StepWorkers(std::size_t maxThreads) : maxThreads_(maxThreads == 0 ? 1 : maxThreads) {}

StepWorkers::~StepWorkers() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& thread : threads_) thread.join();
}

StepWorkers::Result StepWorkers::runWithin(std::chrono::milliseconds timeout, std::function<void()> work) {
    auto job = std::make_shared<Job>();
    job->work = std::move(work);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        const std::size_t waiting = queue_.size();
        if (idle_ <= waiting) {
            if (threads_.size() >= maxThreads_) return Result::Busy;
            threads_.emplace_back([this] { workerLoop(); });
        }
        queue_.push_back(job);
    }
    wake_.notify_one();
    std::unique_lock<std::mutex> lock(job->mutex);
    const bool done = job->finished.wait_for(lock, timeout, [&] { return job->done; });
    return done ? Result::Done : Result::TimedOut;
}

std::size_t StepWorkers::busyCount() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return threads_.size() - idle_;
}

void StepWorkers::workerLoop() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        ++idle_;
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        --idle_;
        if (queue_.empty()) return;  // stopping, nothing left to run
        std::shared_ptr<Job> job = std::move(queue_.front());
        queue_.pop_front();
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
}

}  // namespace orderhost::engine
