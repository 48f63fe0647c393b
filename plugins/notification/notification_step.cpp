// orderhost.notification — keeps the customer informed: e-mail over SMTP, signed webhooks.
//
// Step kinds: `notify` and its older name `notify-customer` (the same step), and `record`
// (notify on the record channel only, promising no external effect). One step sends one
// notification, the `event` of its config (order-confirmation, order-on-hold, order-shipped,
// order-delivered, order-refunded, order-cancelled, service-credentials, or any other name a
// template exists for), over its `channel`:
//   email    renders <templates_dir>/<event>.<language>.mustache and sends it over SMTP
//            (SmtpMailer: STARTTLS when offered, AUTH when configured) to /customer/email;
//   webhook  renders the same template and POSTs it as JSON, HMAC-signed (WebhookSender);
//   record   sends nothing: only the record below (demos, and chains that test other steps).
// The language is /customer/language, else /attributes/language, else default_language; a
// language without a template of its own gets the default language's.
//
// Once: the notification's key is "<oh_step_call.idempotency_key>:<event>" (order id / step
// name : event), followed by "@<requested_at>" while the order is on a return (/return/
// requested_at): a return chain runs once per partial return, and each return's mail is news. A delivery is recorded
// under it in notification_deliveries in the step's transaction, and a step that finds its key there sends nothing. The
// Message-ID is derived from the key, so a re-send after a crash between send and commit (the one case the table cannot
// cover, see DeliveryRecords.h) carries the same Message-ID: at-least-once delivery with a stable deduplication key.
//
// Outcomes: delivered (or nothing to deliver) → CONTINUE; SMTP 4xx, connection trouble,
// webhook 5xx/408/429/timeout → RETRY with code smtp_<reply>/smtp_unreachable/webhook_* (the
// chain's attempts and backoff apply); SMTP 5xx, webhook 4xx → FAIL (the chain's on_failure
// applies). Writes one record per run to /notifications/-: {"channel","template","language",
// "to","subject","message_id","idempotency_key","at","status"}, before sending: a document that
// cannot take it is FAIL notification_not_recorded with nothing sent. No compensate: a message cannot
// be unsent (a cancellation is a notification of its own, in the cancel-order chain).
#include "DeliveryRecords.h"
#include "MessageTemplates.h"
#include "NotificationSettings.h"
#include "SmtpMailer.h"
#include "WebhookSender.h"

#include <orderhost/sdk.hpp>

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace sdk = orderhost::sdk;
using namespace orderhost::notification;

namespace {

constexpr char kSchema[] = R"({
  "type": "object",
  "properties": {
    "event": {"type": "string", "default": "order-confirmation", "description": "template name; 'template' is accepted too"},
    "channel": {"enum": ["email", "webhook", "record"], "default": "email"},
    "templates_dir": {"type": "string", "description": "folder of <event>.<language>.mustache files"},
    "default_language": {"type": "string", "default": "en"},
    "recipient_path": {"type": "string", "default": "/customer/email"},
    "smtp": {"type": "object", "properties": {
      "host": {"type": "string"}, "port": {"type": "integer", "default": 25},
      "from": {"type": "string"}, "from_name": {"type": "string"},
      "username": {"type": "string"}, "password": {"type": "string"}, "password_env": {"type": "string"},
      "auth_method": {"enum": ["plain", "login", "cram-md5"], "default": "plain"},
      "starttls": {"enum": ["if_offered", "required", "never"], "default": "if_offered"},
      "ca_file": {"type": "string", "description": "PEM trusted for STARTTLS instead of the system's CAs"},
      "timeout_ms": {"type": "integer", "minimum": 1, "maximum": 600000, "default": 10000}}},
    "webhook": {"type": "object", "properties": {
      "url": {"type": "string"}, "secret": {"type": "string"}, "secret_env": {"type": "string"},
      "timeout_ms": {"type": "integer", "minimum": 1, "maximum": 600000, "default": 10000}}}
  }
})";

