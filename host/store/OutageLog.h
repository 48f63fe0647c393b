// One clear log line when the database goes away, a summary every 10 s while it stays away,
// and one line when it is back — instead of an ODBC error per request and per poll.
//
//   outage.failed("unreachable", detail);  // or "full" (DatabaseUnavailableError)
//   outage.recovered();                    // a transaction committed again (cheap when not down)
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace orderhost::store {

class OutageLog {
public:
    // The one log of this database (by its masked connection string) in this process, so a
    // Database opened again and again while the server is down (a host waiting at start)
    // reports one outage, not one per attempt. Lives as long as the process.
    static OutageLog& of(const std::string& database);

    explicit OutageLog(std::string database) : database_(std::move(database)) {}

    void failed(const std::string& reason, const std::string& detail);
    void recovered();
    bool down() const { return down_.load(std::memory_order_relaxed); }

private:
    using Clock = std::chrono::steady_clock;
    std::string database_;
    std::atomic<bool> down_{false};
    std::mutex mutex_;
    Clock::time_point since_, lastLine_;
    std::uint64_t failures_ = 0, unlogged_ = 0;
};

}  // namespace orderhost::store
