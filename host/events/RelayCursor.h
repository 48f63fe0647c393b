// One webhook subscriber's durable position in the outbox (table relay_cursors, schema v6)
// and the lease that lets one relay at a time deliver to it.
//
// Why a lease and not SELECT … FOR UPDATE SKIP LOCKED held across deliveries: a row lock
// lives in an open transaction, which on PostgreSQL holds an xid for as long as the HTTP
// calls take. The outbox readers only see events below the oldest running xid (Outbox.h),
// so that transaction would stall every feed and relay, its own included, and pin a pooled
// session. A lease is a short guarded UPDATE: the holder renews it with every acknowledged
// event, and another host takes over only after it expired.
//
//   RelayCursor cursor(db, "http://erp.example/hooks", "host-a");
//   if (auto state = cursor.claim(now, now + 30000)) { … deliver after state->lastEventId … }
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "host/store/Database.h"

namespace orderhost::events {

struct CursorState {
    std::int64_t lastEventId = 0;  // the last event the subscriber acknowledged; 0: none yet
    int failures = 0;              // consecutive failed deliveries of the next event
    std::int64_t retryAtMs = 0;    // no delivery before this time (backoff)
};

inline constexpr std::size_t kMaxSubscriberBytes = 1000;

// Thread-safe as far as the database is; each worker owns its cursor. Every method throws
// StoreError when the database fails.
class RelayCursor {
public:
    // `subscriber` (the webhook URL, at most kMaxSubscriberBytes) names the row; `owner` (the
    // host id) is who holds the lease.
    RelayCursor(store::Database& db, std::string subscriber, std::string owner);

    // Takes or renews the lease until `untilMs`, creating the row (at event 0) the first time.
    // nullopt while another owner's lease is unexpired.
    std::optional<CursorState> claim(std::int64_t nowMs, std::int64_t untilMs);
    // After a 2xx for `eventId`: moves the cursor there, clears the failures, renews the lease.
    // False when the lease is no longer ours (nothing changed then).
    bool advance(std::int64_t eventId, std::int64_t nowMs, std::int64_t untilMs);
    // After a failed delivery: the failure count, when to try again and why it failed.
    bool recordFailure(int failures, std::int64_t retryAtMs, const std::string& error, std::int64_t nowMs);
    // After `attempts` failed deliveries of `eventId` (events.webhook_max_attempts): sets it
    // aside (store/DeadLetters.h) and moves the cursor past it, in one transaction. False when
    // the lease is no longer ours (nothing changed then).
    bool deadLetter(std::int64_t eventId, int attempts, const std::string& error, std::int64_t nowMs,
                    std::int64_t untilMs);
    // Gives the lease up, so that another host may take over at once (at shutdown).
    void release();

    const std::string& subscriber() const { return subscriber_; }
    // Takes over the cursor and dead letters kept under `legacy` (an older name of the same
    // subscriber) — the cursor unless this name has its own already — and deletes what is left
    // under `legacy`. Failures are logged: the relay then starts this name's cursor afresh (at
    // least once: nothing is lost).
    void renameFrom(const std::string& legacy);

private:
    // `alsoWhenOurs`: more work in the same transaction, when the row was ours.
    bool updateOwned(const std::string& op, const std::string& assignments,
                     const std::function<void(Poco::Data::Statement&)>& bindAssignments,
                     const std::function<void(Poco::Data::Session&)>& alsoWhenOurs = nullptr);

    store::Database& db_;
    std::string subscriber_, owner_;
};

}  // namespace orderhost::events
