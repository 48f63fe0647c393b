// Plugin calls the crash breaker must not count: they returned, but the order's checkpoint
// after them failed (the database unavailable or full, a lease lost), so orders.calls_pending
// still counts them when the order is claimed next. The host that saw them fail is alive and
// says so here, in memory; the next claim of the order on this host reads how many to forgive
// (CrashBreaker.cpp) and forgives them durably once the database answers again.
//
// An excuse holds only for the very next claim (its lease epoch is one more than the claim the
// failed calls ran under): had another host claimed in between, the count is no longer ours to
// correct. A host that dies before the next claim loses its excuses: such calls then count, as
// if the host had died during them.
//
//   excused.excuse(order.id, order.leaseEpoch);             // run() left by an exception
//   const int n = excused.excusedAt(order.id, claimEpoch);   // at the next claim
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace orderhost::engine {

class ExcusedCalls {
public:
    // A run of the order under the claim with `epoch` ended without a checkpoint, the host alive.
    void excuse(const std::string& orderId, std::int64_t epoch) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (entries_.size() >= kMaxOrders && entries_.count(orderId) == 0) entries_.erase(entries_.begin());
        Entry& entry = entries_[orderId];
        // Excuses of the claim just before that were not yet forgiven durably add up.
        entry.count = entry.epoch + 1 == epoch ? entry.count + 1 : 1;
        entry.epoch = epoch;
    }

    // How many of the calls pending at the claim with `epoch` are excused.
    int excusedAt(const std::string& orderId, std::int64_t epoch) const {
        std::lock_guard<std::mutex> lock(mutex_);
        const auto found = entries_.find(orderId);
        return found != entries_.end() && found->second.epoch + 1 == epoch ? found->second.count : 0;
    }

    void forget(const std::string& orderId) {
        std::lock_guard<std::mutex> lock(mutex_);
        entries_.erase(orderId);
    }

private:
    // Bounds the memory a long outage can take (one entry per order that failed meanwhile).
    static constexpr std::size_t kMaxOrders = 100000;
    struct Entry {
        std::int64_t epoch = 0;
        int count = 0;
    };
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
};

}  // namespace orderhost::engine
