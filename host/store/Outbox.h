// The outbox: events about orders, written in the same transaction as the step that caused
// them, so that an event exists exactly when its cause was committed. Readers (the events
// feed, relays) take them from the table afterwards; nothing leaves before the commit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <Poco/Data/Session.h>

#include "host/store/Dialect.h"

namespace orderhost::store {

struct OutboxEvent {
    std::int64_t id = 0;       // assigned by the database, increasing
    std::string orderId;
    std::string type;          // e.g. "order.completed", at most 64 bytes
    std::string payloadJson;   // a JSON object
    std::int64_t createdAtMs = 0;
};

// Appends `events` on `session`, inside the caller's open transaction.
void appendOutboxEvents(Poco::Data::Session& session, const Dialect& dialect, const std::vector<OutboxEvent>& events);

}  // namespace orderhost::store