// The record kind's config: what notify's record channel reads (no smtp, no webhook).
constexpr char kRecordSchema[] = R"({
  "type": "object",
  "properties": {
    "event": {"type": "string", "default": "order-confirmation", "description": "template name; 'template' is accepted too"},
    "channel": {"enum": ["record"], "default": "record"},
    "templates_dir": {"type": "string", "description": "optional: renders the subject into the record"},
    "default_language": {"type": "string", "default": "en"},
    "recipient_path": {"type": "string", "default": "/customer/email"}
  }
})";

// "<" + 32 hex digits of SHA-256(key) + "." + event + "@" + domain + ">": the same for every
// attempt and every restart of this notification, different for every other one.
std::string messageIdFor(const std::string& key, const std::string& event, const std::string& from) {
    Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
    sha.update(key);
    const std::string hash = Poco::DigestEngine::digestToHex(sha.digest()).substr(0, 32);
    const std::size_t at = from.find('@');
    const std::string domain =
        at == std::string::npos || at + 1 == from.size() ? "orderhost.invalid" : from.substr(at + 1);
    return "<" + hash + "." + event + "@" + domain + ">";
}

// "@<requested_at>" of the order's current return, "" when none (see the file comment).
std::string returnSuffix(const sdk::OrderDocument& order) {
    try {
        if (const std::optional<std::int64_t> at = order.optionalInteger("/return/requested_at"))
            return "@" + std::to_string(*at);
    } catch (const sdk::Error&) {  // not an integer: not the host's
    }
    return {};
}

