// The notify step's configuration, read once in the step's constructor (ConfigError names the
// refused field). See docs/plugins.md#notification for every field and its default.
#pragma once

#include <orderhost/sdk.hpp>

#include <cstdint>
#include <string>

namespace orderhost::notification {

enum class Channel { email, webhook, record };

struct SmtpSettings {
    std::string host;
    std::uint16_t port = 25;
    std::string from;                     // sender address, e.g. orders@example.com
    std::string fromName;                 // display name, optional
    std::string username;                 // AUTH only when set
    std::string password;                 // from smtp.password or the variable named by smtp.password_env
    std::string authMethod = "plain";     // plain | login | cram-md5
    std::string starttls = "if_offered";  // if_offered | required | never
    std::string caFile;                   // PEM trusted for STARTTLS instead of the system's CAs
    std::int64_t timeoutMs = 10000;
};

struct WebhookSettings {
    std::string url;     // http:// or https://
    std::string secret;  // HMAC-SHA256 key (webhook.secret or webhook.secret_env)
    std::int64_t timeoutMs = 10000;
};

struct NotificationSettings {
    std::string event = "order-confirmation";  // config "event" (or its older name "template")
    Channel channel = Channel::email;
    std::string templatesDir;  // <dir>/<event>.<language>.mustache
    std::string defaultLanguage = "en";
    std::string recipientPath = "/customer/email";
    SmtpSettings smtp;
    WebhookSettings webhook;
};

// Throws sdk::ConfigError for a missing, mistyped or out-of-range field.
// `defaultChannel`: the channel when the config names none ("email" for notify, "record" for
// record); `onlyDefault`: any other channel is refused (the record kind, which sends nothing).
NotificationSettings readSettings(const sdk::Document& config, const char* defaultChannel = "email",
                                  bool onlyDefault = false);

const char* channelName(Channel channel);

}  // namespace orderhost::notification
