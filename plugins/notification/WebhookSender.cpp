#include "WebhookSender.h"

#include <Poco/DigestEngine.h>
#include <Poco/Exception.h>
#include <Poco/HMACEngine.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/SHA2Engine.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <utility>

namespace orderhost::notification {
namespace {

// Poco's HMACEngine takes the block and digest sizes from its template argument.
class Sha256 : public Poco::SHA2Engine {
public:
    enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
    Sha256() : Poco::SHA2Engine(Poco::SHA2Engine::SHA_256) {}
};

}  // namespace

std::string webhookSignature(const std::string& secret, std::int64_t unixSeconds, const std::string& body) {
    const std::string stamp = std::to_string(unixSeconds);
    Poco::HMACEngine<Sha256> hmac(secret);
    hmac.update(stamp + "." + body);
    return "t=" + stamp + ",v1=" + Poco::DigestEngine::digestToHex(hmac.digest());
}

std::string webhookBody(const Message& message) {
    Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
    body.set("event", message.event);
    body.set("order_id", message.orderId);
    body.set("idempotency_key", message.idempotencyKey);
    body.set("message_id", message.messageId);
    body.set("language", message.language);
    body.set("to", message.to);
    body.set("subject", message.subject);
    body.set("body", message.body);
    std::ostringstream out;
    body.stringify(out);
    return out.str();
}

WebhookSender::WebhookSender(WebhookSettings settings) : settings_(std::move(settings)) { Poco::Net::initializeSSL(); }

WebhookSender::~WebhookSender() { Poco::Net::uninitializeSSL(); }

DeliveryResult WebhookSender::send(const Message& message, std::int64_t timeoutMs) const {
    const std::string payload = webhookBody(message);
    try {
        const Poco::URI uri(settings_.url);
        std::unique_ptr<Poco::Net::HTTPClientSession> session;
        if (uri.getScheme() == "https") {
            // STRICT: the certificate must name the server, also on 127.0.0.1/localhost.
            Poco::Net::Context::Ptr tls = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", "",
                                                                 Poco::Net::Context::VERIFY_STRICT, 9, true);
            session = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), tls);
        } else {
            session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
        }
        session->setTimeout(Poco::Timespan(timeoutMs * 1000));
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST,
                                       uri.getPathAndQuery().empty() ? "/" : uri.getPathAndQuery(),
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        request.setContentType("application/json");
        request.setContentLength(static_cast<std::streamsize>(payload.size()));
        request.set("Idempotency-Key", message.idempotencyKey);
        request.set("X-Orderhost-Event", message.event);
        const auto seconds =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        request.set("X-Orderhost-Signature", webhookSignature(settings_.secret, seconds, payload));
        session->sendRequest(request) << payload;
        Poco::Net::HTTPResponse response;
        std::istream& in = session->receiveResponse(response);
        std::string answer;
        Poco::StreamCopier::copyToString(in, answer);
        const int status = static_cast<int>(response.getStatus());
        if (status >= 200 && status < 300) return delivered();
        const bool transient = status >= 500 || status == 408 || status == 429;
        return failure(
            transient ? DeliveryResult::Kind::transient : DeliveryResult::Kind::permanent,
            "webhook_http_" + std::to_string(status),
            "the webhook " + settings_.url + " answered HTTP " + std::to_string(status) + ": " + answer.substr(0, 200));
    } catch (const Poco::TimeoutException&) {
        return failure(DeliveryResult::Kind::transient, "webhook_timeout",
                       "the webhook " + settings_.url + " did not answer within " + std::to_string(timeoutMs) + " ms");
    } catch (const Poco::Exception& e) {
        return failure(DeliveryResult::Kind::transient, "webhook_unreachable",
                       "the webhook " + settings_.url + ": " + e.displayText());
    }
}

}  // namespace orderhost::notification
