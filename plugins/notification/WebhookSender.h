// Sends a notification as an HTTP POST of JSON to the configured URL, signed so the receiver
// can tell it came from this host and was not changed:
//
//   POST <webhook.url>
//   Content-Type: application/json
//   Idempotency-Key: <order id>/<step name>:<event>      (the same on every attempt)
//   X-Orderhost-Event: <event>
//   X-Orderhost-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes, key webhook.secret>
//
//   {"event", "order_id", "idempotency_key", "message_id", "language", "to", "subject", "body"}
//
// 2xx is delivered; 408, 429, 5xx and connection trouble are transient (RETRY); other
// statuses are permanent (FAIL). One connection per call: safe from several threads.
#pragma once

#include "Delivery.h"
#include "NotificationSettings.h"

#include <cstdint>
#include <string>

namespace orderhost::notification {

// What X-Orderhost-Signature carries, the scheme of the host's event webhooks (docs/api.md#webhooks):
// "t=<unixSeconds>,v1=" + lower-case hex of HMAC-SHA256(secret, "<unixSeconds>.<body>").
std::string webhookSignature(const std::string& secret, std::int64_t unixSeconds, const std::string& body);

// The JSON body the webhook channel posts for `message`.
std::string webhookBody(const Message& message);

class WebhookSender {
public:
    explicit WebhookSender(WebhookSettings settings);
    ~WebhookSender();
    WebhookSender(const WebhookSender&) = delete;
    WebhookSender& operator=(const WebhookSender&) = delete;

    DeliveryResult send(const Message& message, std::int64_t timeoutMs) const;

private:
    WebhookSettings settings_;
};

}  // namespace orderhost::notification
