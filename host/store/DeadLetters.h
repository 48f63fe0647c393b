// Events a webhook subscriber refused too often (events.webhook_max_attempts failed deliveries
// in a row), set aside in relay_dead_letters so that the events after them flow, for an
// administrator to look at (GET /v1/dead-letters) and deliver once more (POST
// /v1/dead-letters/{id}/replay). The relay writes a dead letter in the same transaction that
// moves its cursor past the event (events/RelayCursor.h), and delivers replays before new
// events (events/WebhookSubscription.h).
//
// What setting an event aside costs: a subscriber gets the events of one order out of order
// (a dead letter replayed after later events). With events.webhook_max_attempts = 0 (the
// default) nothing is set aside and a refused event blocks its subscriber, keeping the order.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <Poco/Data/Session.h>

#include "host/store/Database.h"

namespace orderhost::store {

struct DeadLetter {
    std::int64_t id = 0;
    std::string subscriber;  // as stored: the webhook URL (callers show it without credentials)
    std::int64_t eventId = 0;
    std::string eventType;  // from the outbox ("" when the event is gone)
    std::string orderId;
    int attempts = 0;  // failed deliveries, the replays' included
    std::string lastError;
    std::string state;  // dead | replay | replayed
    std::int64_t deadAtMs = 0;
    std::int64_t replayedAtMs = 0;  // 0: not yet
};

enum class ReplayRequest { Unknown, Requested, AlreadyRequested, AlreadyReplayed };

class DeadLetters {
public:
    explicit DeadLetters(Database& db) : db_(db) {}

    // Newest first, at most `limit`; `state` "" for all.
    std::vector<DeadLetter> list(const std::string& state, std::size_t limit);
    // Asks the relay to deliver dead letter `id` once more.
    ReplayRequest requestReplay(std::int64_t id);

    // For the relay of `subscriber`: the dead letters an administrator asked to deliver again,
    // oldest first.
    std::vector<DeadLetter> replaysDue(const std::string& subscriber, std::size_t limit);
    // After the replay of `id`: acknowledged → replayed; refused → dead again, one attempt more.
    void settleReplay(std::int64_t id, bool delivered, const std::string& error, std::int64_t nowMs);

    // Inside the transaction that moves the subscriber's cursor past `eventId`.
    static void add(Poco::Data::Session& s, const Dialect& d, const std::string& subscriber, std::int64_t eventId,
                    int attempts, const std::string& error, std::int64_t nowMs);

private:
    std::vector<DeadLetter> select(const std::string& op, const std::string& where,
                                   const std::function<void(Poco::Data::Statement&)>& bindParams, std::size_t limit,
                                   const char* order);

    Database& db_;
};

}  // namespace orderhost::store
