// POSTs outbox events to one webhook URL over HTTP/1.1, plain (http://) or over TLS (https://,
// Poco NetSSL with OpenSSL: the server's certificate must chain to the system's CAs, or to
// events.webhook_ca_file when set, and name the URL's host).
//
// user:password in the URL is sent as Basic authentication — over https only, unless the
// administrator accepted clear text for an http:// URL (the settings warn at start).
// Each request carries the event as its JSON body (EventJson.h) and the headers receivers need
// to deduplicate and route without parsing it:
//   Content-Type: application/json
//   Idempotency-Key: <event id>       (also X-Orderhost-Event-Id)
//   X-Orderhost-Event-Type: <type>
//   X-Orderhost-Signature: t=…,v1=…  (when secrets are configured: WebhookSignature.h)
// Redirects are not followed: anything but 2xx is a failed delivery.
//
// Not thread-safe: one client per subscriber worker. The connection is kept alive between
// deliveries and opened again after any failure.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <Poco/AutoPtr.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/URI.h>

#include "host/events/EventSink.h"
#include "host/store/Outbox.h"

namespace orderhost::events {

struct WebhookTls {
    std::string caFile;  // PEM file of the CAs to trust for https:// URLs; empty: the system's
};

struct WebhookTimeouts {
    std::chrono::milliseconds connect{2000};
    std::chrono::milliseconds io{5000};  // each send/receive; a stalled receiver fails after this
};

class WebhookClient : public EventSink {
public:
    // Throws std::invalid_argument naming the problem when `url` is not an absolute http:// or
    // https:// URL, or the CA file cannot be used. `secrets`: events.webhook_secret; empty:
    // requests are not signed.
    WebhookClient(const std::string& url, WebhookTimeouts timeouts, std::vector<std::string> secrets = {},
                  WebhookTls tls = {});
    ~WebhookClient();

    DeliveryResult deliver(const store::OutboxEvent& event) override;

    // scheme://host:port/path — the URL without credentials or query, for logs.
    const std::string& describe() const override { return described_; }

private:
    DeliveryResult exchange(const store::OutboxEvent& event, const std::string& body);

    Poco::URI uri_;
    WebhookTimeouts timeouts_;
    std::vector<std::string> secrets_;
    Poco::AutoPtr<Poco::Net::Context> tls_;  // https:// only
    std::string described_;
    std::unique_ptr<Poco::Net::HTTPClientSession> session_;
};

// The URL without user info and query, for messages.
std::string describeUrl(const Poco::URI& uri);

// The name a webhook subscriber's cursor and dead letters are kept under: describeUrl (no user
// info, no query), and when the URL has a user or a query (either may be a token), "?sha256:"
// and the first 16 hex digits of the SHA-256 of both. A password or token is never stored in
// clear (a secret in the path is: the path names the subscriber), URLs that differ in user or
// query stay two subscribers, and a rotated password keeps its cursor. Throws
// std::invalid_argument for an unparsable URL.
std::string subscriberName(const std::string& url);

}  // namespace orderhost::events
