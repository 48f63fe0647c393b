// GET /v1/orders: order search for the ERP, and (with order_ref alone) the order of one
// reference, as before search existed. Every refusal is a 400 naming the parameter at fault.
// Pages are keyset pages (host/store/OrderSearch.h); the cursor handed out is opaque to the
// client: base64url of "1:<created_at>:<id>" — its format may change, clients pass it back.
#include "host/api/Endpoints.h"

#include "host/api/ClientText.h"
#include "host/api/JsonReply.h"
#include "host/api/RequestReading.h"
#include "host/engine/OrderState.h"
#include "host/store/OrderSearch.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/Exception.h>

#include <algorithm>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

namespace orderhost::api {
namespace {
using Poco::Net::HTTPResponse;

struct BadSearchQuery {
    std::string detail;
};

const char* const kParameters[] = {"customer",   "order_ref", "state", "created_from",
                                   "created_to", "chain",     "limit", "cursor"};

// RFC 3339 date-time ("2026-11-30T17:00:00Z", "...T17:00:00.250+01:00") -> ms since the
// epoch. Strict: no date without time, no missing offset (a local time would be a guess).
std::optional<int64_t> parseRfc3339(const std::string& text) {
    static const std::regex pattern(
        R"((\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|([+\- ])(\d{2}):(\d{2})))");
    std::smatch m;
    if (!std::regex_match(text, m, pattern)) return std::nullopt;
    auto number = [&](int group) { return std::stoi(m[group].str()); };
    const int year = number(1), month = number(2), day = number(3), hour = number(4), minute = number(5),
              second = number(6);
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (month < 1 || month > 12 || day < 1 || day > days[month - 1] + (month == 2 && leap ? 1 : 0) || hour > 23 ||
        minute > 59 || second > 59)
        return std::nullopt;
    // Days since 1970-01-01 (H. Hinnant's days_from_civil).
    const int y = year - (month <= 2 ? 1 : 0);
    const int era = y / 400;
    const int yoe = y - era * 400;
    const int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const int64_t daysSinceEpoch = int64_t{era} * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
    int64_t ms = ((daysSinceEpoch * 24 + hour) * 60 + minute) * 60000 + int64_t{second} * 1000;
    if (m[7].matched) ms += std::stoi((m[7].str().substr(1) + "00").substr(0, 3));  // ms, further digits cut
    if (m[9].matched) {
        const int offsetMinutes = number(10) * 60 + number(11);
        if (number(10) > 23 || number(11) > 59) return std::nullopt;
        // A '+' that arrived unencoded in a query string decodes as a space.
        ms -= (m[9].str() == "-" ? -1 : 1) * int64_t{offsetMinutes} * 60000;
    }
    return ms;
}

std::string encodeCursor(const store::OrderPosition& position) {
    std::ostringstream out;
    Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
    encoder << "1:" << position.createdAtMs << ':' << position.id;
    encoder.close();
    return out.str();
}

store::OrderPosition decodeCursor(const std::string& cursor) {
    const BadSearchQuery bad{
        "query parameter 'cursor' is not a cursor this host handed out (pass next_cursor back unchanged)"};
    std::string text;
    try {
        std::istringstream in(cursor);
        Poco::Base64Decoder decoder(in, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
        std::getline(decoder, text, '\0');
    } catch (const Poco::Exception&) {
        throw bad;
    }
    static const std::regex pattern(R"(1:(\d{1,18}):([0-9a-f-]{36}))");
    std::smatch m;
    if (cursor.size() > 100 || !std::regex_match(text, m, pattern)) throw bad;
    return {std::stoll(m[1].str()), m[2].str()};
}

bool isKnownState(const std::string& state) {
    namespace s = engine::states;
    for (const std::string* known : {&s::kReceived, &s::kInProgress, &s::kCompleted, &s::kRejected, &s::kOnHold,
                                     &s::kFailed, &s::kRetryWait, &s::kCompensating, &s::kCancelled, &s::kReturned})
        if (state == *known) return true;
    return false;
}

std::string parameterList() {
    std::string list;
    for (const char* name : kParameters) list += (list.empty() ? "" : ", ") + std::string(name);
    return list;
}

void setParameter(store::OrderQuery& query, const std::string& name, const std::string& value) {
    auto refuse = [&](const std::string& rule) {
        throw BadSearchQuery{"query parameter '" + name + "' " + rule + ", got '" + clientText(value, 64) + "'"};
    };
    static const std::regex chainPattern("[a-z0-9-]{1,64}");
    if (name == "customer") {
        // The order schema's rule for /customer/id: 1 to 64 characters, no control characters.
        if (value.empty() || value.size() > 256 || validUtf8(value) != value ||
            std::any_of(value.begin(), value.end(), [](char c) { return (c >= 0 && c < 0x20) || c == 0x7f; }))
            refuse("must be a customer id (1 to 64 characters, no control characters)");
        query.customerId = value;
    } else if (name == "order_ref") {
        if (!looksLikeOrderRef(value)) refuse("must be 1 to 64 of letters, digits and . _ : -");
        query.orderRef = value;
    } else if (name == "state") {
        if (!isKnownState(value))
            refuse("must be an order state (completed, on_hold, cancelled, ...: see the order view)");
        query.state = value;
    } else if (name == "chain") {
        if (!std::regex_match(value, chainPattern)) refuse("must be a chain name (lowercase letters, digits and -)");
        query.chain = value;
    } else if (name == "created_from" || name == "created_to") {
        const auto ms = parseRfc3339(value);
        if (!ms) refuse("must be an RFC 3339 date-time with offset, e.g. 2026-11-30T17:00:00Z");
        (name == "created_from" ? query.createdFromMs : query.createdToMs) = ms;
    } else if (name == "limit") {
        const bool digits =
            !value.empty() && value.size() <= 4 && value.find_first_not_of("0123456789") == std::string::npos;
        const long limit = digits ? std::stol(value) : 0;
        if (limit < 1 || limit > static_cast<long>(store::kMaxOrderPageSize))
            refuse("must be an integer from 1 to " + std::to_string(store::kMaxOrderPageSize));
        query.limit = static_cast<std::size_t>(limit);
    } else if (name == "cursor") {
        query.after = decodeCursor(value);
    } else {
        throw BadSearchQuery{"unknown query parameter '" + clientText(name, 64) + "' (allowed: " + parameterList() +
                             ")"};
    }
}

Poco::JSON::Object summaryView(const store::OrderSummary& order) {
    Poco::JSON::Object view(Poco::JSON_PRESERVE_KEY_ORDER);
    view.set("id", order.id);
    view.set("order_ref", order.orderRef);
    if (!order.customerId.empty()) view.set("customer_id", order.customerId);
    view.set("chain", order.chain);
    view.set("chain_version", order.chainVersion);
    view.set("state", order.state);
    view.set("created_at", order.createdAtMs);
    view.set("updated_at", order.updatedAtMs);
    return view;
}

}  // namespace

void getOrders(ApiContext& context, const Poco::URI::QueryParameters& parameters,
               Poco::Net::HTTPServerResponse& response) {
    // order_ref alone: the single order view (the API before search; clients rely on it).
    if (parameters.size() == 1 && parameters.front().first == "order_ref")
        return getOrderByRef(context, parameters.front().second, response);
    store::OrderQuery query;
    try {
        std::set<std::string> seen;
        for (const auto& [name, value] : parameters) {
            if (!seen.insert(name).second)
                throw BadSearchQuery{"query parameter '" + clientText(name, 64) + "' is given more than once"};
            setParameter(query, name, value);
        }
        if (query.createdFromMs && query.createdToMs && *query.createdFromMs >= *query.createdToMs)
            throw BadSearchQuery{"query parameter 'created_to' must be after 'created_from' (the range is [from, to))"};
    } catch (const BadSearchQuery& bad) {
        return sendProblem(response, HTTPResponse::HTTP_BAD_REQUEST, bad.detail);
    }
    const store::OrderPage page = store::OrderSearch(context.store.database()).find(query);
    Poco::JSON::Array orders;
    for (const store::OrderSummary& order : page.orders) orders.add(summaryView(order));
    Poco::JSON::Object reply(Poco::JSON_PRESERVE_KEY_ORDER);
    reply.set("orders", orders);
    if (page.more) reply.set("next_cursor", encodeCursor(page.last));
    sendJson(response, HTTPResponse::HTTP_OK, reply);
}

}  // namespace orderhost::api
