// Helpers of TwoHostTest.cpp: the clients that load two hosts, a sampler of orders' lease
// owners, and the rows the tests read back (orders, step_runs). Included by TwoHostFixture.h.
#pragma once

#include "HostProcess.h"
#include "host/store/Database.h"
#include "tests/support/TestDatabase.h"

#include <Poco/Data/Session.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

namespace orderhost::testing::twohost {
using namespace Poco::Data::Keywords;

inline const std::string kHostA = "host-a";
inline const std::string kHostB = "host-b";
inline constexpr std::int64_t kLeaseMs = 1000;        // engine.lease_ms
inline constexpr std::int64_t kStepTimeoutMs = 2000;  // timeout_ms of every step in two-host-chains/
inline const std::vector<std::string> kSteps = {"first", "second", "third"};

inline std::int64_t nowMs() {  // the hosts' clock (services::systemClockMs)
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

inline void sleepMs(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

inline std::string orderBody(const std::string& ref) {
    return R"({"order_ref":")" + ref +
           R"(","currency":"EUR","customer":{"id":"C-1"},"lines":[{"sku":"SKU-1","quantity":1,"unit_price":5}]})";
}

// What the clients sent and what they were told, by order_ref.
struct Load {
    mutable std::mutex mutex;
    std::set<std::string> attempted;
    std::set<std::string> acknowledged;             // 201
    std::map<std::string, std::string> otherReply;  // any other answer: status and body
    std::set<std::string> unanswered;               // the request failed (the host is gone)

    void attempt(const std::string& ref) {
        std::lock_guard<std::mutex> lock(mutex);
        attempted.insert(ref);
    }
    void answer(const std::string& ref, const HttpReply& reply) {
        std::lock_guard<std::mutex> lock(mutex);
        if (reply.status == 201)
            acknowledged.insert(ref);
        else
            otherReply[ref] = std::to_string(reply.status) + " " + reply.body;
    }
    void lost(const std::string& ref) {
        std::lock_guard<std::mutex> lock(mutex);
        unanswered.insert(ref);
    }
    std::size_t acknowledgedWithPrefix(const std::string& prefix) const {
        std::lock_guard<std::mutex> lock(mutex);
        return static_cast<std::size_t>(
            std::count_if(acknowledged.begin(), acknowledged.end(),
                          [&](const std::string& r) { return r.compare(0, prefix.size(), prefix) == 0; }));
    }
    std::string describeOthers() const {
        std::lock_guard<std::mutex> lock(mutex);
        std::string text;
        for (const auto& [ref, reply] : otherReply) text += "\n  " + ref + ": " + reply.substr(0, 300);
        return text;
    }
};

// One client: posts <prefix>-<i> one after the other until `count` went out (0: no limit),
// `stop` is set, or a request fails (the host died).
inline void postOrders(const HostProcess& host, const std::string& prefix, std::size_t count,
                       const std::atomic<bool>& stop, Load& load) {
    for (std::size_t i = 0; (count == 0 || i < count) && !stop; ++i) {
        const std::string ref = prefix + "-" + std::to_string(i);
        load.attempt(ref);
        try {
            load.answer(ref, host.post("/v1/orders", orderBody(ref)));
        } catch (const std::exception&) {
            load.lost(ref);
            return;
        }
    }
}

// Client threads, told to stop and joined at the latest when the test leaves (also by a
// failed ASSERT).
class Clients {
public:
    ~Clients() { stopAndJoin(); }
    // `count` orders per client (0: until stopped or the host is gone).
    void start(int clients, const HostProcess& host, const std::string& prefix, std::size_t count, Load& load) {
        for (int c = 0; c < clients; ++c)
            threads_.emplace_back([this, &host, &load, prefix, c, count] {
                postOrders(host, prefix + std::to_string(c), count, stop_, load);
            });
    }
    void stopAndJoin() {
        stop_ = true;
        join();
    }
    void join() {
        for (auto& thread : threads_)
            if (thread.joinable()) thread.join();
    }

private:
    std::atomic<bool> stop_{false};
    std::vector<std::thread> threads_;
};

// Samples orders.lease_owner every few milliseconds while the hosts run: every owner each
// order was seen with, in order, with when it was first seen.
class LeaseMonitor {
public:
    struct Seen {
        std::int64_t atMs;
        std::string owner;
    };

    explicit LeaseMonitor(store::Database& db) : db_(db) {
        thread_ = std::thread([this] { loop(); });
    }
    ~LeaseMonitor() { stop(); }

    void stop() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
    }
    std::map<std::string, std::vector<Seen>> history() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return history_;
    }
    std::size_t samples() const { return samples_; }

private:
    void loop() {
        while (!stop_) {
            std::vector<std::string> ids, owners;
            try {
                db_.withSession("sample leases", [&](Poco::Data::Session& s) {
                    s << "SELECT id, lease_owner FROM orders WHERE COALESCE(lease_owner, '') <> ''", into(ids),
                        into(owners), now;
                });
            } catch (const std::exception&) {
                continue;
            }
            const std::int64_t at = nowMs();
            {
                std::lock_guard<std::mutex> lock(mutex_);
                for (std::size_t i = 0; i < ids.size(); ++i) {
                    auto& seen = history_[ids[i]];
                    if (seen.empty() || seen.back().owner != owners[i]) seen.push_back({at, owners[i]});
                }
            }
            ++samples_;
            sleepMs(10);
        }
    }

    store::Database& db_;
    mutable std::mutex mutex_;
    std::map<std::string, std::vector<Seen>> history_;
    std::atomic<bool> stop_{false};
    std::atomic<std::size_t> samples_{0};
    std::thread thread_;
};

struct StepRunRow {
    int seq = 0;
    int stepIndex = 0;
    std::string stepName;
    int attempt = 0;
    std::string outcome;
    std::int64_t startedAt = 0;
    std::int64_t finishedAt = 0;
};

struct OrderRow {
    std::string id, ref, state, leaseOwner;
    std::int64_t createdAt = 0;
    std::int64_t leaseUntil = 0;
    std::vector<StepRunRow> runs;  // by seq
};

inline std::string describe(const OrderRow& order) {
    std::ostringstream text;
    text << order.ref << " (" << order.id << ", " << order.state << ", lease '" << order.leaseOwner << "' until "
         << order.leaseUntil << ", created " << order.createdAt << ") step_runs:";
    for (const auto& r : order.runs)
        text << "\n    seq " << r.seq << " step " << r.stepIndex << " " << r.stepName << " attempt " << r.attempt << " "
             << r.outcome << " " << r.startedAt << ".." << r.finishedAt;
    return text.str();
}

}  // namespace orderhost::testing::twohost
