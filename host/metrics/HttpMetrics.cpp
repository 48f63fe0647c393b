#include "host/metrics/HttpMetrics.h"

#include <array>
#include <cstdio>

namespace orderhost::metrics {
namespace {

// Up to kMaxSegments segments of an absolute path; more make it no route (count 0).
constexpr std::size_t kMaxSegments = 6;
struct Segments {
    std::array<std::string_view, kMaxSegments> part;
    std::size_t count = 0;
};

Segments segmentsOf(std::string_view path) {
    Segments s;
    if (path.empty() || path[0] != '/') return s;
    for (std::size_t start = 1;;) {
        if (s.count == kMaxSegments) return Segments{};
        const std::size_t slash = path.find('/', start);
        s.part[s.count++] =
            path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
        if (slash == std::string_view::npos) return s;
        start = slash + 1;
    }
}

// /v1/orders/{id}/... : the part after the order id. Templates are literals: no allocation.
std::string_view orderRoute(const Segments& s) {
    const auto at = [&](std::size_t i) { return s.part[i]; };
    if (s.count == 3) return at(2).empty() ? "other" : "/v1/orders/{id}";
    if (s.count == 4 && at(3) == "events") return "/v1/orders/{id}/events";
    if (s.count == 4 && at(3) == "cancel") return "/v1/orders/{id}/cancel";
    if (s.count == 4 && at(3) == "return") return "/v1/orders/{id}/return";
    if (s.count == 4 && at(3) == "inquiries") return "/v1/orders/{id}/inquiries";
    if (s.count == 5 && at(3) == "signals") return "/v1/orders/{id}/signals/{signal}";
    if (s.count == 5 && at(3) == "inquiries") return "/v1/orders/{id}/inquiries/{inquiry_id}";
    if (s.count == 6 && at(3) == "inquiries" && at(5) == "answer")
        return "/v1/orders/{id}/inquiries/{inquiry_id}/answer";
    return "other";
}

std::string_view methodLabel(std::string_view method) {
    static const std::array<std::string_view, 7> known = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
    for (const auto& name : known)
        if (method == name) return name;
    return "OTHER";
}

}  // namespace

std::string_view routeTemplate(std::string_view path) {
    static const std::array<std::string_view, 12> fixed = {
        "/metrics",    "/v1/health", "/v1/health/live",  "/v1/health/ready", "/v1/orders", "/v1/events",
        "/v1/plugins", "/v1/chains", "/v1/openapi.json", "/v1/dead-letters", "/v1/whoami", "/v1/quotes"};
    for (const auto& route : fixed)
        if (path == route) return route;
    const Segments segments = segmentsOf(path);
    if (segments.count == 4 && segments.part[0] == "v1" && segments.part[1] == "dead-letters" &&
        segments.part[3] == "replay")
        return "/v1/dead-letters/{id}/replay";
    if (segments.count >= 3 && segments.part[0] == "v1" && segments.part[1] == "orders") return orderRoute(segments);
    // The web console's static files: one series for all of them (their names are the client's).
    if (path == "/console" || (segments.count == 2 && segments.part[0] == "console")) return "/console/{file}";
    return "other";
}

void HttpMetrics::record(std::string_view method, std::string_view path, int status, std::chrono::nanoseconds elapsed) {
    const std::string_view route = routeTemplate(path);
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
