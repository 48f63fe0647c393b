#include "host/engine/QuotedOrder.h"

#include "host/store/Database.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>

#include <set>

namespace orderhost::engine {
namespace {

using document::JsonDocument;
using document::Status;

QuoteCheck refusal(QuoteCheck::Kind kind, std::string message) {
    QuoteCheck check;
    check.kind = kind;
    check.message = std::move(message);
    return check;
}

std::string isoTime(int64_t ms) {
    return Poco::DateTimeFormatter::format(Poco::Timestamp(ms * 1000), Poco::DateTimeFormat::ISO8601_FRAC_FORMAT);
}

// The value at `pointer` in a comparable form ("" when absent): objects canonical, so that
// member order does not make two equal addresses differ.
std::string valueAt(const JsonDocument& doc, const std::string& pointer) {
    std::string json;
    if (doc.getJson(pointer, json) != Status::Ok) return {};
    auto parsed = JsonDocument::parse(json);
    return parsed.ok() ? parsed.document->canonicalJson() : json;
}

std::set<std::string> memberNames(const JsonDocument& doc, const std::string& pointer) {
    std::set<std::string> names;
    std::size_t count = 0;
    std::string name;
    if (doc.getSize(pointer, count) != Status::Ok) return names;
    for (std::size_t i = 0; i < count; ++i)
        if (doc.getKey(pointer, i, name) == Status::Ok) names.insert(name);
    return names;
}

// Where the order differs from the draft that was quoted, as schema-style errors. Everything
// but order_ref, quote_id and chain (compared by name by the caller) must be the same, so that
// every step and every `when:` sees the order as it saw the draft. A line may add the
// unit_price it was quoted (`answered`: the quote's answer), nothing else.
std::vector<document::SchemaError> differences(const JsonDocument& order, const JsonDocument& draft,
                                               const JsonDocument& answered) {
    std::vector<document::SchemaError> errors;
    auto add = [&](const std::string& pointer, const std::string& quoted) {
        if (errors.size() < document::kMaxSchemaErrors)
            errors.push_back(
                {pointer, "differs from the quote (quoted: " + (quoted.empty() ? "absent" : quoted) + ")"});
    };
    auto compare = [&](const std::string& pointer) {
        const std::string mine = valueAt(order, pointer), theirs = valueAt(draft, pointer);
        if (mine != theirs) add(pointer, theirs);
    };
    std::set<std::string> top = memberNames(order, "");
    top.merge(memberNames(draft, ""));
    for (const std::string& name : top) {
        if (name == "order_ref" || name == "quote_id" || name == "chain") continue;
        if (name != "lines") {
            compare("/" + name);
            continue;
        }
        std::size_t lines = 0, quotedLines = 0;
        order.getSize("/lines", lines);
        draft.getSize("/lines", quotedLines);
        if (lines != quotedLines) {
            errors.push_back({"/lines", "the order has " + std::to_string(lines) + " lines, the quote " +
                                            std::to_string(quotedLines)});
            continue;
        }
        for (std::size_t i = 0; i < lines; ++i) {
            const std::string line = "/lines/" + std::to_string(i);
            std::set<std::string> fields = memberNames(order, line);
            fields.merge(memberNames(draft, line));
            for (const std::string& field : fields) {
                const std::string pointer = line + "/" + field;
                if (field != "unit_price" || !valueAt(draft, pointer).empty()) {
                    compare(pointer);
                } else if (const std::string price = valueAt(order, pointer), quoted = valueAt(answered, pointer);
                           price != quoted) {
                    add(pointer, quoted);  // the order sent a price: it must be the quoted one
                }
            }
        }
    }
    return errors;
}

}  // namespace

QuoteCheck applyQuote(store::QuoteStore& quotes, JsonDocument& doc, const std::string& quoteId,
                      const std::string& client, const std::string& chain, int64_t nowMs) {
    const std::optional<store::QuoteRecord> quote = quotes.find(quoteId);
    if (!quote || quote->client != client) {
        return refusal(QuoteCheck::Kind::Unknown, "no quote with id '" + quoteId + "' for this client");
    }
    if (!quote->usedByOrder.empty()) {
        QuoteCheck used = refusal(QuoteCheck::Kind::Used, "quote '" + quoteId + "' was used by order " +
                                                              quote->usedByOrder + " at " + isoTime(quote->usedAtMs));
        used.usedByOrder = quote->usedByOrder;
        return used;
    }
    if (quote->validUntilMs <= nowMs) {
        return refusal(QuoteCheck::Kind::Expired, "quote '" + quoteId + "' expired at " + isoTime(quote->validUntilMs) +
                                                      " (quotes.valid_for_s); ask for a new one");
    }
    if (quote->chain != chain) {
        return refusal(QuoteCheck::Kind::Mismatch,
                       "quote '" + quoteId + "' was made for chain " + quote->chain + ", this order is for " + chain);
    }
    auto quoted = JsonDocument::parse(quote->document);
    auto draft = JsonDocument::parse(quote->draft);
    if (!quoted.ok() || !draft.ok())
        throw std::runtime_error("quote " + quoteId + " holds a document that does not parse");
    QuoteCheck check;
    check.errors = differences(doc, *draft.document, *quoted.document);
    if (!check.errors.empty()) {
        check.kind = QuoteCheck::Kind::Mismatch;
        check.message = "the order differs from quote '" + quoteId + "' (" + std::to_string(check.errors.size()) +
                        " field(s)): place the draft that was quoted, or ask for a new quote";
        return check;
    }
    const std::string carried = "{\"id\":\"" + quoteId + "\",\"valid_until\":" + std::to_string(quote->validUntilMs) +
                                ",\"chain\":\"" + quote->chain +
                                "\",\"chain_version\":" + std::to_string(quote->chainVersion) +
                                ",\"order\":" + quote->document + "}";
    if (doc.set("/quote", carried) != Status::Ok) {
        return refusal(QuoteCheck::Kind::TooLarge, "the order with quote '" + quoteId + "' does not fit in a document");
    }
    if (doc.toJson().size() > store::kMaxDocumentBytes) {
        return refusal(QuoteCheck::Kind::TooLarge, "the order with quote '" + quoteId + "' would be larger than " +
                                                       std::to_string(store::kMaxDocumentBytes) + " bytes");
    }
    check.kind = QuoteCheck::Kind::Honoured;
    return check;
}

QuoteCheck quoteGoneAtInsert(store::QuoteStore& quotes, const std::string& quoteId, int64_t nowMs) {
    const std::optional<store::QuoteRecord> quote = quotes.find(quoteId);
    if (quote && !quote->usedByOrder.empty()) {
        QuoteCheck used = refusal(QuoteCheck::Kind::Used, "quote '" + quoteId + "' was used by order " +
                                                              quote->usedByOrder + " at " + isoTime(quote->usedAtMs));
        used.usedByOrder = quote->usedByOrder;
        return used;
    }
    return refusal(QuoteCheck::Kind::Expired,
                   "quote '" + quoteId + "' expired at " + isoTime(quote ? quote->validUntilMs : nowMs) +
                       " while the order was placed (quotes.valid_for_s); ask for a new one");
}

}  // namespace orderhost::engine