// A language tag from the order, lower-cased; nullopt when absent or not a tag.
std::optional<std::string> languageAt(const sdk::OrderDocument& order, const char* path) {
    std::optional<std::string> value;
    try {
        value = order.optionalString(path);
    } catch (const sdk::Error&) {
        return std::nullopt;  // not a string: ignored like a missing one
    }
    if (!value || value->empty() || value->size() > 16) return std::nullopt;
    std::string tag;
    for (char c : *value) {
        if (c == '_') c = '-';
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return std::nullopt;
        tag.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    return tag;
}

class NotifyStep : public sdk::Step {
public:
    explicit NotifyStep(sdk::CreateContext& ctx, const char* defaultChannel = "email", bool onlyDefault = false)
        : settings_(readSettings(ctx.config(), defaultChannel, onlyDefault)) {
        if (!settings_.templatesDir.empty()) {
            try {
                templates_ = std::make_unique<MessageTemplates>(settings_.templatesDir, settings_.event,
                                                                settings_.defaultLanguage);
            } catch (const std::invalid_argument& e) {
                throw sdk::ConfigError("templates_dir", std::string("is not usable: ") + e.what());
            }
        }
        if (settings_.channel == Channel::email) mailer_ = std::make_unique<SmtpMailer>(settings_.smtp);
        if (settings_.channel == Channel::webhook) webhook_ = std::make_unique<WebhookSender>(settings_.webhook);
    }

    sdk::Outcome run(sdk::StepCall& call) override {
        const sdk::OrderDocument order = call.order();
        Message message;
        message.event = settings_.event;
        message.orderId = std::string(call.orderId());
        message.idempotencyKey = std::string(call.idempotencyKey()) + ":" + settings_.event + returnSuffix(order);
        message.messageId = messageIdFor(message.idempotencyKey, settings_.event, settings_.smtp.from);
        if (alreadyDelivered(call, message.idempotencyKey)) {
            call.log().info("notification ", message.idempotencyKey, " was delivered before: not sent again");
            return sdk::Outcome::proceed();
        }
        message.to = recipient(order);
        message.toName = order.optionalString("/customer/name").value_or("");
        message.language = languageAt(order, "/customer/language")
                               .value_or(languageAt(order, "/attributes/language").value_or(settings_.defaultLanguage));
        if (templates_) {
            RenderedMessage rendered = templates_->render(message.language, order.json(""), message.orderId);
            message.language = rendered.language;
            message.subject = std::move(rendered.subject);
            message.body = std::move(rendered.body);
        }
        if (settings_.channel == Channel::email && message.to.empty()) {
            call.log().warn("no e-mail address at ", settings_.recipientPath, ": notification ", settings_.event,
                            " not sent");
            writeRecord(call, message, "no_address");
            return sdk::Outcome::proceed();
        }
        // Recorded before anything leaves: an order document too full to take the record would
        // otherwise fail the step after the message went out, and every attempt would send it
        // again. A RETRY or FAIL below discards the record with the rest of the attempt.
        try {
            writeRecord(call, message, settings_.channel == Channel::record ? "recorded" : "sent");
        } catch (const sdk::Error& e) {
            return sdk::Outcome::fail("notification_not_recorded", "notification " + settings_.event +
                                                                       ": the order document cannot take its record (" +
                                                                       e.what() + "), so nothing was sent");
        }
        const DeliveryResult result = deliver(call, message);
        if (result.kind == DeliveryResult::Kind::transient)
            return sdk::Outcome::retry("notification " + settings_.event + ": " + result.message).withCode(result.code);
        if (result.kind == DeliveryResult::Kind::permanent)
            return sdk::Outcome::fail(result.code, "notification " + settings_.event + ": " + result.message);
        saveDelivery(call, message, channelName(settings_.channel));
        return sdk::Outcome::proceed();
    }

private:
    std::string recipient(const sdk::OrderDocument& order) const {
        try {
            return order.optionalString(settings_.recipientPath).value_or("");
        } catch (const sdk::Error&) {
            return "";  // not a string: no address
        }
    }

    // The time a channel may take: its configured timeout, cut to end before the host stops waiting.
    std::int64_t timeoutFor(const sdk::StepCall& call, std::int64_t configured) const {
        if (call.deadlineMs() == 0) return configured;
        return std::max<std::int64_t>(1, std::min(configured, call.deadlineMs() - call.nowMs() - 100));
    }

    DeliveryResult deliver(const sdk::StepCall& call, const Message& message) const {
        switch (settings_.channel) {
            case Channel::email:
                return mailer_->send(message, timeoutFor(call, settings_.smtp.timeoutMs));
            case Channel::webhook:
                return webhook_->send(message, timeoutFor(call, settings_.webhook.timeoutMs));
            case Channel::record:
                break;
        }
        return delivered();
    }

    void writeRecord(const sdk::StepCall& call, const Message& message, const char* status) const {
        sdk::JsonObject record;
        record.add("channel", channelName(settings_.channel))
            .add("template", settings_.event)
            .add("language", message.language);
        if (message.to.empty())
            record.addJson("to", "null");
        else
            record.add("to", message.to);
        if (templates_) record.add("subject", message.subject);
        record.add("message_id", message.messageId).add("idempotency_key", message.idempotencyKey);
        record.add("at", call.nowMs()).add("status", status);
        call.order().setJson("/notifications/-", record.str());
    }

    NotificationSettings settings_;
    std::unique_ptr<MessageTemplates> templates_;
    std::unique_ptr<SmtpMailer> mailer_;
    std::unique_ptr<WebhookSender> webhook_;
};

// The `record` kind: notify on the record channel only. It sends nothing, so unlike notify (whose
// kind must allow for e-mail and webhooks) it promises OH_STEP_NO_EXTERNAL_EFFECTS, and the host
// commits it together with the steps around it instead of committing before and after it.
class RecordStep : public NotifyStep {
public:
    explicit RecordStep(sdk::CreateContext& ctx) : NotifyStep(ctx, "record", true) {}
};

}  // namespace

ORDERHOST_MIGRATIONS("", ORDERHOST_NOTIFICATION_MIGRATIONS);

ORDERHOST_PLUGIN("orderhost.notification", "2.0.0", "orderhost",
                 "Customer notifications: e-mail over SMTP and signed webhooks from mustache templates, sent once",
                 ORDERHOST_STEP(NotifyStep, "notify", OH_CATEGORY_NOTIFICATION,
                                "Sends one notification (event) by e-mail or webhook, in the customer's language",
                                kSchema, OH_STEP_THREAD_SAFE),
                 ORDERHOST_STEP(NotifyStep, "notify-customer", OH_CATEGORY_NOTIFICATION,
                                "The older name of notify (same step, same config)", kSchema, OH_STEP_THREAD_SAFE),
                 ORDERHOST_STEP(RecordStep, "record", OH_CATEGORY_NOTIFICATION,
                                "Records a notification on the order without sending it (no external effect)",
                                kRecordSchema, OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS));
