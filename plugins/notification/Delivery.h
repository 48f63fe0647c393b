// What one notification is, and what a channel answered when asked to deliver it. Shared by
// the channels (SmtpMailer, WebhookSender) and the step, which turns a DeliveryResult into the
// step's outcome: sent → CONTINUE, transient → RETRY (the chain's attempts and backoff apply),
// permanent → FAIL (the chain's on_failure applies).
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace orderhost::notification {

struct Message {
    std::string event;  // order-confirmation, order-shipped, ...
    std::string orderId;
    std::string idempotencyKey;  // "<order id>/<step name>:<event>": the same for every attempt
    std::string messageId;       // "<hash of the key@domain>": the same for every attempt
    std::string to;              // e-mail address (email channel)
    std::string toName;
    std::string language;
    std::string subject;
    std::string body;
};

struct DeliveryResult {
    enum class Kind { sent, transient, permanent };
    Kind kind = Kind::transient;
    std::string code;     // machine-readable: smtp_451, smtp_unreachable, webhook_http_503, ...
    std::string message;  // for administrators: what the server said
};

inline DeliveryResult delivered() { return {DeliveryResult::Kind::sent, "", ""}; }

inline DeliveryResult failure(DeliveryResult::Kind kind, std::string code, std::string message) {
    return {kind, std::move(code), std::move(message)};
}

}  // namespace orderhost::notification
