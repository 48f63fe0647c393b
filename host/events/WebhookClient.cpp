#include "host/events/WebhookClient.h"

#include "host/events/EventJson.h"
#include "host/events/WebhookSignature.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPBasicCredentials.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/SHA2Engine.h>
#include <Poco/StreamCopier.h>

#include <chrono>
#include <stdexcept>

namespace orderhost::events {
namespace {

// A receiver's reply body is not used; reading a bounded amount keeps the connection reusable
// without letting a misbehaving receiver make the relay buffer without limit.
constexpr std::streamsize kMaxReplyBytes = 64 * 1024;

Poco::URI parseHttpUrl(const std::string& url) {
    Poco::URI uri;
    try {
        uri = Poco::URI(url);
    } catch (const Poco::SyntaxException& e) {
        throw std::invalid_argument("webhook URL '" + url + "' is malformed: " + e.message());
    }
    if ((uri.getScheme() != "http" && uri.getScheme() != "https") || uri.getHost().empty())
        throw std::invalid_argument("webhook URL '" + describeUrl(uri) +
                                    "' must be an absolute http:// or https:// URL");
    return uri;
}

Poco::Timespan timespan(std::chrono::milliseconds ms) { return Poco::Timespan(ms.count() * 1000); }

}  // namespace

std::string describeUrl(const Poco::URI& uri) {
    const std::string& host = uri.getHost();  // an IPv6 address comes without its brackets
    return uri.getScheme() + "://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
           std::to_string(uri.getPort()) + uri.getPath();
}

std::string subscriberName(const std::string& url) {
    Poco::URI uri;
    try {
        uri = Poco::URI(url);
    } catch (const Poco::Exception& e) {
        throw std::invalid_argument("webhook URL is not a URL: " + e.displayText());
    }
    // The user may be a token (Basic with an empty password): hashed with the query.
    const std::string user = uri.getUserInfo().substr(0, uri.getUserInfo().find(':'));
    std::string name = describeUrl(uri);
    if (!user.empty() || !uri.getRawQuery().empty()) {
        Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
        engine.update(user + "\n" + uri.getRawQuery());
        name += "?sha256:" + Poco::DigestEngine::digestToHex(engine.digest()).substr(0, 16);
    }
    return name;
}

WebhookClient::WebhookClient(const std::string& url, WebhookTimeouts timeouts, std::vector<std::string> secrets,
                             WebhookTls tls)
    : uri_(parseHttpUrl(url)), timeouts_(timeouts), secrets_(std::move(secrets)), described_(describeUrl(uri_)) {
    if (uri_.getScheme() != "https") return;
    Poco::Net::initializeSSL();  // reference counted; undone in the destructor
    try {
        // The server's chain must verify (OpenSSL's SSL_VERIFY_PEER) and its certificate must
        // name the host. VERIFY_STRICT: under RELAXED Poco skips the name for 127.0.0.1/localhost.
        tls_ = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", tls.caFile,
                                      Poco::Net::Context::VERIFY_STRICT, 9, tls.caFile.empty());
    } catch (const Poco::Exception& e) {
        Poco::Net::uninitializeSSL();
        throw std::invalid_argument("webhook " + described_ + ": cannot use the CA file '" + tls.caFile +
                                    "': " + e.displayText());
    }
}

WebhookClient::~WebhookClient() {
    session_.reset();
    if (tls_) {
        tls_.reset();
        Poco::Net::uninitializeSSL();
    }
}

DeliveryResult WebhookClient::deliver(const store::OutboxEvent& event) {
    const std::string body = eventJsonText(event);
    try {
        DeliveryResult result = exchange(event, body);
        if (!result.delivered) session_.reset();  // start clean after a refusal
        return result;
    } catch (const Poco::Exception& e) {
        session_.reset();
        return {false, 0, e.displayText()};
    } catch (const std::exception& e) {
        session_.reset();
        return {false, 0, e.what()};
    }
}

DeliveryResult WebhookClient::exchange(const store::OutboxEvent& event, const std::string& body) {
    if (!session_) {
        if (tls_)
            session_ = std::make_unique<Poco::Net::HTTPSClientSession>(uri_.getHost(), uri_.getPort(), tls_);
        else
            session_ = std::make_unique<Poco::Net::HTTPClientSession>(uri_.getHost(), uri_.getPort());
        session_->setKeepAlive(true);
        session_->setTimeout(timespan(timeouts_.connect), timespan(timeouts_.io), timespan(timeouts_.io));
    }
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, uri_.getPathAndQuery(),
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    request.set("Idempotency-Key", std::to_string(event.id));
    request.set("X-Orderhost-Event-Id", std::to_string(event.id));
    request.set("X-Orderhost-Event-Type", event.type);
    request.set("User-Agent", "orderhost-relay/1");
    if (!secrets_.empty()) {
        // Signed at each attempt: the receiver's replay window counts from the attempt.
        const auto seconds =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        request.set("X-Orderhost-Signature", webhookSignature(secrets_, seconds, body));
    }
    if (!uri_.getUserInfo().empty()) {
        const std::string& info = uri_.getUserInfo();
        const auto colon = info.find(':');
        Poco::Net::HTTPBasicCredentials(info.substr(0, colon), colon == std::string::npos ? "" : info.substr(colon + 1))
            .authenticate(request);
    }
    session_->sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session_->receiveResponse(response);
    const int status = static_cast<int>(response.getStatus());
    in.ignore(kMaxReplyBytes);
    if (!in.eof()) session_.reset();  // a longer reply: drop the connection instead of reading on
    if (status >= 200 && status < 300) return {true, status, {}};
    const bool refused = status >= 400 && status < 500 && status != 408 && status != 429;
    return {false, status, "HTTP " + std::to_string(status) + " " + response.getReason(), refused};
}

}  // namespace orderhost::events
