#include "host/metrics/HttpMetrics.h"

#include <array>
#include <cstdio>
#include <vector>

namespace orderhost::metrics {
namespace {

std::vector<std::string_view> segmentsOf(std::string_view path) {
    std::vector<std::string_view> segments;
    std::size_t start = 1;
    if (path.empty() || path[0] != '/') return segments;
    while (start <= path.size()) {
        const std::size_t slash = path.find('/', start);
        const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
        segments.push_back(path.substr(start, end - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return segments;
}

// /v1/orders/{id}/... : the part after the order id.
std::string orderRoute(const std::vector<std::string_view>& s) {
    const std::string base = "/v1/orders/{id}";
    if (s.size() == 3) return s[2].empty() ? "other" : base;
    if (s.size() == 4 && (s[3] == "events" || s[3] == "cancel" || s[3] == "return" || s[3] == "inquiries"))
        return base + "/" + std::string(s[3]);
    if (s.size() == 5 && s[3] == "signals") return base + "/signals/{signal}";
    if (s.size() == 5 && s[3] == "inquiries") return base + "/inquiries/{inquiry_id}";
    if (s.size() == 6 && s[3] == "inquiries" && s[5] == "answer") return base + "/inquiries/{inquiry_id}/answer";
    return "other";
}

std::string_view methodLabel(std::string_view method) {
    static const std::array<std::string_view, 7> known = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
    for (const auto& name : known)
        if (method == name) return name;
    return "OTHER";
}

}  // namespace

std::string routeTemplate(std::string_view path) {
    static const std::array<std::string_view, 9> fixed = {"/metrics",   "/v1/health", "/v1/health/live",
                                                          "/v1/health/ready", "/v1/orders", "/v1/events",
                                                          "/v1/plugins", "/v1/chains", "/v1/openapi.json"};
    for (const auto& route : fixed)
        if (path == route) return std::string(route);
    const auto segments = segmentsOf(path);
    if (segments.size() >= 3 && segments[0] == "v1" && segments[1] == "orders") return orderRoute(segments);
    return "other";
}

void HttpMetrics::record(std::string_view method, std::string_view path, int status,
                         std::chrono::nanoseconds elapsed) {
    const std::string route = routeTemplate(path);
    const std::string_view verb = methodLabel(method);
    char code[8];
    const int length = std::snprintf(code, sizeof code, "%d", status);
    requests_.at({verb, route, std::string_view(code, static_cast<std::size_t>(length))}).add();
    seconds_.at({verb, route}).observe(elapsed);
}

void HttpMetrics::writeTo(TextExposition& out) const {
    out.counters("orderhost_http_requests_total", "HTTP requests answered, by method, route template and status.",
                 requests_);
    out.histograms("orderhost_http_request_duration_seconds",
                   "Time from a request's head being read to its reply being sent.", seconds_);
}

}  // namespace orderhost::metrics
