// Requests are counted by route template: order ids, signal names and unknown paths never
// become label values of their own.
#include "host/metrics/HttpMetrics.h"

#include <gtest/gtest.h>

namespace orderhost::metrics {
namespace {

TEST(HttpMetricsTest, PathsMapToTheirRouteTemplates) {
    EXPECT_EQ(routeTemplate("/v1/orders"), "/v1/orders");
    EXPECT_EQ(routeTemplate("/v1/orders/0b7c-11"), "/v1/orders/{id}");
    EXPECT_EQ(routeTemplate("/v1/orders/0b7c-11/events"), "/v1/orders/{id}/events");
    EXPECT_EQ(routeTemplate("/v1/orders/0b7c-11/cancel"), "/v1/orders/{id}/cancel");
    EXPECT_EQ(routeTemplate("/v1/orders/0b7c-11/signals/payment.captured"), "/v1/orders/{id}/signals/{signal}");
    EXPECT_EQ(routeTemplate("/v1/orders/0b7c-11/inquiries/q1/answer"), "/v1/orders/{id}/inquiries/{inquiry_id}/answer");
    EXPECT_EQ(routeTemplate("/v1/health/ready"), "/v1/health/ready");
    EXPECT_EQ(routeTemplate("/metrics"), "/metrics");
    EXPECT_EQ(routeTemplate("/v1/whoami"), "/v1/whoami");
    // The console's files share one series, whatever name a client asks for.
    EXPECT_EQ(routeTemplate("/console"), "/console/{file}");
    EXPECT_EQ(routeTemplate("/console/"), "/console/{file}");
    EXPECT_EQ(routeTemplate("/console/app.js"), "/console/{file}");
    EXPECT_EQ(routeTemplate("/console/no-such-file-1"), "/console/{file}");
}

TEST(HttpMetricsTest, UnknownPathsAllCountAsOther) {
    EXPECT_EQ(routeTemplate("/wp-admin/login.php"), "other");
    EXPECT_EQ(routeTemplate("/v1/orders/x/y/z/w/v"), "other");
    EXPECT_EQ(routeTemplate("/v1/orders/"), "other");
    EXPECT_EQ(routeTemplate("/console/a/b"), "other");
    EXPECT_EQ(routeTemplate(""), "other");
}

TEST(HttpMetricsTest, RequestsAreCountedByMethodRouteAndStatus) {
    HttpMetrics metrics;
    metrics.record("GET", "/v1/orders/a", 200, std::chrono::milliseconds(2));
    metrics.record("GET", "/v1/orders/b", 200, std::chrono::milliseconds(3));
    metrics.record("BREW", "/v1/orders/b", 405, std::chrono::milliseconds(1));
    TextExposition out;
    metrics.writeTo(out);
    EXPECT_NE(
        out.text().find("orderhost_http_requests_total{method=\"GET\",route=\"/v1/orders/{id}\",status=\"200\"} 2\n"),
        std::string::npos)
        << out.text();
    EXPECT_NE(
        out.text().find("orderhost_http_requests_total{method=\"OTHER\",route=\"/v1/orders/{id}\",status=\"405\"} 1\n"),
        std::string::npos)
        << out.text();
    EXPECT_NE(
        out.text().find("orderhost_http_request_duration_seconds_count{method=\"GET\",route=\"/v1/orders/{id}\"} 2\n"),
        std::string::npos)
        << out.text();
}

}  // namespace
}  // namespace orderhost::metrics
