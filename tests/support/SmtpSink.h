// The SMTP listener (scripts/simulators/smtp_sink.py, on Debian's python3-aiosmtpd) as a
// process a test starts and stops: free loopback ports, and typed access to what it received
// and to its fault injection. Every test that needs a mail server starts its own.
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Process.h>

#include <memory>
#include <string>

namespace orderhost::testing {

class SmtpSink {
public:
    // `auth` "USER:PASSWORD": the sink offers AUTH PLAIN/LOGIN and requires it ("" = no AUTH).
    // `tls`: the sink makes itself a self-signed certificate for localhost / 127.0.0.1 with
    // openssl and offers STARTTLS (AUTH then only over TLS); certificatePath() is its PEM.
    explicit SmtpSink(const std::string& auth = "", bool tls = false);
    ~SmtpSink();
    SmtpSink(const SmtpSink&) = delete;
    SmtpSink& operator=(const SmtpSink&) = delete;

    unsigned short smtpPort() const { return smtpPort_; }
    unsigned short httpPort() const { return httpPort_; }
    std::string certificatePath() const { return folder_ + "/cert.pem"; }

    // Every accepted message, oldest first: {mail_from, rcpt_tos, subject, message_id,
    // content_language, headers, body, received_at_ms, seq, tls, auth_mechanism}.
    Poco::JSON::Array::Ptr messages() const;
    std::size_t count() const { return messages()->size(); }
    Poco::JSON::Object::Ptr message(unsigned index) const { return messages()->getObject(index); }
    // How many messages the sink refused by fault injection so far.
    int refused() const;
    // Refuses the next `count` messages at the end of DATA with `code` (4xx or 5xx).
    void refuseNext(int count, int code = 451) const;
    std::string log() const;

private:
    std::string request(const std::string& method, const std::string& path, const std::string& body) const;

    std::string folder_;
    unsigned short smtpPort_ = 0;
    unsigned short httpPort_ = 0;
    std::unique_ptr<Poco::ProcessHandle> process_;
};

}  // namespace orderhost::testing
