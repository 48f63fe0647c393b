// The series the host counts into on its hot paths (a step call, an HTTP request), cheap
// enough to update on every one of them: an update is a relaxed atomic add, and finding a
// labelled series that exists already takes a shared (reader) lock and no allocation.
//
//   metrics::Family<metrics::Counter, 2> runs({"plugin", "outcome"});
//   runs.at({pluginId, outcome}).add();
//   runs.forEach([](const auto& labels, const metrics::Counter& c) { ... });
//
// Thread-safe. Series are never removed, so a reference returned by at() stays valid for the
// family's lifetime; label values come from chains, plugins and route templates, which keeps
// the number of series bounded (never put an order id in a label).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace orderhost::metrics {

class Counter {
public:
    void add(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

// Durations in buckets with fixed upper bounds (seconds). Buckets are kept per bucket and made
// cumulative when read, so an observation touches one bucket, the count and the sum.
class Histogram {
public:
    explicit Histogram(std::vector<double> upperBoundsSeconds);
    void observe(std::chrono::nanoseconds duration);

    struct Snapshot {
        std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf (= count)
        double sumSeconds = 0;
    };
    Snapshot snapshot() const;
    const std::vector<double>& upperBounds() const { return bounds_; }

private:
    std::vector<double> bounds_;
    std::vector<std::int64_t> boundsNs_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1 (the last: +Inf)
    std::atomic<std::uint64_t> sumNs_{0};
};

// Bounds for step calls and HTTP requests: 0.5 ms to 30 s.
const std::vector<double>& latencyBuckets();

template <class Series, std::size_t N>
class Family {
public:
    using Labels = std::array<std::string, N>;
    using LabelsView = std::array<std::string_view, N>;

    explicit Family(
        std::array<std::string, N> labelNames,
        std::function<std::unique_ptr<Series>()> make = [] { return std::make_unique<Series>(); })
        : names_(std::move(labelNames)), make_(std::move(make)) {}

    // The series for these label values, created on first use.
    Series& at(const LabelsView& values) {
        {
            std::shared_lock<std::shared_mutex> read(mutex_);
            const auto found = series_.find(values);
            if (found != series_.end()) return *found->second;
        }
        std::unique_lock<std::shared_mutex> write(mutex_);
        Labels key;
        for (std::size_t i = 0; i < N; ++i) key[i] = std::string(values[i]);
        auto& slot = series_[std::move(key)];
        if (!slot) slot = make_();
        return *slot;
    }

    const std::array<std::string, N>& labelNames() const { return names_; }

    template <class Visit>
    void forEach(Visit&& visit) const {
        std::shared_lock<std::shared_mutex> read(mutex_);
        for (const auto& [labels, series] : series_) visit(labels, *series);
    }

private:
    // Compares stored labels with borrowed ones, so a lookup allocates nothing.
    struct Less {
        using is_transparent = void;
        template <class A, class B>
        bool operator()(const A& a, const B& b) const {
            for (std::size_t i = 0; i < N; ++i) {
                const int c = std::string_view(a[i]).compare(std::string_view(b[i]));
                if (c != 0) return c < 0;
            }
            return false;
        }
    };

    std::array<std::string, N> names_;
    std::function<std::unique_ptr<Series>()> make_;
    mutable std::shared_mutex mutex_;
    std::map<Labels, std::unique_ptr<Series>, Less> series_;
};

}  // namespace orderhost::metrics
