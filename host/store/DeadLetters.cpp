#include "host/store/DeadLetters.h"
#include "host/store/TextClip.h"

#include <Poco/Data/Statement.h>
#include <Poco/Nullable.h>

using namespace Poco::Data::Keywords;
using Poco::Nullable;
using Poco::Data::Session;
using Poco::Data::Statement;

namespace orderhost::store {
namespace {

constexpr std::size_t kMaxErrorBytes = 1000;  // relay_dead_letters.last_error

}  // namespace

std::vector<DeadLetter> DeadLetters::select(const std::string& op, const std::string& where,
                                            const std::function<void(Statement&)>& bindParams, std::size_t limit,
                                            const char* order) {
    return db_.withSession(op, [&](Session& s) {
        std::vector<Poco::Int64> ids, eventIds, deadAt;
        std::vector<Nullable<Poco::Int64>> replayedAt;
        std::vector<int> attempts;
        std::vector<std::string> subscribers, states;
        std::vector<Nullable<std::string>> errors, types, orders;
        Statement st(s);
        st << "SELECT d.id, d.subscriber, d.event_id, d.attempts, d.last_error, d.state, d.dead_at, d.replayed_at,"
              " o.event_type, o.order_id FROM relay_dead_letters d LEFT JOIN outbox o ON o.id = d.event_id "
           << where << " ORDER BY d.id " << order << " LIMIT " << limit;
        bindParams(st);
        st, into(ids), into(subscribers), into(eventIds), into(attempts), into(errors), into(states), into(deadAt),
            into(replayedAt), into(types), into(orders);
        st.execute();
        std::vector<DeadLetter> letters(ids.size());
        for (std::size_t i = 0; i < ids.size(); ++i) {
            DeadLetter& l = letters[i];
            l.id = ids[i];
            l.subscriber = subscribers[i];
            l.eventId = eventIds[i];
            l.attempts = attempts[i];
            l.lastError = errors[i].isNull() ? "" : errors[i].value();
            l.state = states[i];
            l.deadAtMs = deadAt[i];
            l.replayedAtMs = replayedAt[i].isNull() ? 0 : replayedAt[i].value();
            l.eventType = types[i].isNull() ? "" : types[i].value();
            l.orderId = orders[i].isNull() ? "" : orders[i].value();
        }
        return letters;
    });
}

std::vector<DeadLetter> DeadLetters::list(const std::string& state, std::size_t limit) {
    if (state.empty())
        return select(
            "list dead letters", "", [](Statement&) {}, limit, "DESC");
    std::string bound = state;
    return select(
        "list dead letters", "WHERE d.state = ?", [&](Statement& st) { st, bind(bound); }, limit, "DESC");
}

ReplayRequest DeadLetters::requestReplay(std::int64_t id) {
    ReplayRequest result = ReplayRequest::Unknown;
    db_.withTransaction("request the replay of dead letter " + std::to_string(id), [&](Session& s) {
        if (db_.dialect().changesOneRow(
                s, "UPDATE relay_dead_letters SET state = 'replay' WHERE id = ? AND state = 'dead'",
                [&](Statement& st) { st, bind(id); })) {
            result = ReplayRequest::Requested;
            return;
        }
        std::vector<std::string> state;
        s << "SELECT state FROM relay_dead_letters WHERE id = ?", bind(id), into(state), now;
        if (state.empty()) return;
        result = state.front() == "replay" ? ReplayRequest::AlreadyRequested : ReplayRequest::AlreadyReplayed;
    });
    return result;
}

std::vector<DeadLetter> DeadLetters::replaysDue(const std::string& subscriber, std::size_t limit) {
    return select(
        "read dead letters to replay",
        "WHERE d.state = 'replay' AND d.subscriber = " + std::string(Dialect::textParam()),
        [&](Statement& st) { db_.dialect().bindText(st, subscriber); }, limit, "ASC");
}

void DeadLetters::settleReplay(std::int64_t id, bool delivered, const std::string& error, std::int64_t nowMs) {
    const std::string clipped = clipUtf8(error, kMaxErrorBytes);
    db_.withTransaction("settle the replay of dead letter " + std::to_string(id), [&](Session& s) {
        if (delivered) {
            s << "UPDATE relay_dead_letters SET state = 'replayed', replayed_at = ? WHERE id = ? AND state = 'replay'",
                bind(nowMs), bind(id), now;
            return;
        }
        Statement st(s);
        st << "UPDATE relay_dead_letters SET state = 'dead', attempts = attempts + 1, last_error = "
           << Dialect::textParam() << " WHERE id = ? AND state = 'replay'";
        db_.dialect().bindText(st, clipped);
        st, bind(id);
        st.execute();
    });
}

void DeadLetters::add(Session& s, const Dialect& d, const std::string& subscriber, std::int64_t eventId, int attempts,
                      const std::string& error, std::int64_t nowMs) {
    const std::string clipped = clipUtf8(error, kMaxErrorBytes);
    Statement st(s);
    st << "INSERT INTO relay_dead_letters (subscriber, event_id, attempts, last_error, state, dead_at) VALUES ("
       << Dialect::textParam() << ", ?, ?, " << Dialect::textParam()
       << ", 'dead', ?) ON CONFLICT (subscriber, event_id) DO NOTHING";
    d.bindText(st, subscriber);
    st, bind(eventId), bind(attempts);
    d.bindText(st, clipped);
    st, bind(nowMs);
    st.execute();
}

}  // namespace orderhost::store
