#include "host/metrics/TextExposition.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace orderhost::metrics {

std::string escapeLabelValue(std::string_view value) {
    std::string escaped;
    escaped.reserve(value.size());
    for (char c : value) {
        if (c == '\\')
            escaped += "\\\\";
        else if (c == '"')
            escaped += "\\\"";
        else if (c == '\n')
            escaped += "\\n";
        else
            escaped += c;
    }
    return escaped;
}

std::string escapeHelp(std::string_view help) {
    std::string escaped;
    for (char c : help) {
        if (c == '\\')
            escaped += "\\\\";
        else if (c == '\n')
            escaped += "\\n";
        else
            escaped += c;
    }
    return escaped;
}

std::string formatSampleValue(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    char buffer[64];
    if (value == std::floor(value) && std::fabs(value) < 1e15) {
        std::snprintf(buffer, sizeof buffer, "%.0f", value);
        return buffer;
    }
    // The shortest text that reads back as the same double: "0.0005", not "0.00050000000000000001".
    for (int precision = 1; precision <= 17; ++precision) {
        std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
        if (std::strtod(buffer, nullptr) == value) break;
    }
    return buffer;
}

void TextExposition::family(const std::string& name, const char* type, std::string_view help) {
    text_ += "# HELP " + name + " " + escapeHelp(help) + "\n";
    text_ += "# TYPE " + name + " " + type + "\n";
}

void TextExposition::sample(const std::string& name, const LabelPairs& labels, double value) {
    text_ += name;
    if (!labels.empty()) {
        text_ += '{';
        for (std::size_t i = 0; i < labels.size(); ++i) {
            if (i > 0) text_ += ',';
            text_ += labels[i].first + "=\"" + escapeLabelValue(labels[i].second) + "\"";
        }
        text_ += '}';
    }
    text_ += ' ' + formatSampleValue(value) + '\n';
}

void TextExposition::histogramSamples(const std::string& name, LabelPairs labels, const Histogram& histogram) {
    const Histogram::Snapshot snapshot = histogram.snapshot();
    const auto& bounds = histogram.upperBounds();
    labels.emplace_back("le", "");
    for (std::size_t i = 0; i < snapshot.cumulative.size(); ++i) {
        labels.back().second = i < bounds.size() ? formatSampleValue(bounds[i]) : "+Inf";
        sample(name + "_bucket", labels, static_cast<double>(snapshot.cumulative[i]));
    }
    labels.pop_back();
    sample(name + "_sum", labels, snapshot.sumSeconds);
    sample(name + "_count", labels, static_cast<double>(snapshot.cumulative.back()));
}

}  // namespace orderhost::metrics
