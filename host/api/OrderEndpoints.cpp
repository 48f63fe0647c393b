#include "host/api/Endpoints.h"

#include "host/api/ClientText.h"
#include "host/api/JsonReply.h"
#include "host/api/OrderView.h"
#include "host/api/RequestReading.h"

#include <Poco/String.h>

#include <algorithm>
#include <vector>

namespace orderhost::api {
namespace {
using Poco::Net::HTTPResponse;

void sendOrder(ApiContext& context, const store::OrderRecord& order, HTTPResponse::HTTPStatus status,
               Poco::Net::HTTPServerResponse& response) {
    if (status == HTTPResponse::HTTP_CREATED) response.set("Location", "/v1/orders/" + order.id);
    sendJsonText(response, status,
                 orderView(order, context.store.stepRuns(order.id),
                           store::InquiryStore(context.store.database()).ofOrder(order.id)));
}

void sendNoSuchOrder(const std::string& id, Poco::Net::HTTPServerResponse& response) {
    sendProblem(response, HTTPResponse::HTTP_NOT_FOUND, "no order with id '" + clientText(id, 64) + "'");
}

}  // namespace

bool prefersRespondAsync(const std::string& prefer) {
    // Comma-separated preferences, each a token with optional "=value" and ";" parameters;
    // a value may be a quoted string, whose commas separate nothing.
    std::vector<std::string> tokens(1);
    bool quoted = false, inToken = true;
    for (std::size_t i = 0; i < prefer.size(); ++i) {
        const char c = prefer[i];
        if (quoted) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                quoted = false;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            tokens.emplace_back();
            inToken = true;
        } else if (c == ';' || c == '=') {
            inToken = false;  // the rest of this preference is its value and parameters
        } else if (inToken && c != ' ' && c != '\t') {
            tokens.back() += c;
        }
    }
    return std::any_of(tokens.begin(), tokens.end(),
                       [](const std::string& token) { return Poco::icompare(token, "respond-async") == 0; });
}

void postOrder(ApiContext& context, const std::string& body, const std::string& client, bool respondAsync,
               Poco::Net::HTTPServerResponse& response) {
    using Kind = engine::SubmitResult::Kind;
    const engine::SubmitResult result = context.intake.submit(body, client, respondAsync);
    switch (result.kind) {
        case Kind::Created:
            if (result.runsAsync) {  // as stored: no step ran before this reply (whatever runs now)
                response.set("Preference-Applied", "respond-async");
                response.set("Location", "/v1/orders/" + result.order.id);
                return sendJsonText(response, HTTPResponse::HTTP_ACCEPTED, orderView(result.order, {}, {}));
            }
            return sendOrder(context, result.order, HTTPResponse::HTTP_CREATED, response);
        case Kind::Repeated:
            return sendOrder(context, result.order, HTTPResponse::HTTP_OK, response);
        case Kind::Conflict:
            return sendProblem(response, HTTPResponse::HTTP_CONFLICT, result.message);
        case Kind::QuoteUsed:
            return sendProblem(response, HTTPResponse::HTTP_CONFLICT, result.message);
        case Kind::QuoteRefused:
            return sendProblem(response, HTTPResponse::HTTP_UNPROCESSABLE_ENTITY, result.message,
                               result.errors.empty() ? nullptr : schemaErrors(result.errors));
        case Kind::MalformedJson:
            return sendProblem(response, HTTPResponse::HTTP_BAD_REQUEST, "malformed JSON: " + result.message);
        case Kind::NoChain:
            return sendProblem(response, HTTPResponse::HTTP_UNPROCESSABLE_ENTITY, result.message);
        case Kind::Invalid:
            return sendProblem(
                response, HTTPResponse::HTTP_UNPROCESSABLE_ENTITY,
                "the order does not match the order schema (" + std::to_string(result.errors.size()) + " error(s))",
                schemaErrors(result.errors));
    }
}

