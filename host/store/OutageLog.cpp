#include "host/store/OutageLog.h"

#include <spdlog/spdlog.h>

#include <map>
#include <memory>

namespace orderhost::store {
namespace {

constexpr auto kSummaryInterval = std::chrono::seconds(10);

long long secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

OutageLog& OutageLog::of(const std::string& database) {
    static std::mutex registryMutex;
    static std::map<std::string, std::unique_ptr<OutageLog>> registry;
    std::lock_guard<std::mutex> lock(registryMutex);
    auto& log = registry[database];
    if (!log) log = std::make_unique<OutageLog>(database);
    return *log;
}

void OutageLog::failed(const std::string& reason, const std::string& detail) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto now = Clock::now();
    ++failures_;
    if (!down_.load(std::memory_order_relaxed)) {
        down_ = true;
        since_ = lastLine_ = now;
        failures_ = 1;
        unlogged_ = 0;
        spdlog::error(
            "database {}: {} — requests answer 503 with Retry-After and orders wait where they are "
            "until it works again (further failures are summarised every 10 s)",
            reason, detail);
        return;
    }
    ++unlogged_;
    if (now - lastLine_ >= kSummaryInterval) {
        spdlog::error("database still {} after {} s ({} failed attempts in the last {} s): {}", reason,
                      secondsSince(since_), unlogged_, secondsSince(lastLine_), detail);
        lastLine_ = now;
        unlogged_ = 0;
    }
}

void OutageLog::recovered() {
    if (!down_.load(std::memory_order_relaxed)) return;
    std::lock_guard<std::mutex> lock(mutex_);
    if (!down_.load(std::memory_order_relaxed)) return;
    down_ = false;
    spdlog::warn("database {} works again after {} s ({} failed attempts meanwhile); waiting orders run on", database_,
                 secondsSince(since_), failures_);
}

}  // namespace orderhost::store
