// returns_rules.hpp — what orderhost.returns checks before it authorizes a return, without
// touching the database: the requested lines resolved against the order's /lines, the return
// window, non-returnable SKUs and kinds, and the goods-received payload. Each refusal names the
// line it is about. The quantities already returned come from the RMA tables (returns_step.cpp).
#ifndef ORDERHOST_PLUGINS_RETURNS_RULES_HPP
#define ORDERHOST_PLUGINS_RETURNS_RULES_HPP

#include <orderhost/sdk.hpp>

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace returns {

namespace sdk = orderhost::sdk;

// The refusal code of a goods_received that names no unit (readReceived).
inline constexpr char kNothingReceived[] = "goods_received_nothing";

// A business refusal: becomes REJECT (authorizing) or a renewed wait (goods received).
struct Refusal {
    std::string code;
    std::string message;
};

// One requested line, resolved to the order line it returns.
struct ReturnLine {
    std::size_t order_line = 0;  // index into /lines
    std::string sku;
    std::int64_t quantity = 0;
    std::int64_t unit_price = 0;
    std::int64_t ordered = 0;  // /lines/<i>/quantity: what was delivered
    std::string reason;
};

// One line of the goods-received signal.
struct ReceivedLine {
    std::string sku;
    std::int64_t quantity = 0;
    std::string condition;  // resellable | damaged
};

// Milliseconds since the epoch from an integer, or from an RFC 3339 UTC text
// ("2026-11-30T12:00:00Z", fraction ignored, "+01:00" offsets applied).
inline std::optional<std::int64_t> timeMs(const sdk::OrderDocument& order, const std::string& at) {
    if (!order.has(at)) return std::nullopt;
    if (order.type(at) == sdk::JsonType::number) return order.optionalInteger(at);
    const std::optional<std::string> text = order.optionalString(at);
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, used = 0;
    if (!text || std::sscanf(text->c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &used) != 6)
        return std::nullopt;
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    std::int64_t ms = static_cast<std::int64_t>(timegm(&tm)) * 1000;
    std::size_t rest = static_cast<std::size_t>(used);
    while (rest < text->size() && ((*text)[rest] == '.' || ((*text)[rest] >= '0' && (*text)[rest] <= '9'))) ++rest;
    int oh = 0, om = 0;
    if (rest < text->size() && ((*text)[rest] == '+' || (*text)[rest] == '-') &&
        std::sscanf(text->c_str() + rest + 1, "%2d:%2d", &oh, &om) == 2)
        ms -= ((*text)[rest] == '+' ? 1 : -1) * (oh * 60 + om) * 60000LL;
    return ms;
}

// The requested lines (/return/lines) resolved against /lines; a refusal names the line.
// Entries for the same order line are added up.
inline std::optional<Refusal> readRequest(const sdk::OrderDocument& order, const std::set<std::string>& nonReturnable,
                                          std::vector<ReturnLine>& out) {
    if (!order.has("/return/lines") || order.type("/return/lines") != sdk::JsonType::array ||
        order.size("/return/lines") == 0)
        return Refusal{"return_lines_missing",
                       "/return/lines must name the lines to return: [{\"sku\" or \"line\", "
                       "\"quantity\", \"reason\"}]"};
    const std::string defaultReason = order.optionalString("/return/reason").value_or("");
    const std::size_t orderLines = order.has("/lines") ? order.size("/lines") : 0;
    std::map<std::size_t, std::size_t> byOrderLine;  // order line -> index in out
    for (std::size_t i = 0; i < order.size("/return/lines"); ++i) {
        const std::string at = sdk::path("return", "lines", i);
        const std::string where = "return line " + std::to_string(i);
        std::optional<std::string> sku;
        std::optional<std::int64_t> index, quantity;
        try {
            sku = order.optionalString(at + "/sku");
            index = order.optionalInteger(at + "/line");
            quantity = order.optionalInteger(at + "/quantity");
        } catch (const sdk::Error& e) {
            return Refusal{"return_line_invalid", where + ": " + e.what()};
        }
        if (!quantity || *quantity <= 0)
            return Refusal{"return_quantity_invalid", where + ": quantity must be a positive integer"};
        std::optional<std::size_t> found;
        if (index) {
            if (*index >= 0 && static_cast<std::size_t>(*index) < orderLines) found = static_cast<std::size_t>(*index);
        } else if (sku) {
            for (std::size_t l = 0; l < orderLines && !found; ++l)
                if (order.optionalString(sdk::path("lines", l, "sku")).value_or("") == *sku) found = l;
        }
        const std::string lineSku = found ? order.optionalString(sdk::path("lines", *found, "sku")).value_or("") : "";
        if (found && sku && *sku != lineSku)  // both given and they disagree: say that, not "unknown"
            return Refusal{"return_line_unknown", where + ": \"line\" " + std::to_string(*index) + " is SKU " +
                                                      lineSku + ", not \"sku\" " + *sku +
                                                      "; name the line by one of them, or both alike"};
        if (!found && index)  // "line" wins when given: name it, whatever "sku" says
            return Refusal{"return_line_unknown", where + ": \"line\" " + std::to_string(*index) +
                                                      " is not a line of this order (it has " +
                                                      std::to_string(orderLines) + ", from 0)"};
        if (!found)
            return Refusal{"return_line_unknown", where + " (" +
                                                      (sku ? "SKU " + *sku : std::string("no \"sku\" or \"line\"")) +
                                                      ") is not a line of this order"};
        const std::string named = where + " (SKU " + lineSku + ")";
        if (nonReturnable.count(lineSku))
            return Refusal{"return_sku_not_returnable", named + ": this SKU is not returnable"};
        if (order.optionalString(sdk::path("lines", *found, "kind")).value_or("goods") == "service")
            return Refusal{"return_line_not_goods", named + ": a service line cannot be returned"};
        std::string reason = defaultReason;
        try {
            reason = order.optionalString(at + "/reason").value_or(defaultReason);
        } catch (const sdk::Error&) {
            return Refusal{"return_line_invalid", where + ": reason must be a string"};
        }
        auto merged = byOrderLine.find(*found);
        if (merged != byOrderLine.end()) {
            // Checked before adding: entries of 2^62 each must not wrap the sum negative and
            // pass the returnable check with a negative quantity.
            ReturnLine& line = out[merged->second];
            if (*quantity > line.ordered - line.quantity)
                return Refusal{"return_quantity_exceeded", named +
                                                               ": the requested quantities add up to more than the " +
                                                               std::to_string(line.ordered) + " ordered"};
            line.quantity += *quantity;
            continue;
        }
        ReturnLine line;
        line.order_line = *found;
        line.sku = lineSku;
        line.quantity = *quantity;
        line.unit_price = order.optionalInteger(sdk::path("lines", *found, "unit_price")).value_or(0);
        line.ordered = order.optionalInteger(sdk::path("lines", *found, "quantity")).value_or(0);
        line.reason = reason;
        byOrderLine[*found] = out.size();
        out.push_back(std::move(line));
    }
    return std::nullopt;
}

// The goods-received payload at `at`, checked against what the RMA authorized per SKU.
inline std::optional<Refusal> readReceived(const sdk::OrderDocument& order, const std::string& at,
                                           const std::map<std::string, std::int64_t>& authorized,
                                           std::vector<ReceivedLine>& out) {
    const std::string lines = at + "/lines";
    if (!order.has(lines) || order.type(lines) != sdk::JsonType::array)
        return Refusal{"goods_received_invalid", lines + " must be an array of {sku, quantity, condition}"};
    std::map<std::string, std::int64_t> total;
    for (std::size_t i = 0; i < order.size(lines); ++i) {
        const std::string entry = lines + "/" + std::to_string(i);
        ReceivedLine line;
        try {
            line.sku = order.optionalString(entry + "/sku").value_or("");
            line.quantity = order.optionalInteger(entry + "/quantity").value_or(-1);
            line.condition = order.optionalString(entry + "/condition").value_or("");
        } catch (const sdk::Error& e) {
            return Refusal{"goods_received_invalid", "received line " + std::to_string(i) + ": " + e.what()};
        }
        const std::string named = "received line " + std::to_string(i) + " (SKU " + line.sku + ")";
        if (line.sku.empty())
            return Refusal{"goods_received_invalid", "received line " + std::to_string(i) + ": \"sku\" is missing"};
        if (!authorized.count(line.sku)) return Refusal{"goods_received_invalid", named + ": not on this RMA"};
        if (line.quantity < 0) return Refusal{"goods_received_invalid", named + ": quantity must be an integer >= 0"};
        if (line.condition != "resellable" && line.condition != "damaged")
            return Refusal{"goods_received_invalid", named + ": condition must be \"resellable\" or \"damaged\""};
        // Checked before adding (0 <= total <= authorized), so a huge quantity cannot wrap the sum.
        const std::int64_t before = total[line.sku], limit = authorized.at(line.sku);
        if (line.quantity > limit - before) {
            const std::string received = line.quantity <= std::numeric_limits<std::int64_t>::max() - before
                                             ? std::to_string(before + line.quantity)
                                             : "more than " + std::to_string(std::numeric_limits<std::int64_t>::max());
            return Refusal{"goods_received_exceeds_rma",
                           named + ": " + received + " received, only " + std::to_string(limit) + " authorized"};
        }
        total[line.sku] = before + line.quantity;
        if (line.quantity > 0) out.push_back(std::move(line));
    }
    // Nothing received (no line, or every quantity 0) is the warehouse saying the goods did not
    // come: the caller ends the return as a timeout does (kNothingReceived). Accepted as a
    // receipt, it ended the return "returned" with nothing restocked, credited or refunded
    // (found by a black-box probe).
    if (out.empty()) return Refusal{kNothingReceived, lines + " names no unit received"};
    return std::nullopt;
}

}  // namespace returns

#endif  // ORDERHOST_PLUGINS_RETURNS_RULES_HPP
