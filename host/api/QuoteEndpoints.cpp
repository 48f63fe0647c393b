// POST /v1/quotes: a what-if run of a placement chain (engine/QuoteRunner.h). Only the quote is stored.
#include "host/api/Endpoints.h"

#include "host/api/JsonReply.h"
#include "host/engine/QuoteRunner.h"

#include <Poco/JSON/Parser.h>

namespace orderhost::api {
namespace {
using Poco::Net::HTTPResponse;

Poco::JSON::Object stepView(const engine::QuotedStep& step) {
    Poco::JSON::Object item(Poco::JSON_PRESERVE_KEY_ORDER);
    item.set("step", step.step);
    item.set("plugin", step.pluginId);
    item.set("answered", step.answered);
    if (!step.answered) {
        item.set("skipped", step.skipped);
        return item;
    }
    item.set("outcome", std::string(step.outcome.kind == OH_OUTCOME_CONTINUE  ? "continue"
                                    : step.outcome.kind == OH_OUTCOME_SUSPEND ? "suspend"
                                    : step.outcome.kind == OH_OUTCOME_REJECT  ? "reject"
                                                                              : "fail"));  // a RETRY is a 503
    if (!step.outcome.code.empty()) item.set("code", step.outcome.code);
    if (!step.outcome.message.empty()) item.set("message", step.outcome.message);
    if (step.outcome.kind == OH_OUTCOME_SUSPEND) item.set("signal", step.outcome.signal);
    return item;
}

}  // namespace

void postQuote(ApiContext& context, const std::string& body, const std::string& client,
               Poco::Net::HTTPServerResponse& response) {
    using Kind = engine::QuoteResult::Kind;
    if (context.quotes == nullptr)
        return sendProblem(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE, "quotes are not offered by this host");
    const engine::QuoteResult result = context.quotes->quote(body, client);
    switch (result.kind) {
        case Kind::MalformedJson:
            return sendProblem(response, HTTPResponse::HTTP_BAD_REQUEST, "malformed JSON: " + result.message);
        case Kind::Invalid:
            return sendProblem(response, HTTPResponse::HTTP_UNPROCESSABLE_ENTITY,
                               "the draft order does not match the order schema (" +
                                   std::to_string(result.errors.size()) + " error(s))",
                               schemaErrors(result.errors));
        case Kind::NoChain:
            return sendProblem(response, HTTPResponse::HTTP_UNPROCESSABLE_ENTITY, result.message);
        case Kind::Unavailable:
            response.set("Retry-After", "1");
            return sendProblem(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE, result.message);
        case Kind::Quoted:
            break;
    }
    Poco::JSON::Object reply(Poco::JSON_PRESERVE_KEY_ORDER);
    if (!result.quoteId.empty()) {  // verdict "quoted": an order may name it until valid_until
        reply.set("quote_id", result.quoteId);
        reply.set("valid_until", result.validUntilMs);
    }
    reply.set("chain", result.chain);
    reply.set("chain_version", result.chainVersion);
    reply.set("verdict", result.verdict);
    if (!result.atStep.empty()) {
        reply.set("step", result.atStep);
        reply.set("code", result.code);
        reply.set("message", result.text);
    }
    Poco::JSON::Array steps;
    for (const auto& step : result.steps) steps.add(stepView(step));
    reply.set("steps", steps);
    Poco::JSON::Parser parser;  // the host's own serialization of a document it validated
    reply.set("order", parser.parse(result.documentJson).extract<Poco::JSON::Object::Ptr>());
    sendJson(response, HTTPResponse::HTTP_OK, reply);
}

}  // namespace orderhost::api
