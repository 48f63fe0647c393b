#include "host/engine/QuotedOrder.h"

#include "host/store/Database.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>

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

// Where the order differs from the quoted draft, as schema-style errors.
std::vector<document::SchemaError> differences(const JsonDocument& order, const JsonDocument& quoted) {
    std::vector<document::SchemaError> errors;
    auto compare = [&](const std::string& pointer) {
        const std::string mine = valueAt(order, pointer), theirs = valueAt(quoted, pointer);
        if (mine == theirs) return;
        errors.push_back({pointer, "differs from the quote (quoted: " + (theirs.empty() ? std::string("absent") : theirs) +
                                       ")"});
    };
    for (const char* pointer : {"/currency", "/customer/id", "/shipping_address"}) compare(pointer);
    std::size_t lines = 0, quotedLines = 0;
    order.getSize("/lines", lines);
    quoted.getSize("/lines", quotedLines);
    if (lines != quotedLines) {
        errors.push_back({"/lines", "the order has " + std::to_string(lines) + " lines, the quote " +
                                        std::to_string(quotedLines)});
        return errors;
    }
    for (std::size_t i = 0; i < lines && errors.size() < document::kMaxSchemaErrors; ++i) {
        for (const char* field : {"sku", "quantity", "kind"}) compare("/lines/" + std::to_string(i) + "/" + field);
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
    if (!quoted.ok()) throw std::runtime_error("quote " + quoteId + " holds a document that does not parse");
    QuoteCheck check;
    check.errors = differences(doc, *quoted.document);
    if (!check.errors.empty()) {
        check.kind = QuoteCheck::Kind::Mismatch;
        check.message = "the order differs from quote '" + quoteId + "' (" + std::to_string(check.errors.size()) +
                        " field(s)): place the draft that was quoted, or ask for a new quote";
        return check;
    }
    const std::string carried = "{\"id\":\"" + quoteId + "\",\"valid_until\":" + std::to_string(quote->validUntilMs) +
                                ",\"chain\":\"" + quote->chain + "\",\"chain_version\":" +
                                std::to_string(quote->chainVersion) + ",\"order\":" + quote->document + "}";
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
    return refusal(QuoteCheck::Kind::Expired, "quote '" + quoteId + "' expired while the order was placed (" +
                                                  std::to_string(nowMs) + "); ask for a new one");
}

}  // namespace orderhost::engine
