// Customer-service inquiries against an order (host/store/InquiryStore.h):
//   POST /v1/orders/{id}/inquiries                   {"question","channel"} -> 201, status open
//   POST /v1/orders/{id}/inquiries/{iid}/answer      {"answer","by"} -> 200, status answered
//   GET  /v1/orders/{id}/inquiries[/{iid}]
// Question and answer reach the customer (a notification step or webhook subscriber sends the
// answer on from the inquiry.answered event), so they are validated here, at the boundary:
// well-formed UTF-8, no control characters but tab and line breaks, at most 4000 bytes.
#include "host/api/Endpoints.h"

#include "host/api/ClientText.h"
#include "host/api/JsonReply.h"
#include "host/api/RequestReading.h"
#include "host/document/JsonCodec.h"
#include "host/document/Utf8.h"
#include "host/store/Clock.h"
#include "host/store/InquiryStore.h"

#include <Poco/JSON/Parser.h>
#include <Poco/UUIDGenerator.h>

#include <algorithm>
#include <chrono>
#include <sstream>

namespace orderhost::api {
namespace {
using Poco::Net::HTTPResponse;

struct BadInquiry {
    std::string detail;
};

const char* const kChannels[] = {"email", "phone", "chat", "portal"};

bool isUuid(const std::string& id) { return looksLikeOrderId(id); }  // inquiry ids have the same shape

using store::nowMs;

// The host's strict parser, as for every other body: duplicate members, NUL in keys and the
// limits are refused, with the line and column (Poco's parser kept the last duplicate).
Poco::JSON::Object::Ptr parseBody(const std::string& body, const std::vector<std::string>& members) {
    if (body.empty()) throw BadInquiry{"the body must be a JSON object"};
    const document::JsonValueResult result = document::parseJsonValue(body, document::JsonLimits{});
    if (!result.ok()) throw BadInquiry{"malformed JSON: " + result.error->toString()};
    const Poco::Dynamic::Var& parsed = result.value;
    if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) throw BadInquiry{"the body must be a JSON object"};
    auto object = parsed.extract<Poco::JSON::Object::Ptr>();
    for (const auto& [name, value] : *object)
        if (std::find(members.begin(), members.end(), name) == members.end())
            throw BadInquiry{"unknown member \"" + clientText(name, 64) + "\""};
    return object;
}

// A string member the customer may read: required, UTF-8, tab/CR/LF the only control characters.
std::string customerText(const Poco::JSON::Object& body, const std::string& name, std::size_t maxBytes,
                         bool lineBreaks) {
    const Poco::Dynamic::Var value = body.get(name);
    if (value.isEmpty() || !value.isString()) throw BadInquiry{"\"" + name + "\" is required and must be a string"};
    const std::string text = value.extract<std::string>();
    if (text.empty() || text.size() > maxBytes)
        throw BadInquiry{"\"" + name + "\" must be 1 to " + std::to_string(maxBytes) + " bytes, got " +
                         std::to_string(text.size())};
    if (validUtf8(text) != text) throw BadInquiry{"\"" + name + "\" is not well-formed UTF-8"};
    const auto control = std::find_if(text.begin(), text.end(), [&](char c) {
        const bool allowed = lineBreaks && (c == '\t' || c == '\n' || c == '\r');
        return ((c >= 0 && c < 0x20) || c == 0x7f) && !allowed;
    });
    if (const std::size_t at = document::findC1Control(text); at != std::string::npos)
        throw BadInquiry{"\"" + name + "\" contains a C1 control character (U+0080 to U+009F) at byte " +
                         std::to_string(at)};
    if (control != text.end())
        throw BadInquiry{"\"" + name + "\" contains the control character U+00" +
                         std::string(1, "0123456789ABCDEF"[(*control >> 4) & 0xF]) +
                         std::string(1, "0123456789ABCDEF"[*control & 0xF]) +
                         (lineBreaks ? " (only tab and line breaks are allowed)" : "")};
    return text;
}

Poco::JSON::Object inquiryView(const store::InquiryRecord& inquiry) {
    Poco::JSON::Object view(Poco::JSON_PRESERVE_KEY_ORDER);
    view.set("id", inquiry.id);
    view.set("order_id", inquiry.orderId);
    view.set("channel", inquiry.channel);
    view.set("question", inquiry.question);
    view.set("status", inquiry.status);
    view.set("created_at", inquiry.createdAtMs);
    if (inquiry.status == "answered") {
        view.set("answer", inquiry.answer);
        view.set("answered_by", inquiry.answeredBy);
        view.set("answered_at", inquiry.answeredAtMs);
    }
    return view;
}

// The event's payload: the inquiry and whom to tell (the document's /customer, and the
// language a notification template is chosen by), so a subscriber needs no second request.
store::OutboxEvent inquiryEvent(const std::string& type, const store::OrderRecord& order,
                                const store::InquiryRecord& inquiry) {
    Poco::JSON::Object payload = inquiryView(inquiry);
    payload.set("order_ref", order.orderRef);
    try {
        const auto document = Poco::JSON::Parser().parse(order.document).extract<Poco::JSON::Object::Ptr>();
        auto customer = document->getObject("customer");
        if (customer) payload.set("customer", customer);
        // The contract's place for it is /customer/language; the schema may only allow /attributes.
        if (customer && customer->has("language"))
            payload.set("language", customer->get("language"));
        else if (auto attributes = document->getObject("attributes"); attributes && attributes->has("language"))
            payload.set("language", attributes->get("language"));
    } catch (const Poco::Exception&) {
        // The host writes only JSON objects; an event without the customer is still true.
    }
    std::ostringstream json;
    payload.stringify(json);
    return {0, order.id, type, json.str(), inquiry.answeredAtMs > 0 ? inquiry.answeredAtMs : inquiry.createdAtMs};
}

std::optional<store::OrderRecord> findOrder(ApiContext& context, const std::string& id,
                                            Poco::Net::HTTPServerResponse& response) {
    auto order = isUuid(id) ? context.store.findById(id) : std::nullopt;
    if (!order) sendProblem(response, HTTPResponse::HTTP_NOT_FOUND, "no order with id '" + clientText(id, 64) + "'");
    return order;
}

void sendNoSuchInquiry(const std::string& orderId, const std::string& inquiryId,
                       Poco::Net::HTTPServerResponse& response) {
    sendProblem(response, HTTPResponse::HTTP_NOT_FOUND,
                "order " + orderId + " has no inquiry with id '" + clientText(inquiryId, 64) + "'");
}

}  // namespace