void postSignal(ApiContext& context, const std::string& id, const std::string& signal, const std::string& body,
                bool acknowledgeFinished, Poco::Net::HTTPServerResponse& response) {
    using Kind = engine::SignalResult::Kind;
    if (!looksLikeOrderId(id)) return sendNoSuchOrder(id, response);
    if (!engine::isValidSignalName(signal)) {
        return sendProblem(response, HTTPResponse::HTTP_NOT_FOUND,
                           "'" + clientText(signal, 64) + "' is not a signal name");
    }
    const engine::SignalResult result = context.signals.deliver(id, signal, body);
    switch (result.kind) {
        case Kind::Resumed:
            return sendOrder(context, result.order, HTTPResponse::HTTP_OK, response);
        case Kind::UnknownOrder:
            return sendProblem(response, HTTPResponse::HTTP_NOT_FOUND, result.message);
        case Kind::NotWaiting:
            return sendProblem(response, HTTPResponse::HTTP_CONFLICT, result.message);
        case Kind::Finished: {
            if (!acknowledgeFinished) return sendProblem(response, HTTPResponse::HTTP_CONFLICT, result.message);
            // Acknowledged and dropped, not stored: no step can take it (OrderSignals.h).
            Poco::JSON::Object ignored(Poco::JSON_PRESERVE_KEY_ORDER);
            ignored.set("order_id", id);
            ignored.set("signal", signal);
            ignored.set("delivered", false);
            ignored.set("detail", result.message);
            return sendJson(response, HTTPResponse::HTTP_ACCEPTED, ignored);
        }
        case Kind::InvalidPayload:
            return sendProblem(response, HTTPResponse::HTTP_BAD_REQUEST, "invalid signal payload: " + result.message);
        case Kind::NoChain:
            return sendProblem(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE, result.message);
    }
}

void postCommand(ApiContext& context, const std::string& id, const std::string& command, const std::string& body,
                 Poco::Net::HTTPServerResponse& response) {
    using Kind = engine::CommandResult::Kind;
    if (!looksLikeOrderId(id)) return sendNoSuchOrder(id, response);
    if (context.commands == nullptr)
        return sendProblem(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE,
                           command + " is not available on this host");
    const engine::CommandResult result =
        command == "cancel" ? context.commands->cancel(id, body) : context.commands->requestReturn(id, body);
    switch (result.kind) {
        case Kind::Accepted:
            return sendOrder(context, result.order, HTTPResponse::HTTP_OK, response);
        case Kind::AlreadyDone:
            return sendOrder(context, result.order, HTTPResponse::HTTP_OK, response);
        case Kind::UnknownOrder:
            return sendProblem(response, HTTPResponse::HTTP_NOT_FOUND, result.message);
        case Kind::NotAllowed:
            return sendProblem(response, HTTPResponse::HTTP_CONFLICT, result.message);
        case Kind::InvalidPayload:
            return sendProblem(response, HTTPResponse::HTTP_BAD_REQUEST,
                               "invalid " + command + " request: " + result.message);
        case Kind::NoChain:
            return sendProblem(response, HTTPResponse::HTTP_UNPROCESSABLE_ENTITY, result.message);
    }
}

void getOrder(ApiContext& context, const std::string& id, Poco::Net::HTTPServerResponse& response) {
    auto order = looksLikeOrderId(id) ? context.store.findById(id) : std::nullopt;
    if (!order) return sendNoSuchOrder(id, response);
    sendOrder(context, *order, HTTPResponse::HTTP_OK, response);
}

void getOrderByRef(ApiContext& context, const std::string& orderRef, Poco::Net::HTTPServerResponse& response) {
    // Only well-formed references reach the database (a NUL would end the string there).
    auto order = looksLikeOrderRef(orderRef) ? context.store.findByRef(orderRef) : std::nullopt;
    if (!order) {
        return sendProblem(response, HTTPResponse::HTTP_NOT_FOUND,
                           "no order with order_ref '" + clientText(orderRef, 64) + "'");
    }
    sendOrder(context, *order, HTTPResponse::HTTP_OK, response);
}

}  // namespace orderhost::api
