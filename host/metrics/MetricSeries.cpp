#include "host/metrics/MetricSeries.h"

#include <algorithm>

namespace orderhost::metrics {

Histogram::Histogram(std::vector<double> upperBoundsSeconds)
    : bounds_(std::move(upperBoundsSeconds)), buckets_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
    std::sort(bounds_.begin(), bounds_.end());
    for (double bound : bounds_) boundsNs_.push_back(static_cast<std::int64_t>(bound * 1e9));
    for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(std::chrono::nanoseconds duration) {
    const std::int64_t ns = std::max<std::int64_t>(0, duration.count());
    // A dozen bounds: a linear scan beats a binary search's branches.
    std::size_t bucket = 0;
    while (bucket < boundsNs_.size() && ns > boundsNs_[bucket]) ++bucket;
    buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
    sumNs_.fetch_add(static_cast<std::uint64_t>(ns), std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
    Snapshot snapshot;
    std::uint64_t running = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        running += buckets_[i].load(std::memory_order_relaxed);
        snapshot.cumulative.push_back(running);
    }
    snapshot.sumSeconds = static_cast<double>(sumNs_.load(std::memory_order_relaxed)) / 1e9;
    return snapshot;
}

const std::vector<double>& latencyBuckets() {
    static const std::vector<double> bounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                               0.25,   0.5,   1,      2.5,   5,    10,    30};
    return bounds;
}

}  // namespace orderhost::metrics
