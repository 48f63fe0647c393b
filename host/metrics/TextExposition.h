// Writes metrics in the Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): per family one # HELP and
// one # TYPE line, then its samples. Label values are escaped (\\, \" and \n), as are HELP
// texts (\\ and \n), so a chain or plugin name can never break a line or forge a sample.
//
//   TextExposition out;
//   out.family("orderhost_orders", "gauge", "Orders by chain and state.");
//   out.sample("orderhost_orders", {{"chain", "place-order"}, {"state", "completed"}}, 12);
//   response << out.text();
#pragma once

#include "host/metrics/MetricSeries.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orderhost::metrics {

// The Content-Type of a scrape.
inline constexpr const char* kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

using LabelPairs = std::vector<std::pair<std::string, std::string>>;

std::string escapeLabelValue(std::string_view value);
std::string escapeHelp(std::string_view help);
// Integers without a fraction, +Inf/-Inf/NaN as the format spells them, else shortest round trip.
std::string formatSampleValue(double value);

class TextExposition {
public:
    void family(const std::string& name, const char* type, std::string_view help);
    void sample(const std::string& name, const LabelPairs& labels, double value);

    // A whole family from counters / histograms by label values.
    template <std::size_t N>
    void counters(const std::string& name, std::string_view help, const Family<Counter, N>& series) {
        family(name, "counter", help);
        series.forEach([&](const auto& values, const Counter& counter) {
            sample(name, pairs(series.labelNames(), values), static_cast<double>(counter.value()));
        });
    }
    template <std::size_t N>
    void histograms(const std::string& name, std::string_view help, const Family<Histogram, N>& series) {
        family(name, "histogram", help);
        series.forEach([&](const auto& values, const Histogram& histogram) {
            histogramSamples(name, pairs(series.labelNames(), values), histogram);
        });
    }

    const std::string& text() const { return text_; }

private:
    template <std::size_t N>
    static LabelPairs pairs(const std::array<std::string, N>& names, const std::array<std::string, N>& values) {
        LabelPairs labels;
        for (std::size_t i = 0; i < N; ++i) labels.emplace_back(names[i], values[i]);
        return labels;
    }
    void histogramSamples(const std::string& name, LabelPairs labels, const Histogram& histogram);

    std::string text_;
};

}  // namespace orderhost::metrics
