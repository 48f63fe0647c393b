#include "host/engine/AsyncRuns.h"

#include <spdlog/spdlog.h>

namespace orderhost::engine {

AsyncRuns::AsyncRuns(Work run, Work handBack, std::size_t threads, std::size_t capacity, std::string what)
    : run_(std::move(run)), handBack_(std::move(handBack)), capacity_(capacity), what_(std::move(what)) {
    for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { loop(); });
}

AsyncRuns::~AsyncRuns() { stop(); }

bool AsyncRuns::submit(Job job) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (closed_ || queue_.size() >= capacity_) return false;
        queue_.push_back(std::move(job));
    }
    wake_.notify_one();
    return true;
}

void AsyncRuns::close() {
    std::deque<Job> left;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        closed_ = true;
        left.swap(queue_);
    }
    wake_.notify_all();
    if (left.empty()) return;
    std::size_t handed = 0;
    for (const Job& job : left) {
        try {
            handBack_(job);
            ++handed;
        } catch (const std::exception& e) {  // then it counts as a crash once; it still resumes
            spdlog::warn("order {} ({}, not started) could not be handed back: {}", job.orderId, what_, e.what());
        }
    }
    spdlog::warn(
        "{} order(s) ({}) had not started their chain ({} handed back): they are stored and resume at "
        "this host's next start, or on another host once their lease expires",
        left.size(), what_, handed);
}

void AsyncRuns::stop() {
    close();
    for (auto& thread : threads_)
        if (thread.joinable()) thread.join();
    threads_.clear();
}

std::size_t AsyncRuns::queued() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return queue_.size();
}

void AsyncRuns::loop() {
    for (;;) {
        Job job;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [this] { return closed_ || !queue_.empty(); });
            if (queue_.empty()) return;  // closed
            job = std::move(queue_.front());
            queue_.pop_front();
        }
        try {
            run_(job);
        } catch (const std::exception& e) {
            // Its lease runs out and a poller (this host's or another's) runs it on.
            spdlog::error("order {} ({}) could not be run: {}", job.orderId, what_, e.what());
        }
    }
}

}  // namespace orderhost::engine
