#include "HttpGateway.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timespan.h>

#include <sstream>
#include <stdexcept>

namespace orderhost::payment {
namespace {

std::string stringify(const Poco::JSON::Object& object) {
    std::ostringstream out;
    object.stringify(out);
    return out.str();
}

std::string text(const Poco::JSON::Object::Ptr& object, const std::string& key) {
    return object->has(key) && !object->isNull(key) ? object->getValue<std::string>(key) : std::string();
}

std::int64_t number(const Poco::JSON::Object::Ptr& object, const std::string& key) {
    return object->has(key) && !object->isNull(key) ? object->getValue<std::int64_t>(key) : 0;
}

GatewayReply unavailable(const std::string& code, const std::string& message) {
    GatewayReply reply;
    reply.kind = GatewayReply::Kind::unavailable;
    reply.errorCode = code;
    reply.message = message;
    return reply;
}

// Maps the gateway's answer: 2xx an authorization or refund, 402 a decline, 4xx a refusal
// with {"error": {code, message}}, 5xx unavailable.
GatewayReply interpret(int status, const std::string& body) {
    if (status >= 500)
        return unavailable("gateway_http_" + std::to_string(status),
                           "the gateway answered HTTP " + std::to_string(status));
    Poco::JSON::Object::Ptr object;
    try {
        object = Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
    } catch (const std::exception&) {
        return unavailable("gateway_bad_answer",
                           "the gateway answered HTTP " + std::to_string(status) + " without a JSON object");
    }
    GatewayReply reply;
    if (object->has("error")) {
        Poco::JSON::Object::Ptr error = object->getObject("error");
        reply.kind = GatewayReply::Kind::refused;
        reply.errorCode = error ? text(error, "code") : std::string();
        reply.message = error ? text(error, "message") : std::string();
        return reply;
    }
    reply.id = text(object, "id");
    reply.status = text(object, "status");
    reply.declineCode = text(object, "decline_code");
    reply.amountMinor = number(object, "amount_minor");
    reply.capturedMinor = number(object, "captured_minor");
    reply.refundedMinor = number(object, "refunded_minor");
    if (reply.status == "declined")
        reply.kind = GatewayReply::Kind::declined;
    else if (reply.status == "requires_action")
        reply.kind = GatewayReply::Kind::requiresAction;
    else
        reply.kind = GatewayReply::Kind::done;
    return reply;
}

}  // namespace

HttpGateway::HttpGateway(const std::string& baseUrl, std::int64_t timeoutMs) : timeoutMs_(timeoutMs) {
    try {
        base_ = Poco::URI(baseUrl);
    } catch (const Poco::Exception& e) {
        throw std::invalid_argument("is not a URL: " + e.displayText());
    }
    if (base_.getScheme() != "http" || base_.getHost().empty())
        throw std::invalid_argument("must be an http://host[:port] URL, got \"" + baseUrl + "\"");
}

HttpGateway HttpGateway::withTimeout(std::int64_t timeoutMs) const {
    HttpGateway copy = *this;
    copy.timeoutMs_ = timeoutMs;
    return copy;
}

GatewayReply HttpGateway::exchange(const std::string& method, const std::string& path, const std::string& body,
                                   std::string* answerText) const {
    std::string prefix = base_.getPath();
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    try {
        Poco::Net::HTTPClientSession session(base_.getHost(), base_.getPort());
        session.setTimeout(Poco::Timespan(timeoutMs_ * 1000));
        Poco::Net::HTTPRequest request(method, prefix + path, Poco::Net::HTTPMessage::HTTP_1_1);
        if (!body.empty()) {
            request.setContentType("application/json");
            request.setContentLength(static_cast<std::streamsize>(body.size()));
        }
        session.sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        std::istream& in = session.receiveResponse(response);
        std::string answer;
        Poco::StreamCopier::copyToString(in, answer);
        if (answerText != nullptr) *answerText = answer;
        GatewayReply reply = interpret(static_cast<int>(response.getStatus()), answer);
        reply.replayed = response.get("Idempotent-Replayed", "") == "true";  // Stripe's header
        return reply;
    } catch (const Poco::TimeoutException&) {
        return unavailable("gateway_timeout",
                           "no answer from the gateway within " + std::to_string(timeoutMs_) + " ms");
    } catch (const Poco::Net::NoMessageException&) {
        return unavailable("gateway_no_answer", "the gateway closed the connection without an answer");
    } catch (const Poco::Exception& e) {
        return unavailable("gateway_unreachable", "the gateway at " + base_.toString() + ": " + e.displayText());
    }
}

GatewayReply HttpGateway::authorize(const AuthorizeRequest& r) const {
    Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
    Poco::JSON::Object::Ptr metadata = new Poco::JSON::Object();
    metadata->set("order_id", r.orderId);
    body.set("amount_minor", r.amountMinor);
    body.set("currency", r.currency);
    body.set("card_token", r.cardToken);
    body.set("idempotency_key", r.idempotencyKey);
    body.set("metadata", metadata);
    return exchange("POST", "/v1/authorizations", stringify(body));
}

GatewayReply HttpGateway::capture(const std::string& authorizationId, std::int64_t amountMinor,
                                  const std::string& idempotencyKey) const {
    Poco::JSON::Object body;
    body.set("amount_minor", amountMinor);
    body.set("idempotency_key", idempotencyKey);
    return exchange("POST", "/v1/authorizations/" + authorizationId + "/capture", stringify(body));
}

GatewayReply HttpGateway::voidAuthorization(const std::string& authorizationId,
                                            const std::string& idempotencyKey) const {
    Poco::JSON::Object body;
    body.set("idempotency_key", idempotencyKey);
    return exchange("POST", "/v1/authorizations/" + authorizationId + "/void", stringify(body));
}

GatewayReply HttpGateway::refund(const std::string& authorizationId, std::int64_t amountMinor,
                                 const std::string& idempotencyKey) const {
    Poco::JSON::Object body;
    body.set("authorization_id", authorizationId);
    body.set("amount_minor", amountMinor);
    body.set("idempotency_key", idempotencyKey);
    return exchange("POST", "/v1/refunds", stringify(body));
}

GatewayReply HttpGateway::cancelByKey(const std::string& authorizationKey, const std::string& idempotencyKey) const {
    Poco::JSON::Object body;
    body.set("authorization_key", authorizationKey);
    body.set("idempotency_key", idempotencyKey);
    return exchange("POST", "/v1/technical_cancels", stringify(body));
}

GatewayReply HttpGateway::lookup(const std::string& authorizationId) const {
    return exchange("GET", "/v1/authorizations/" + authorizationId, std::string());
}

RefundList HttpGateway::refunds(const std::string& authorizationId) const {
    RefundList result;
    std::string answer;
    result.failure = exchange("GET", "/v1/authorizations/" + authorizationId + "/refunds", std::string(), &answer);
    if (result.failure.kind != GatewayReply::Kind::done) return result;
    try {
        const auto object = Poco::JSON::Parser().parse(answer).extract<Poco::JSON::Object::Ptr>();
        const Poco::JSON::Array::Ptr refunds = object->getArray("refunds");
        if (!refunds) throw std::runtime_error("no refunds array");
        for (std::size_t i = 0; i < refunds->size(); ++i) {
            const Poco::JSON::Object::Ptr refund = refunds->getObject(static_cast<unsigned>(i));
            if (!refund) throw std::runtime_error("a refund is not an object");
            result.refunds.push_back({text(refund, "id"), text(refund, "idempotency_key"),
                                      number(refund, "amount_minor"), text(refund, "currency"),
                                      text(refund, "status")});
        }
    } catch (const std::exception&) {
        result.failure =
            unavailable("gateway_bad_answer", "the gateway's list of refunds is not {\"refunds\": [{...}, ...]}");
        return result;
    }
    result.known = true;
    return result;
}

}  // namespace orderhost::payment
