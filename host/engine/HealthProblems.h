// What the engine found wrong while serving, for GET /v1/health: orders waiting on a chain this
// host does not load, and the like. Each problem has a key, so a condition that persists is
// reported (and logged) once, and is withdrawn when it clears.
//
//   if (problems.report("unloaded-chain:x@v1", "3 orders on chain x v1 ...")) spdlog::warn(...);
//   problems.clear("unloaded-chain:x@v1");
//
// Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace orderhost::engine {

class HealthProblems {
public:
    // Records (or rewords) problem `key`; true when it was not reported before.
    bool report(const std::string& key, const std::string& description) {
        std::lock_guard<std::mutex> lock(mutex_);
        const bool fresh = problems_.count(key) == 0;
        problems_[key] = description;
        return fresh;
    }
    void clear(const std::string& key) {
        std::lock_guard<std::mutex> lock(mutex_);
        problems_.erase(key);
    }
    // Keys starting with `prefix`, for a check that withdraws what no longer holds.
    std::vector<std::string> keysWithPrefix(const std::string& prefix) const {
        std::lock_guard<std::mutex> lock(mutex_);
        std::vector<std::string> keys;
        for (const auto& [key, description] : problems_)
            if (key.compare(0, prefix.size(), prefix) == 0) keys.push_back(key);
        return keys;
    }
    std::vector<std::string> descriptions() const {
        std::lock_guard<std::mutex> lock(mutex_);
        std::vector<std::string> all;
        for (const auto& [key, description] : problems_) all.push_back(description);
        return all;
    }

private:
    mutable std::mutex mutex_;
    std::map<std::string, std::string> problems_;
};

}  // namespace orderhost::engine
