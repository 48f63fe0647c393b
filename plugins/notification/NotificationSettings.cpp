#include "NotificationSettings.h"

#include <cstdlib>
#include <fstream>
#include <optional>

namespace orderhost::notification {
namespace {

std::string text(const sdk::Document& config, const std::string& field, const std::string& fallback) {
    try {
        return config.optionalString("/" + field).value_or(fallback);
    } catch (const sdk::Error&) {
        throw sdk::ConfigError(field, "must be a string");
    }
}

std::int64_t integer(const sdk::Document& config, const std::string& field, std::int64_t fallback, std::int64_t low,
                     std::int64_t high) {
    std::optional<std::int64_t> value;
    try {
        value = config.optionalInteger("/" + field);
    } catch (const sdk::Error&) {
        throw sdk::ConfigError(field, "must be an integer");
    }
    if (value && (*value < low || *value > high))
        throw sdk::ConfigError(field, "must be between " + std::to_string(low) + " and " + std::to_string(high));
    return value.value_or(fallback);
}

// A secret given inline (`field`) or by the name of an environment variable (`field`_env),
// so chain files need not hold passwords.
std::string secret(const sdk::Document& config, const std::string& field) {
    const std::string inline_value = text(config, field, "");
    const std::string variable = text(config, field + "_env", "");
    if (!inline_value.empty() && !variable.empty())
        throw sdk::ConfigError(field, "and " + field + "_env are both set: give one");
    if (variable.empty()) return inline_value;
    const char* value = std::getenv(variable.c_str());
    if (value == nullptr || *value == '\0')
        throw sdk::ConfigError(field + "_env", "names the environment variable " + variable + ", which is not set");
    return value;
}

// Language tags as they name template files: "en", "de", "pt-br" (lower case).
bool isLanguageTag(const std::string& tag) {
    if (tag.empty() || tag.size() > 16) return false;
    for (char c : tag)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    return true;
}

bool isEventName(const std::string& name) {
    if (name.empty() || name.size() > 64) return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
    return true;
}

SmtpSettings readSmtp(const sdk::Document& config) {
    SmtpSettings smtp;
    smtp.host = text(config, "smtp/host", "");
    if (smtp.host.empty()) throw sdk::ConfigError("smtp.host", "is required for channel email (e.g. 127.0.0.1)");
    smtp.port = static_cast<std::uint16_t>(integer(config, "smtp/port", 25, 1, 65535));
    smtp.from = text(config, "smtp/from", "");
    if (smtp.from.find('@') == std::string::npos)
        throw sdk::ConfigError("smtp.from", "is required: the sender's e-mail address (e.g. orders@example.com)");
    smtp.fromName = text(config, "smtp/from_name", "");
    smtp.username = text(config, "smtp/username", "");
    smtp.password = secret(config, "smtp/password");
    smtp.authMethod = text(config, "smtp/auth_method", "plain");
    if (smtp.authMethod != "plain" && smtp.authMethod != "login" && smtp.authMethod != "cram-md5")
        throw sdk::ConfigError("smtp.auth_method", "must be plain, login or cram-md5, got \"" + smtp.authMethod + "\"");
    smtp.starttls = text(config, "smtp/starttls", "if_offered");
    if (smtp.starttls != "if_offered" && smtp.starttls != "required" && smtp.starttls != "never")
        throw sdk::ConfigError("smtp.starttls", "must be if_offered, required or never, got \"" + smtp.starttls + "\"");
    smtp.caFile = text(config, "smtp/ca_file", "");
    if (!smtp.caFile.empty() && !std::ifstream(smtp.caFile).good())
        throw sdk::ConfigError("smtp.ca_file", "cannot be read: \"" + smtp.caFile + "\" (a PEM certificate file)");
    smtp.timeoutMs = integer(config, "smtp/timeout_ms", 10000, 1, 600000);
    return smtp;
}

WebhookSettings readWebhook(const sdk::Document& config) {
    WebhookSettings webhook;
    webhook.url = text(config, "webhook/url", "");
    if (webhook.url.rfind("http://", 0) != 0 && webhook.url.rfind("https://", 0) != 0)
        throw sdk::ConfigError("webhook.url", "is required for channel webhook: an http:// or https:// URL");
    webhook.secret = secret(config, "webhook/secret");
    if (webhook.secret.empty())
        throw sdk::ConfigError("webhook.secret",
                               "is required for channel webhook: the HMAC-SHA256 key receivers check");
    webhook.timeoutMs = integer(config, "webhook/timeout_ms", 10000, 1, 600000);
    return webhook;
}

}  // namespace

const char* channelName(Channel channel) {
    switch (channel) {
        case Channel::email:
            return "email";
        case Channel::webhook:
            return "webhook";
        case Channel::record:
            return "record";
    }
    return "email";
}

NotificationSettings readSettings(const sdk::Document& config, const char* defaultChannel, bool onlyDefault) {
    NotificationSettings settings;
    const std::string event = text(config, "event", "");
    const std::string legacy = text(config, "template", "");
    if (!event.empty() && !legacy.empty() && event != legacy)
        throw sdk::ConfigError("event", "and 'template' name different events: give one");
    if (!event.empty() || !legacy.empty()) settings.event = event.empty() ? legacy : event;
    if (!isEventName(settings.event))
        throw sdk::ConfigError("event", "must be a template name of a-z, 0-9, '-' and '_' (e.g. order-shipped)");
    const std::string channel = text(config, "channel", defaultChannel);
    if (onlyDefault && channel != defaultChannel)
        throw sdk::ConfigError("channel", "must be " + std::string(defaultChannel) + " for this step kind, got \"" +
                                              channel + "\" (use step: notify for e-mail or webhooks)");
    if (channel == "email")
        settings.channel = Channel::email;
    else if (channel == "webhook")
        settings.channel = Channel::webhook;
    else if (channel == "record")
        settings.channel = Channel::record;
    else
        throw sdk::ConfigError("channel", "must be email, webhook or record, got \"" + channel + "\"");
    settings.defaultLanguage = text(config, "default_language", "en");
    if (!isLanguageTag(settings.defaultLanguage))
        throw sdk::ConfigError("default_language", "must be a lower-case language tag such as en or pt-br");
    settings.recipientPath = text(config, "recipient_path", "/customer/email");
    if (settings.recipientPath.empty() || settings.recipientPath.front() != '/')
        throw sdk::ConfigError("recipient_path", "must be a JSON Pointer starting with '/'");
    settings.templatesDir = text(config, "templates_dir", "");
    if (settings.channel != Channel::record && settings.templatesDir.empty())
        throw sdk::ConfigError("templates_dir", std::string("is required for channel ") + channel +
                                                    " (a folder of <event>.<language>.mustache files)");
    if (settings.channel == Channel::email) settings.smtp = readSmtp(config);
    if (settings.channel == Channel::webhook) settings.webhook = readWebhook(config);
    return settings;
}

}  // namespace orderhost::notification
