#include "host/engine/AsyncRuns.h"

#include <spdlog/spdlog.h>

namespace orderhost::engine {

AsyncRuns::AsyncRuns(Run run, std::size_t threads, std::size_t capacity) : run_(std::move(run)), capacity_(capacity) {
    for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { loop(); });
}

AsyncRuns::~AsyncRuns() { stop(); }

bool AsyncRuns::submit(store::OrderRecord order) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_ || queue_.size() >= capacity_) return false;
        queue_.push_back(std::move(order));
    }
    wake_.notify_one();
    return true;
}

void AsyncRuns::stop() {
    std::size_t left = 0;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_ && threads_.empty()) return;
        stopping_ = true;
        left = queue_.size();
        queue_.clear();
    }
    wake_.notify_all();
    for (auto& thread : threads_)
        if (thread.joinable()) thread.join();
    threads_.clear();
    if (left > 0)
        spdlog::warn("{} order(s) accepted with respond-async had not started their chain: they are stored and "
                     "resume at this host's next start (or on another host once their lease expires)",
                     left);
}

std::size_t AsyncRuns::queued() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return queue_.size();
}

void AsyncRuns::loop() {
    for (;;) {
        store::OrderRecord order;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            order = std::move(queue_.front());
            queue_.pop_front();
        }
        const std::string id = order.id;
        try {
            run_(std::move(order));
        } catch (const std::exception& e) {
            // Its lease runs out and a poller (this host's or another's) runs it on.
            spdlog::error("order {} (respond-async) could not be run: {}", id, e.what());
        }
    }
}

}  // namespace orderhost::engine
