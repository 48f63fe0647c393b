// What the HTTP API counts for GET /metrics: requests by method, route template and status,
// and their latency. Routes are templates ("/v1/orders/{id}"), never raw paths, so order ids
// and scanners' random paths cannot grow the number of series.
//
//   const auto began = std::chrono::steady_clock::now();
//   ... serve ...
//   metrics.record(request.getMethod(), uri.getPath(), response.getStatus(), steady_clock::now() - began);
//
// Thread-safe.
#pragma once

#include "host/metrics/MetricSeries.h"
#include "host/metrics/TextExposition.h"

#include <chrono>
#include <string>
#include <string_view>

namespace orderhost::metrics {

// The route a path belongs to, with its variable parts named: "/v1/orders/{id}/signals/{signal}".
// A path that is no route of the API is "other".
std::string_view routeTemplate(std::string_view path);

class HttpMetrics {
public:
    void record(std::string_view method, std::string_view path, int status, std::chrono::nanoseconds elapsed);
    void writeTo(TextExposition& out) const;

private:
    Family<Counter, 3> requests_{{{"method", "route", "status"}}};
    Family<Histogram, 2> seconds_{{"method", "route"}, [] { return std::make_unique<Histogram>(latencyBuckets()); }};
};

}  // namespace orderhost::metrics