void postInquiry(ApiContext& context, const std::string& orderId, const std::string& body,
                 Poco::Net::HTTPServerResponse& response) {
    const auto order = findOrder(context, orderId, response);
    if (!order) return;
    store::InquiryRecord inquiry;
    try {
        const auto object = parseBody(body, {"question", "channel"});
        inquiry.question = customerText(*object, "question", store::kMaxInquiryTextBytes, true);
        inquiry.channel = customerText(*object, "channel", 16, false);
        if (std::none_of(std::begin(kChannels), std::end(kChannels),
                         [&](const char* c) { return inquiry.channel == c; }))
            throw BadInquiry{"\"channel\" must be one of email, phone, chat, portal, got \"" +
                             clientText(inquiry.channel, 16) + "\""};
    } catch (const BadInquiry& bad) {
        return sendProblem(response, HTTPResponse::HTTP_BAD_REQUEST, "invalid inquiry: " + bad.detail);
    }
    inquiry.id = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
    inquiry.orderId = order->id;
    inquiry.status = "open";
    inquiry.createdAtMs = nowMs();
    store::InquiryStore(context.store.database()).open(inquiry, inquiryEvent("inquiry.opened", *order, inquiry));
    response.set("Location", "/v1/orders/" + order->id + "/inquiries/" + inquiry.id);
    sendJson(response, HTTPResponse::HTTP_CREATED, inquiryView(inquiry));
}

void postInquiryAnswer(ApiContext& context, const std::string& orderId, const std::string& inquiryId,
                       const std::string& body, Poco::Net::HTTPServerResponse& response) {
    const auto order = findOrder(context, orderId, response);
    if (!order) return;
    store::InquiryStore inquiries(context.store.database());
    auto inquiry = isUuid(inquiryId) ? inquiries.find(order->id, inquiryId) : std::nullopt;
    if (!inquiry) return sendNoSuchInquiry(order->id, inquiryId, response);
    try {
        const auto object = parseBody(body, {"answer", "by"});
        inquiry->answer = customerText(*object, "answer", store::kMaxInquiryTextBytes, true);
        inquiry->answeredBy = customerText(*object, "by", store::kMaxInquiryByBytes, false);
    } catch (const BadInquiry& bad) {
        return sendProblem(response, HTTPResponse::HTTP_BAD_REQUEST, "invalid answer: " + bad.detail);
    }
    inquiry->status = "answered";
    inquiry->answeredAtMs = nowMs();
    switch (inquiries.answer(order->id, inquiry->id, inquiry->answer, inquiry->answeredBy, inquiry->answeredAtMs,
                             inquiryEvent("inquiry.answered", *order, *inquiry))) {
        case store::AnswerResult::Answered:
            return sendJson(response, HTTPResponse::HTTP_OK, inquiryView(*inquiry));
        case store::AnswerResult::UnknownInquiry:
            return sendNoSuchInquiry(order->id, inquiryId, response);
        case store::AnswerResult::AlreadyAnswered:
            break;
    }
    const auto stored = inquiries.find(order->id, inquiry->id);
    // The same answer again (a client's retry) is the answer it got; another one is a conflict.
    if (stored && stored->answer == inquiry->answer && stored->answeredBy == inquiry->answeredBy)
        return sendJson(response, HTTPResponse::HTTP_OK, inquiryView(*stored));
    sendProblem(response, HTTPResponse::HTTP_CONFLICT,
                "inquiry " + inquiry->id + " was already answered" +
                    (stored ? " by '" + clientText(stored->answeredBy, 64) + "'" : std::string()) +
                    "; open a new inquiry for a follow-up");
}

void getInquiries(ApiContext& context, const std::string& orderId, const std::string& inquiryId,
                  Poco::Net::HTTPServerResponse& response) {
    const auto order = findOrder(context, orderId, response);
    if (!order) return;
    store::InquiryStore inquiries(context.store.database());
    if (!inquiryId.empty()) {
        const auto inquiry = isUuid(inquiryId) ? inquiries.find(order->id, inquiryId) : std::nullopt;
        if (!inquiry) return sendNoSuchInquiry(order->id, inquiryId, response);
        return sendJson(response, HTTPResponse::HTTP_OK, inquiryView(*inquiry));
    }
    Poco::JSON::Array list;
    for (const store::InquiryRecord& inquiry : inquiries.ofOrder(order->id)) list.add(inquiryView(inquiry));
    Poco::JSON::Object reply(Poco::JSON_PRESERVE_KEY_ORDER);
    reply.set("inquiries", list);
    sendJson(response, HTTPResponse::HTTP_OK, reply);
}

}  // namespace orderhost::api
