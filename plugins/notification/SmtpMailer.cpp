#include "SmtpMailer.h"

#include <Poco/Base64Encoder.h>
#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/MailMessage.h>
#include <Poco/Net/MailRecipient.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SecureSMTPClientSession.h>
#include <Poco/Timespan.h>

#include <cctype>
#include <sstream>
#include <utility>

namespace orderhost::notification {
namespace {

using Poco::Net::SecureSMTPClientSession;
using Poco::Net::SMTPClientSession;

// The SMTP reply code in a Poco SMTPException ("Recipient rejected: 450 4.2.0 busy"), or 0.
int replyCode(const Poco::Exception& e) {
    if (e.code() >= 200 && e.code() < 600) return e.code();
    const std::string text = e.displayText();
    for (std::size_t i = 0; i + 3 <= text.size(); ++i) {
        const bool startsWord = i == 0 || !std::isdigit(static_cast<unsigned char>(text[i - 1]));
        const bool endsWord = i + 3 == text.size() || !std::isdigit(static_cast<unsigned char>(text[i + 3]));
        if (startsWord && endsWord && text[i] >= '2' && text[i] <= '5' &&
            std::isdigit(static_cast<unsigned char>(text[i + 1])) &&
            std::isdigit(static_cast<unsigned char>(text[i + 2])))
            return std::stoi(text.substr(i, 3));
    }
    return 0;
}

std::string base64(const std::string& text) {
    std::ostringstream encoded;
    Poco::Base64Encoder encoder(encoded);
    encoder.rdbuf()->setLineLength(0);
    encoder << text;
    encoder.close();
    return encoded.str();
}

// AUTH LOGIN (draft-murchison-sasl-login): 334, the user name, 334, the password, 235. Poco's
// own LOGIN reads the server's challenge text and expects "Username:"; aiosmtpd (and other
// servers) say "User Name", so Poco answered it with something else (501). The challenge
// texts are not part of the mechanism: the order of the two 334s is.
void loginWithAuthLogin(SMTPClientSession& session, const std::string& user, const std::string& password) {
    std::string response;
    for (const std::string& line : {std::string("AUTH LOGIN"), base64(user)}) {
        const int status = session.sendCommand(line, response);
        if (status != 334) throw Poco::Net::SMTPException("AUTH LOGIN was not accepted", response, status);
    }
    const int status = session.sendCommand(base64(password), response);
    if (status / 100 != 2) throw Poco::Net::SMTPException("AUTH LOGIN failed", response, status);
}

SMTPClientSession::LoginMethod loginMethod(const std::string& name) {
    if (name == "login") return SMTPClientSession::AUTH_LOGIN;
    if (name == "cram-md5") return SMTPClientSession::AUTH_CRAM_MD5;
    return SMTPClientSession::AUTH_PLAIN;
}

// Text from the order for a header (the customer's name, a subject rendered from a template).
// A CR or LF would end the header and start another ("Bcc: ..."), and Poco writes such text
// as it is (encodeWord changes only non-ASCII text), so every control character becomes a
// space. A display name also loses '"' and '\\', which Poco's quoting does not escape.
std::string headerText(const std::string& text, bool displayName = false) {
    std::string clean;
    clean.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        const bool c1 = c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9F;
        if (c < 0x20 || c == 0x7F || c1) {
            clean.push_back(' ');
            i += c1 ? 1 : 0;
        } else if (!(displayName && (c == '"' || c == '\\'))) {
            clean.push_back(static_cast<char>(c));
        }
    }
    return clean;
}

// local@domain as RCPT TO may carry it: one '@' with text on both sides, at most 254 bytes, no
// space, control character (C1 included), '<', '>', '"' or '\\'.
bool isPlainAddress(const std::string& address) {
    const std::size_t at = address.find('@');
    if (address.size() > 254 || at == 0 || at == std::string::npos || at + 1 == address.size() ||
        address.find('@', at + 1) != std::string::npos)
        return false;
    return headerText(address) == address && address.find_first_of(" <>\"\\") == std::string::npos;
}

// Fills `mail` (MailMessage cannot be copied or returned).
void fill(Poco::Net::MailMessage& mail, const Message& message, const SmtpSettings& settings) {
    const std::string sender =
        settings.fromName.empty()
            ? settings.from
            : Poco::Net::MailMessage::encodeWord(settings.fromName, "UTF-8") + " <" + settings.from + ">";
    mail.setSender(sender);
    mail.addRecipient(Poco::Net::MailRecipient(Poco::Net::MailRecipient::PRIMARY_RECIPIENT, message.to,
                                               headerText(message.toName, true)));
    mail.setSubject(Poco::Net::MailMessage::encodeWord(headerText(message.subject), "UTF-8"));
    mail.set("Message-ID", message.messageId);
    mail.set("Content-Language", headerText(message.language));
    mail.set("X-Orderhost-Idempotency-Key", message.idempotencyKey);
    mail.set("X-Orderhost-Event", message.event);
    mail.setContentType("text/plain; charset=UTF-8");
    mail.setContent(message.body, Poco::Net::MailMessage::ENCODING_QUOTED_PRINTABLE);
}

}  // namespace

