// The events feed: outbox events over HTTP for consumers that poll instead of taking webhooks.
// Paging is by event id ("after"), in the outbox's delivery order (host/store/Outbox.h), so a
// consumer that passes back next_after sees every event once, in order, and never one whose
// transaction could still be overtaken.
#include "host/api/Endpoints.h"

#include "host/api/ClientText.h"
#include "host/api/JsonReply.h"
#include "host/api/RequestReading.h"
#include "host/events/EventJson.h"

#include <Poco/Exception.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <thread>

namespace orderhost::api {
namespace {
using Poco::Net::HTTPResponse;

constexpr std::int64_t kDefaultLimit = 100;
constexpr std::int64_t kMaxLimit = 1000;
// Long-poll: how long a request may wait for events, and how often it looks meanwhile. Each
// waiting request holds an HTTP thread (http.max_threads) and polls the database, so at most
// kMaxWaiters wait at once (more answer at once), and never longer than the HTTP server's
// drain at shutdown (5 s), so no waiter outlives the host's store.
constexpr std::int64_t kMaxWaitMs = 4000;
constexpr int kMaxWaiters = 8;
std::atomic<int> waiters{0};
constexpr auto kWaitPoll = std::chrono::milliseconds(100);

// A refusal of the query, naming the parameter at fault.
struct BadEventQuery {
    std::string detail;
};

// Digits only ("+1", "1e3", " 1" are refused): a non-negative integer that fits 63 bits.
std::optional<std::int64_t> parseCount(const std::string& text) {
    if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) return {};
    const unsigned long long value = std::stoull(text);
    if (value > static_cast<unsigned long long>(std::numeric_limits<std::int64_t>::max())) return {};
    return static_cast<std::int64_t>(value);
}

struct FeedQuery {
    std::int64_t after = 0;
    std::int64_t limit = kDefaultLimit;
    std::int64_t waitMs = 0;  // long-poll: wait up to this long when nothing is there yet
};

FeedQuery parseFeedQuery(const Poco::URI& uri) {
    Poco::URI::QueryParameters parameters;
    try {
        parameters = uri.getQueryParameters();
    } catch (const Poco::SyntaxException&) {
        throw BadEventQuery{"malformed query string"};
    }
    FeedQuery query;
    std::set<std::string> seen;
    for (const auto& [name, value] : parameters) {
        if (name != "after" && name != "limit" && name != "wait_ms")
            throw BadEventQuery{"unknown query parameter '" + clientText(name, 64) +
                                "' (allowed: after, limit, wait_ms)"};
        // A misspelt or repeated cursor must not silently restart the feed from the beginning.
        if (!seen.insert(name).second)
            throw BadEventQuery{"query parameter '" + clientText(name, 64) + "' is given more than once"};
        const auto number = parseCount(value);
        if (name == "after") {
            if (!number)
                throw BadEventQuery{"query parameter 'after' must be an event id (a non-negative integer), got '" +
                                    clientText(value, 64) + "'"};
            query.after = *number;
        } else if (name == "wait_ms") {
            if (!number || *number > kMaxWaitMs)
                throw BadEventQuery{"query parameter 'wait_ms' must be an integer from 0 to " +
                                    std::to_string(kMaxWaitMs) + ", got '" + clientText(value, 64) + "'"};
            query.waitMs = *number;
        } else {
            if (!number || *number < 1 || *number > kMaxLimit)
                throw BadEventQuery{"query parameter 'limit' must be an integer from 1 to " +
                                    std::to_string(kMaxLimit) + ", got '" + clientText(value, 64) + "'"};
            query.limit = *number;
        }
    }
    return query;
}

Poco::JSON::Array::Ptr eventArray(const std::vector<store::OutboxEvent>& events) {
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const auto& event : events) list->add(events::eventJson(event));
    return list;
}

bool feedAvailable(ApiContext& context, Poco::Net::HTTPServerResponse& response) {
    if (context.outbox != nullptr) return true;
    sendProblem(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE, "the events feed is not enabled on this host");
    return false;
}

}  // namespace

void getEvents(ApiContext& context, const Poco::URI& uri, Poco::Net::HTTPServerResponse& response) {
    FeedQuery query;
    try {
        query = parseFeedQuery(uri);
    } catch (const BadEventQuery& bad) {
        return sendProblem(response, HTTPResponse::HTTP_BAD_REQUEST, bad.detail);
    }
    if (!feedAvailable(context, response)) return;
    std::vector<store::OutboxEvent> events;
    try {
        struct Waiting {  // counts this request among the waiters while it waits
            bool counted = false;
            ~Waiting() {
                if (counted) --waiters;
            }
        } waiting;
        if (query.waitMs > 0) waiting.counted = ++waiters <= kMaxWaiters;
        if (query.waitMs > 0 && !waiting.counted) {
            --waiters;
            query.waitMs = 0;
        }
        const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(query.waitMs);
        for (;;) {
            events = context.outbox->eventsAfter(query.after, static_cast<std::size_t>(query.limit));
            if (!events.empty() || std::chrono::steady_clock::now() + kWaitPoll > until) break;
            std::this_thread::sleep_for(kWaitPoll);
        }
    } catch (const store::UnknownEventError&) {
        return sendProblem(response, HTTPResponse::HTTP_BAD_REQUEST,
                           "query parameter 'after': there is no event " + std::to_string(query.after) +
                               " (pass 0, or an id this feed returned)");
    }
    Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
    body.set("events", eventArray(events));
    body.set("next_after", events.empty() ? query.after : events.back().id);
    sendJson(response, HTTPResponse::HTTP_OK, body);
}

void getOrderEvents(ApiContext& context, const std::string& id, Poco::Net::HTTPServerResponse& response) {
    if (!looksLikeOrderId(id) || !context.store.findById(id)) {
        return sendProblem(response, HTTPResponse::HTTP_NOT_FOUND, "no order with id '" + clientText(id, 64) + "'");
    }
    if (!feedAvailable(context, response)) return;
    Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
    body.set("order_id", id);
    body.set("events", eventArray(context.outbox->eventsOfOrder(id, static_cast<std::size_t>(kMaxLimit))));
    sendJson(response, HTTPResponse::HTTP_OK, body);
}

}  // namespace orderhost::api
