// Counters and histograms keep exact counts under concurrent updates, and a histogram's
// buckets come out cumulative with +Inf equal to the count.
#include "host/metrics/MetricSeries.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace orderhost::metrics {
namespace {
using namespace std::chrono_literals;

TEST(MetricSeriesTest, ConcurrentUpdatesOfOneLabelledSeriesAreAllCounted) {
    Family<Counter, 2> family(std::array<std::string, 2>{"plugin", "outcome"});
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&family, t] {
            for (int i = 0; i < 10000; ++i) family.at({"p" + std::to_string(t % 2), "continue"}).add();
        });
    }
    for (auto& thread : threads) thread.join();
    std::map<std::string, std::uint64_t> byPlugin;
    family.forEach([&](const auto& labels, const Counter& counter) { byPlugin[labels[0]] = counter.value(); });
    EXPECT_EQ(byPlugin, (std::map<std::string, std::uint64_t>{{"p0", 40000}, {"p1", 40000}}));
}

TEST(MetricSeriesTest, HistogramBucketsAreCumulativeAndEndWithTheCount) {
    Histogram histogram({0.001, 0.01, 0.1});
    histogram.observe(500us);  // <= 0.001
    histogram.observe(1ms);    // <= 0.001 (bounds are inclusive)
    histogram.observe(20ms);   // <= 0.1
    histogram.observe(3s);     // +Inf only
    const auto snapshot = histogram.snapshot();
    EXPECT_EQ(snapshot.cumulative, (std::vector<std::uint64_t>{2, 2, 3, 4}));
    EXPECT_NEAR(snapshot.sumSeconds, 3.0215, 1e-9);
}

TEST(MetricSeriesTest, ASeriesFoundAgainIsTheSameObject) {
    Family<Counter, 1> family(std::array<std::string, 1>{"route"});
    Counter& first = family.at({"/v1/orders"});
    first.add(3);
    EXPECT_EQ(&family.at({std::string("/v1/orders")}), &first);
    EXPECT_EQ(family.at({"/v1/orders"}).value(), 3u);
}

}  // namespace
}  // namespace orderhost::metrics
