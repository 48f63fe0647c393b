// Quotes the host answered (POST /v1/quotes, issue 15 item 3), kept so that an order naming
// one within its validity gets the quoted prices. Rows live in `quotes` (Migrations.cpp v14).
//
//   QuoteStore quotes(db);
//   quotes.save({id, client, chain, version, draftJson, answerJson, nowMs, nowMs + validForMs});
//   std::optional<QuoteRecord> q = quotes.find(id);   // then check client, validity, use
//
// A quote is used by the order whose insert names it (OrderStore::insertOrder with a quote
// id): of several orders naming one quote at once, one is inserted. Thread-safe: each call
// takes its own session.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "host/store/Database.h"

namespace orderhost::store {

struct QuoteRecord {
    std::string id;      // a UUID
    std::string client;  // the API key's id that asked ("*" for api.token and an open host)
    std::string chain;
    int chainVersion = 0;
    std::string draft;     // the draft as the client sent it (JSON): an order must be this draft
    std::string document;  // the draft as the answering steps left it (JSON): what was quoted
    int64_t createdAtMs = 0;
    int64_t validUntilMs = 0;
    std::string usedByOrder;  // the order's id once an order used it; empty before
    int64_t usedAtMs = 0;
};

// Unused quotes whose validity ended longer ago than this are deleted (used ones stay).
inline constexpr int64_t kQuoteRetentionMs = 7LL * 24 * 3600 * 1000;

class QuoteStore {
public:
    explicit QuoteStore(Database& db) : db_(db) {}

    // Inserts the quote, and at most once a minute per process deletes the unused quotes whose
    // validity ended more than kQuoteRetentionMs before `record.createdAtMs` (a failed purge is
    // logged; the quote stays saved). Used quotes stay: a repeat of their order needs them.
    void save(const QuoteRecord& record);
    std::optional<QuoteRecord> find(const std::string& id);

private:
    Database& db_;
};

}  // namespace orderhost::store
