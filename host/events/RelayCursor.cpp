#include "host/events/RelayCursor.h"

#include "host/store/DeadLetters.h"
#include "host/store/TextClip.h"

#include <Poco/Data/Statement.h>
#include <spdlog/spdlog.h>

#include <stdexcept>
#include <vector>

using namespace Poco::Data::Keywords;
using Poco::Data::Session;
using Poco::Data::Statement;

namespace orderhost::events {
namespace {

constexpr std::size_t kMaxErrorBytes = 1000;  // relay_cursors.last_error

}  // namespace

void RelayCursor::renameFrom(const std::string& legacy) {
    const store::Dialect& d = db_.dialect();
    const std::string key = store::Dialect::textParam();
    try {
        db_.withTransaction("rename relay cursor", [&](Session& s) {
            int taken = 0;
            Statement mine(s);
            mine << "SELECT COUNT(*) FROM relay_cursors WHERE subscriber = " << key;
            d.bindText(mine, subscriber_);
            mine, into(taken);
            mine.execute();
            // The cursor's place is taken over unless this name has one (a host of this version
            // ran already); dead letters are moved unless this name has the same event's. What
            // is left under the old name goes: it holds the URL's secrets.
            const std::vector<std::string> moves = {
                taken > 0 ? std::string()
                          : "UPDATE relay_cursors SET subscriber = " + key + " WHERE subscriber = " + key,
                "UPDATE relay_dead_letters SET subscriber = " + key + " WHERE subscriber = " + key +
                    " AND event_id NOT IN (SELECT event_id FROM relay_dead_letters WHERE subscriber = " + key + ")"};
            for (const std::string& move : moves) {
                if (move.empty()) continue;
                Statement update(s);
                update << move;
                d.bindText(update, subscriber_);
                d.bindText(update, legacy);
                if (move.find("NOT IN") != std::string::npos) d.bindText(update, subscriber_);
                update.execute();
            }
            for (const char* table : {"relay_cursors", "relay_dead_letters"}) {
                Statement forget(s);
                forget << "DELETE FROM " << table << " WHERE subscriber = " << key;
                d.bindText(forget, legacy);
                forget.execute();
            }
        });
    } catch (const std::exception& e) {
        spdlog::warn("webhook {}: its cursor could not be renamed (it starts afresh): {}", subscriber_, e.what());
    }
}

RelayCursor::RelayCursor(store::Database& db, std::string subscriber, std::string owner)
    : db_(db), subscriber_(std::move(subscriber)), owner_(std::move(owner)) {
    if (subscriber_.empty() || subscriber_.size() > kMaxSubscriberBytes)
        throw std::invalid_argument("webhook URL must be 1 to " + std::to_string(kMaxSubscriberBytes) + " bytes");
    if (owner_.empty() || owner_.size() > 64) throw std::invalid_argument("relay owner must be 1 to 64 bytes");
}

std::optional<CursorState> RelayCursor::claim(std::int64_t nowMs, std::int64_t untilMs) {
    const store::Dialect& d = db_.dialect();
    const std::string key = store::Dialect::textParam();  // URLs may exceed SQLite's 255-byte bind
    std::optional<CursorState> state;
    db_.withTransaction("claim relay cursor", [&](Session& s) {
        // The INSERT comes first: on SQLite it takes the write lock before anything is read.
        Statement create(s);
        create << "INSERT INTO relay_cursors (subscriber, updated_at) VALUES (" << key
               << ", ?) ON CONFLICT (subscriber) DO NOTHING";
        d.bindText(create, subscriber_);
        create, bind(nowMs);
        create.execute();
        const bool ours =
            d.changesOneRow(s,
                            "UPDATE relay_cursors SET lease_owner = ?, lease_until = ? WHERE subscriber = " + key +
                                " AND (COALESCE(lease_owner, '') = '' OR lease_until < ? OR lease_owner = ?)",
                            [&](Statement& st) {
                                st, bind(owner_), bind(untilMs);
                                d.bindText(st, subscriber_);
                                st, bind(nowMs), bind(owner_);
                            });
        if (!ours) return;
        CursorState c;
        Statement read(s);
        read << "SELECT last_event_id, failures, retry_at FROM relay_cursors WHERE subscriber = " << key;
        d.bindText(read, subscriber_);
        read, into(c.lastEventId), into(c.failures), into(c.retryAtMs);
        read.execute();
        state = c;
    });
    return state;
}

bool RelayCursor::advance(std::int64_t eventId, std::int64_t nowMs, std::int64_t untilMs) {
    return updateOwned(
        "advance relay cursor",
        "last_event_id = ?, failures = 0, retry_at = 0, last_error = NULL, lease_until = ?, updated_at = ?",
        [&](Statement& st) { st, bind(eventId), bind(untilMs), bind(nowMs); });
}

bool RelayCursor::recordFailure(int failures, std::int64_t retryAtMs, const std::string& error, std::int64_t nowMs) {
    const std::string clipped = store::clipUtf8(error, kMaxErrorBytes);
    return updateOwned(
        "record relay failure",
        std::string("failures = ?, retry_at = ?, last_error = ") + store::Dialect::textParam() + ", updated_at = ?",
        [&](Statement& st) {
            st, bind(failures), bind(retryAtMs);
            db_.dialect().bindText(st, clipped);
            st, bind(nowMs);
        });
}

bool RelayCursor::deadLetter(std::int64_t eventId, int attempts, const std::string& error, std::int64_t nowMs,
                             std::int64_t untilMs) {
    return updateOwned(
        "set a dead letter aside",
        "last_event_id = ?, failures = 0, retry_at = 0, last_error = NULL, lease_until = ?, updated_at = ?",
        [&](Statement& st) { st, bind(eventId), bind(untilMs), bind(nowMs); },
        [&](Session& s) { store::DeadLetters::add(s, db_.dialect(), subscriber_, eventId, attempts, error, nowMs); });
}

void RelayCursor::release() {
    updateOwned("release relay cursor", "lease_owner = NULL, lease_until = 0", [](Statement&) {});
}

bool RelayCursor::updateOwned(const std::string& op, const std::string& assignments,
                              const std::function<void(Statement&)>& bindAssignments,
                              const std::function<void(Session&)>& alsoWhenOurs) {
    bool changed = false;
    db_.withTransaction(op, [&](Session& s) {
        changed = db_.dialect().changesOneRow(s,
                                              "UPDATE relay_cursors SET " + assignments + " WHERE subscriber = " +
                                                  store::Dialect::textParam() + " AND lease_owner = ?",
                                              [&](Statement& st) {
                                                  bindAssignments(st);
                                                  db_.dialect().bindText(st, subscriber_);
                                                  st, bind(owner_);
                                              });
        if (changed && alsoWhenOurs) alsoWhenOurs(s);
    });
    return changed;
}

}  // namespace orderhost::events
