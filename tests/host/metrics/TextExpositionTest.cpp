// The Prometheus text format as orderhost writes it: label values and HELP escaped so no name
// can break a line, numbers spelt the way the format reads them, histograms complete.
#include "host/metrics/TextExposition.h"

#include <gtest/gtest.h>

namespace orderhost::metrics {
namespace {

TEST(TextExpositionTest, LabelValuesEscapeBackslashQuoteAndNewline) {
    EXPECT_EQ(escapeLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
    TextExposition out;
    out.family("orderhost_orders", "gauge", "Orders.\nForged line \\ here");
    out.sample("orderhost_orders", {{"chain", "evil\"} 1\norderhost_fake 2"}}, 3);
    EXPECT_EQ(out.text(),
              "# HELP orderhost_orders Orders.\\nForged line \\\\ here\n"
              "# TYPE orderhost_orders gauge\n"
              "orderhost_orders{chain=\"evil\\\"} 1\\norderhost_fake 2\"} 3\n");
}

TEST(TextExpositionTest, NumbersUseTheFormatsSpelling) {
    EXPECT_EQ(formatSampleValue(12), "12");
    EXPECT_EQ(formatSampleValue(0.0005), "0.0005");
    EXPECT_EQ(formatSampleValue(2.5), "2.5");
    EXPECT_EQ(formatSampleValue(1.0 / 0.0), "+Inf");
    EXPECT_EQ(formatSampleValue(-1.0 / 0.0), "-Inf");
    EXPECT_EQ(formatSampleValue(0.0 / 0.0), "NaN");
}

TEST(TextExpositionTest, AHistogramHasEveryBucketThenSumAndCount) {
    Family<Histogram, 1> family({"plugin"}, [] { return std::make_unique<Histogram>(std::vector<double>{0.01, 1}); });
    family.at({"orderhost.credit"}).observe(std::chrono::milliseconds(5));
    family.at({"orderhost.credit"}).observe(std::chrono::seconds(2));
    TextExposition out;
    out.histograms("orderhost_step_duration_seconds", "Step calls.", family);
    EXPECT_EQ(out.text(),
              "# HELP orderhost_step_duration_seconds Step calls.\n"
              "# TYPE orderhost_step_duration_seconds histogram\n"
              "orderhost_step_duration_seconds_bucket{plugin=\"orderhost.credit\",le=\"0.01\"} 1\n"
              "orderhost_step_duration_seconds_bucket{plugin=\"orderhost.credit\",le=\"1\"} 1\n"
              "orderhost_step_duration_seconds_bucket{plugin=\"orderhost.credit\",le=\"+Inf\"} 2\n"
              "orderhost_step_duration_seconds_sum{plugin=\"orderhost.credit\"} 2.005\n"
              "orderhost_step_duration_seconds_count{plugin=\"orderhost.credit\"} 2\n");
}

}  // namespace
}  // namespace orderhost::metrics
