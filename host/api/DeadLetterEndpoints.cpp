// GET /v1/dead-letters[?state=dead|replay|replayed] and POST /v1/dead-letters/{id}/replay:
// the webhook events set aside after events.webhook_max_attempts refusals (store/DeadLetters.h).
#include "host/api/ClientText.h"
#include "host/api/Endpoints.h"
#include "host/api/JsonReply.h"
#include "host/events/WebhookClient.h"
#include "host/store/DeadLetters.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/NumberParser.h>

namespace orderhost::api {
namespace {
using Poco::Net::HTTPResponse;

constexpr std::size_t kMaxListed = 1000;

// The URL without user:password and query: the list is for administrators, the secrets are not.
std::string shownSubscriber(const std::string& url) {
    try {
        return events::describeUrl(Poco::URI(url));
    } catch (const Poco::Exception&) {
        return "(unparsable URL)";
    }
}

Poco::JSON::Object letterJson(const store::DeadLetter& letter) {
    Poco::JSON::Object json(Poco::JSON_PRESERVE_KEY_ORDER);
    json.set("id", letter.id);
    json.set("subscriber", shownSubscriber(letter.subscriber));
    json.set("event_id", letter.eventId);
    json.set("event_type", letter.eventType);
    json.set("order_id", letter.orderId);
    json.set("attempts", letter.attempts);
    json.set("last_error", letter.lastError);
    json.set("state", letter.state);
    json.set("dead_at", letter.deadAtMs);
    if (letter.replayedAtMs != 0) json.set("replayed_at", letter.replayedAtMs);
    return json;
}

}  // namespace

void getDeadLetters(ApiContext& context, const Poco::URI::QueryParameters& parameters,
                    Poco::Net::HTTPServerResponse& response) {
    std::string state;
    for (const auto& [name, value] : parameters) {
        if (name != "state")
            return sendProblem(response, HTTPResponse::HTTP_BAD_REQUEST,
                               "unknown query parameter '" + clientText(name, 64) + "' (state is the only one)");
        if (!state.empty())
            return sendProblem(response, HTTPResponse::HTTP_BAD_REQUEST,
                               "query parameter 'state' is given more than once");
        if (value != "dead" && value != "replay" && value != "replayed")
            return sendProblem(
                response, HTTPResponse::HTTP_BAD_REQUEST,
                "query parameter 'state' must be dead, replay or replayed (got '" + clientText(value, 64) + "')");
        state = value;
    }
    Poco::JSON::Array list;
    for (const auto& letter : store::DeadLetters(context.store.database()).list(state, kMaxListed))
        list.add(letterJson(letter));
    Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
    body.set("dead_letters", list);
    sendJson(response, HTTPResponse::HTTP_OK, body);
}

void postDeadLetterReplay(ApiContext& context, const std::string& id, Poco::Net::HTTPServerResponse& response) {
    // Digits only: Poco's parser also skips blanks and thousands separators ("1,2" would be 12).
    Poco::Int64 number = 0;
    if (id.empty() || id.size() > 19 || id.find_first_not_of("0123456789") != std::string::npos ||
        !Poco::NumberParser::tryParse64(id, number) || number <= 0)
        return sendProblem(response, HTTPResponse::HTTP_NOT_FOUND, "no dead letter '" + clientText(id, 64) + "'");
    store::DeadLetters letters(context.store.database());
    const store::ReplayRequest result = letters.requestReplay(number);
    if (result == store::ReplayRequest::Unknown)
        return sendProblem(response, HTTPResponse::HTTP_NOT_FOUND, "no dead letter " + std::to_string(number));
    if (result == store::ReplayRequest::AlreadyReplayed)
        return sendProblem(response, HTTPResponse::HTTP_CONFLICT,
                           "dead letter " + std::to_string(number) + " was replayed and acknowledged already");
    Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
    body.set("id", number);
    body.set("state", "replay");
    // The subscriber's relay delivers it with its next pass (within events.relay_poll_ms).
    sendJson(response, HTTPResponse::HTTP_ACCEPTED, body);
}

}  // namespace orderhost::api
