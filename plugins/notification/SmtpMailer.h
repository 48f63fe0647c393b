// Sends one message over SMTP with Poco's client (Poco::Net::SecureSMTPClientSession, which is
// an SMTPClientSession that can switch to TLS). One connection per message, so one SmtpMailer
// may be used from several threads at once (it only reads its settings).
//
// STARTTLS: with "if_offered" the mailer sends STARTTLS after EHLO and continues over TLS
// when the server accepts it, in plain text when the server refuses it; "required" refuses
// to send in plain text (a permanent failure); "never" does not ask. The server's certificate
// and host name are checked against the system's CA store, or only against smtp.ca_file
// (PEM: a private CA, or a self-signed server's own certificate) when that is set. A TLS
// handshake or certificate that fails is a permanent failure (smtp_tls_failed): retrying
// changes nothing until someone fixes the server or smtp.ca_file.
//
// Replies: 4xx and connection trouble (refused, reset, timeout) are transient — the step
// RETRYs; 5xx are permanent — the step FAILs. A message the server accepted (250 after DATA)
// is sent, even when the connection breaks during QUIT.
#pragma once

#include "Delivery.h"
#include "NotificationSettings.h"

namespace orderhost::notification {

class SmtpMailer {
public:
    explicit SmtpMailer(SmtpSettings settings);
    ~SmtpMailer();
    SmtpMailer(const SmtpMailer&) = delete;
    SmtpMailer& operator=(const SmtpMailer&) = delete;

    // Sends `message` to message.to with Message-ID message.messageId. `timeoutMs` bounds each
    // socket operation (the step passes what is left of its deadline).
    DeliveryResult send(const Message& message, std::int64_t timeoutMs) const;

private:
    SmtpSettings settings_;
};

}  // namespace orderhost::notification