SmtpMailer::SmtpMailer(SmtpSettings settings) : settings_(std::move(settings)) {
    Poco::Net::initializeSSL();  // reference counted: one per mailer, undone in the destructor
}

SmtpMailer::~SmtpMailer() { Poco::Net::uninitializeSSL(); }

DeliveryResult SmtpMailer::send(const Message& message, std::int64_t timeoutMs) const {
    const std::string where = "SMTP server " + settings_.host + ":" + std::to_string(settings_.port);
    // The address goes into RCPT TO and the To header as it is: a line break in it would be an
    // SMTP command of its own. The host's order schema refuses such addresses; a document a
    // plugin changed, or stored before that rule, is checked here.
    if (!isPlainAddress(message.to))
        return failure(DeliveryResult::Kind::permanent, "recipient_invalid",
                       "the recipient '" + headerText(message.to).substr(0, 100) +
                           "' is not a plain e-mail address (local@domain: one '@', no spaces, control "
                           "characters, '<' or '>', at most 254 bytes); nothing was sent");
    bool accepted = false;
    try {
        SecureSMTPClientSession session(settings_.host, settings_.port);
        session.setTimeout(Poco::Timespan(timeoutMs * 1000));
        session.login();  // EHLO
        if (settings_.starttls != "never") {
            // STRICT: the certificate must name the server, also on 127.0.0.1/localhost (RELAXED
            // skips the name check there).
            Poco::Net::Context::Ptr tls =
                new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", settings_.caFile,
                                       Poco::Net::Context::VERIFY_STRICT, 9, settings_.caFile.empty());
            const bool secured = session.startTLS(tls);
            if (!secured && settings_.starttls == "required")
                return failure(DeliveryResult::Kind::permanent, "smtp_starttls_refused",
                               where + " refused STARTTLS and smtp.starttls is \"required\"");
            if (secured) session.login();  // EHLO again, over TLS (RFC 3207)
        }
        if (!settings_.username.empty() && settings_.authMethod == "login")
            loginWithAuthLogin(session, settings_.username, settings_.password);
        else if (!settings_.username.empty())
            session.login(loginMethod(settings_.authMethod), settings_.username, settings_.password);
        Poco::Net::MailMessage mail;
        fill(mail, message, settings_);
        session.sendMessage(mail);
        accepted = true;
        session.close();
        return delivered();
    } catch (const Poco::Net::SMTPException& e) {
        if (accepted) return delivered();
        const int code = replyCode(e);
        const bool transient = code == 0 || (code >= 400 && code < 500);
        return failure(transient ? DeliveryResult::Kind::transient : DeliveryResult::Kind::permanent,
                       code == 0 ? "smtp_error" : "smtp_" + std::to_string(code), where + ": " + e.displayText());
    } catch (const Poco::Net::SSLException& e) {  // before NetException, its base
        if (accepted) return delivered();
        return failure(DeliveryResult::Kind::permanent, "smtp_tls_failed",
                       where + ": STARTTLS failed (" + e.displayText() + "); the server's certificate is checked " +
                           (settings_.caFile.empty() ? std::string("against the system's CA store (smtp.ca_file unset)")
                                                     : "against smtp.ca_file " + settings_.caFile));
    } catch (const Poco::TimeoutException& e) {
        if (accepted) return delivered();
        return failure(DeliveryResult::Kind::transient, "smtp_timeout",
                       where + " did not answer within " + std::to_string(timeoutMs) + " ms");
    } catch (const Poco::Exception& e) {
        if (accepted) return delivered();
        return failure(DeliveryResult::Kind::transient, "smtp_unreachable", where + ": " + e.displayText());
    }
}

}  // namespace orderhost::notification
