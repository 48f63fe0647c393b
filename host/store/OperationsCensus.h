// What GET /metrics reads from the database at scrape time: how many orders are in each state
// of each chain, and how far each webhook subscriber's relay is behind the outbox.
//
//   for (const OrderCount& c : ordersByChainAndState(db)) gauge(c.chain, c.state, c.orders);
//
// Both are one aggregate query each (the orders one walks the orders_state index); the
// endpoint decides how often to run them (MetricsEndpoint.cpp). Throw StoreError.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace orderhost::store {

class Database;

struct OrderCount {
    std::string chain;
    std::string state;
    std::int64_t orders = 0;
};

std::vector<OrderCount> ordersByChainAndState(Database& db);

struct SubscriberLag {
    std::string subscriber;            // the webhook URL
    std::int64_t pendingEvents = 0;    // committed outbox events after its cursor
    std::int64_t oldestPendingMs = 0;  // created_at of the oldest of them; 0: none pending
};

// For each of `subscribers` (webhook URLs): the events not yet acknowledged. A subscriber
// without a cursor row yet (its relay never ran) is behind by every event.
std::vector<SubscriberLag> outboxLagBySubscriber(Database& db, const std::vector<std::string>& subscribers);

}  // namespace orderhost::store
