// Order search for the ERP (GET /v1/orders): a customer's orders, by state, chain or creation
// time, a page at a time.
//
// Pages are keyset pages on (created_at, id), oldest first: a page ends at its last order and
// the next starts strictly after it. Orders inserted meanwhile never shift a page (as OFFSET
// would), so paging through lists every matching order that existed when it began exactly
// once; newer ones come on later pages. Every filter has an index ending in (created_at, id)
// (Migrations.cpp v9).
//
//   OrderSearch search(db);
//   OrderQuery query;
//   query.customerId = "C-100";
//   OrderPage page = search.find(query);
//   while (page.more) { query.after = page.last; page = search.find(query); }
//
// Thread-safe: each call takes its own session.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "host/store/Database.h"

namespace orderhost::store {

// Where a page ended: the (created_at, id) of its last order.
struct OrderPosition {
    int64_t createdAtMs = 0;
    std::string id;
};

// Filters are ANDed; an empty string or nullopt does not filter.
struct OrderQuery {
    std::string customerId, orderRef, state, chain;
    std::optional<int64_t> createdFromMs;  // inclusive
    std::optional<int64_t> createdToMs;    // exclusive
    std::optional<OrderPosition> after;    // the previous page's last order
    std::size_t limit = 50;                // 1 .. kMaxOrderPageSize
};

inline constexpr std::size_t kMaxOrderPageSize = 500;

// What a search returns per order: the columns, not the document (a page of 500 documents
// could be 8 GB); GET /v1/orders/{id} has the rest.
struct OrderSummary {
    std::string id, orderRef, customerId, chain;
    int chainVersion = 0;
    std::string state;
    int64_t createdAtMs = 0, updatedAtMs = 0;
};

struct OrderPage {
    std::vector<OrderSummary> orders;
    bool more = false;  // another page follows; it starts after `last`
    OrderPosition last;
};

class OrderSearch {
public:
    explicit OrderSearch(Database& db) : db_(db) {}

    // Throws StoreError when limit is 0 or above kMaxOrderPageSize, or the database fails.
    OrderPage find(const OrderQuery& query);

    // The chains order `id` has run on that say which chain it belongs to: its current one and
    // the chain of its first step run (the one it was placed on, when a cancel or return chain
    // has replaced it since). Empty when there is no such order. For API keys limited to
    // chains (api/ApiKeyCache.h).
    std::vector<std::string> chainsOf(const std::string& id);

private:
    Database& db_;
};

}  // namespace orderhost::store
