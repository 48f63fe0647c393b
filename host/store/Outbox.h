// The outbox: events about orders, written in the same transaction as the step that caused
// them, so that an event exists exactly when its cause was committed. Readers (the events
// feed, relays) take them from the table afterwards; nothing leaves before the commit.
//
// Delivery order, and why it is not plain id order on PostgreSQL. Ids come from a sequence at
// INSERT time, but transactions commit in any order, so a smaller id can become visible after
// a larger one: a reader that paged "after id 11" would never see id 10. Returning only rows
// whose txid is below the snapshot's xmin (every older transaction has ended) is NOT enough on
// its own: transaction A may hold xid 300 and id 10 while B, with the older xid 201, inserts
// id 11 and commits; xmin is then 300, B's row passes the fence, and A's id 10 commits later
// behind the reader (OutboxTest.AnOlderIdCommittedLaterIsNotSkipped reproduces it). What does
// hold: a transaction still running, or not yet started, has an xid >= xmin. So PostgreSQL
// readers go in (txid, id) order and only below xmin: every event that can still appear sorts
// after everything already returned. Events of one order stay in id order (its steps commit
// one after the other). SQLite has a single writer, so id order is commit order there.
//
//   OutboxReader outbox(db);
//   auto page = outbox.eventsAfter(0, 100);                 // the first 100
//   auto next = outbox.eventsAfter(page.back().id, 100);    // and on from the last one seen
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include "host/store/Dialect.h"
#include "host/store/SqlValue.h"
#include "host/store/StoreError.h"

namespace orderhost::store {

class Database;

struct OutboxEvent {
    std::int64_t id = 0;      // assigned by the database; unique, increasing per order
    std::string orderId;      // at most 36 bytes
    std::string type;         // e.g. "order.completed", at most 64 bytes
    std::string payloadJson;  // a JSON object, at most kMaxDocumentBytes
    std::int64_t createdAtMs = 0;
};

inline constexpr std::size_t kMaxEventOrderIdBytes = 36;
inline constexpr std::size_t kMaxEventTypeBytes = 64;

// Appends `events` on `session`, inside the caller's open transaction, in their order: one
// multi-row INSERT per kRowsPerKeptInsert (OdbcStatement.h) events where statements are kept. Throws
// StoreError for a field longer than its column (reads would truncate it silently) or an empty
// type, before anything is written.
void appendOutboxEvents(Poco::Data::Session& session, const Database& db, const std::vector<OutboxEvent>& events);
// The checks of appendOutboxEvents alone (a checkpoint whose events are written at its commit).
void checkOutboxEvents(const std::vector<OutboxEvent>& events);

// eventsAfter() was given an id that is not in the outbox: the reader's position is unknown,
// and guessing one could skip events or replay them all.
class UnknownEventError : public StoreError {
public:
    using StoreError::StoreError;
};

// Thread-safe: every call takes its own pooled session.
class OutboxReader {
public:
    explicit OutboxReader(Database&);

    // At most `limit` events that come after event `afterId` (0: from the first) in delivery
    // order (see above), only ones that no later commit can precede. A reader that always
    // passes the last id it got sees every event exactly once, in that order.
    // Throws UnknownEventError when afterId is neither 0 nor an event id.
    std::vector<OutboxEvent> eventsAfter(std::int64_t afterId, std::size_t limit);

    // The committed events of one order, oldest first, at most `limit`.
    std::vector<OutboxEvent> eventsOfOrder(const std::string& orderId, std::size_t limit);

    bool contains(std::int64_t eventId);

    // One event by its id (a dead letter replayed); nullopt when there is none.
    std::optional<OutboxEvent> event(std::int64_t eventId);

private:
    // Runs "SELECT <event columns> FROM outbox <tail>" with `values` for its parameters: kept
    // per connection and read in pieces (OdbcStatement) when the database keeps statements —
    // Poco::Data would allocate a buffer of the largest payload (16 MiB) at every read — else
    // through Poco::Data.
    std::vector<OutboxEvent> read(const std::string& op, const std::string& tail, const std::vector<SqlValue>& values);

    Database& db_;
};

}  // namespace orderhost::store
