#include "host/store/Outbox.h"

#include <Poco/Data/Statement.h>

#include "host/store/Database.h"
#include "host/store/OdbcStatement.h"
#include "host/store/PreparedStatements.h"

#include <algorithm>
#include <memory>

using namespace Poco::Data::Keywords;
using Poco::Data::Session;
using Poco::Data::Statement;

namespace orderhost::store {
namespace {

void checkEvent(const OutboxEvent& e) {
    std::string problem;
    if (e.type.empty() || e.type.size() > kMaxEventTypeBytes)
        problem = "event type must be 1 to " + std::to_string(kMaxEventTypeBytes) + " bytes";
    else if (e.orderId.empty() || e.orderId.size() > kMaxEventOrderIdBytes)
        problem = "event order_id must be 1 to " + std::to_string(kMaxEventOrderIdBytes) + " bytes";
    else if (e.payloadJson.size() > kMaxDocumentBytes)
        problem = "event payload is " + std::to_string(e.payloadJson.size()) + " bytes; at most " +
                  std::to_string(kMaxDocumentBytes) + " fit";
    if (!problem.empty())
        throw StoreError("orderhost store: append outbox event '" + e.type.substr(0, 64) + "' failed: " + problem);
}

const std::string kOutboxInsertSql =
    std::string("INSERT INTO outbox (order_id, event_type, payload, created_at) VALUES (?, ?, ") +
    Dialect::textParam() + ", ?)";

// `rows` events in one INSERT; ids are assigned in the rows' order on both backends.
std::string outboxInsertSql(std::size_t rows) {
    std::string sql = kOutboxInsertSql;
    for (std::size_t i = 1; i < rows; ++i) sql += std::string(", (?, ?, ") + Dialect::textParam() + ", ?)";
    return sql;
}

// Up to kRowsPerKeptInsert events at `first`, prepared once per connection and count
// (OdbcStatement.h): events are written with every checkpoint that publishes one.
void appendKept(PreparedStatements& set, Session& session, const OutboxEvent* first, std::size_t count) {
    const std::string key = "odbc:outbox insert " + std::to_string(count);
    std::vector<SqlValue> values;
    values.reserve(4 * count);
    for (const OutboxEvent* e = first; e != first + count; ++e)
        values.insert(values.end(), {e->orderId, e->type, e->payloadJson, static_cast<std::int64_t>(e->createdAtMs)});
    OdbcStatement& insert =
        set.get<OdbcStatement>(key, [&] { return std::make_unique<OdbcStatement>(session, outboxInsertSql(count)); });
    runKeptOdbc(set, key, insert, values, [](const std::vector<std::optional<std::string>>&) {});
}

}  // namespace

void checkOutboxEvents(const std::vector<OutboxEvent>& events) {
    for (const OutboxEvent& e : events) checkEvent(e);
}

void appendOutboxEvents(Session& session, const Database& db, const std::vector<OutboxEvent>& events) {
    checkOutboxEvents(events);
    PreparedStatements* kept = db.keepsStatements() ? PreparedStatements::of(session) : nullptr;
    if (kept != nullptr) {
        for (std::size_t at = 0; at < events.size(); at += kRowsPerKeptInsert)
            appendKept(*kept, session, events.data() + at, std::min(kRowsPerKeptInsert, events.size() - at));
        return;
    }
    for (const OutboxEvent& e : events) {
        Statement st(session);
        st << kOutboxInsertSql, bind(e.orderId), bind(e.type);
        db.dialect().bindText(st, e.payloadJson);
        st, bind(e.createdAtMs);
        st.execute();
    }
}

OutboxReader::OutboxReader(Database& db) : db_(db) {}

std::vector<OutboxEvent> OutboxReader::eventsAfter(std::int64_t afterId, std::size_t limit) {
    const std::string op = "read outbox events after " + std::to_string(afterId);
    if (afterId != 0 && !contains(afterId))
        throw UnknownEventError(
            db_.errorMessage(op, "there is no event " + std::to_string(afterId) + " in the outbox"));
    const auto max = static_cast<std::int64_t>(limit);
    if (db_.backend() == Backend::SQLite) return read(op, "WHERE id > ? ORDER BY id LIMIT ?", {afterId, max});
    // Header comment of Outbox.h: (txid, id) order, fenced below the oldest running xid. One
    // statement, so the fence and the rows read come from the same snapshot. COALESCE: event 0
    // does not exist and sorts before everything.
    return read(op,
                "WHERE (txid, id) > (COALESCE((SELECT txid FROM outbox WHERE id = ?), 0), ?)"
                " AND txid < txid_snapshot_xmin(txid_current_snapshot()) ORDER BY txid, id LIMIT ?",
                {afterId, afterId, max});
}

std::vector<OutboxEvent> OutboxReader::eventsOfOrder(const std::string& orderId, std::size_t limit) {
    return read("read outbox events of order " + orderId.substr(0, 64), "WHERE order_id = ? ORDER BY id LIMIT ?",
                {orderId, static_cast<std::int64_t>(limit)});
}

bool OutboxReader::contains(std::int64_t eventId) {
    return db_.withSession("look up outbox event " + std::to_string(eventId), [&](Session& s) {
        Poco::Int64 id = eventId;
        int found = 0;
        s << "SELECT COUNT(*) FROM outbox WHERE id = ?", bind(id), into(found), now;
        return found > 0;
    });
}

std::optional<OutboxEvent> OutboxReader::event(std::int64_t eventId) {
    auto found = read("read outbox event " + std::to_string(eventId), "WHERE id = ?", {eventId});
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
}

std::vector<OutboxEvent> OutboxReader::read(const std::string& op, const std::string& tail,
                                            const std::vector<SqlValue>& values) {
    const std::string sql = "SELECT id, order_id, event_type, payload, " + db_.dialect().octetLength("payload") +
                            ", created_at FROM outbox " + tail;
    return db_.withSession(op, [&](Session& s) {
        std::vector<Poco::Int64> ids, bytes, created;
        std::vector<std::string> orderIds, types, payloads;
        PreparedStatements* kept = db_.keepsStatements() ? PreparedStatements::of(s) : nullptr;
        if (kept != nullptr) {
            const std::string key = "odbc:outbox " + tail;  // one per caller's tail
            runKeptOdbc(*kept, key, keptOdbcStatement(*kept, s, key, sql), values,
                        [&](const std::vector<std::optional<std::string>>& row) {
                            ids.push_back(odbcInteger(row.at(0), 0));
                            orderIds.push_back(row.at(1).value_or(std::string()));
                            types.push_back(row.at(2).value_or(std::string()));
                            payloads.push_back(row.at(3).value_or(std::string()));
                            bytes.push_back(odbcInteger(row.at(4), 0));
                            created.push_back(odbcInteger(row.at(5), 0));
                        });
        } else {
            Statement st(s);
            st << sql;
            db_.dialect().bindValues(st, values);
            st, into(ids), into(orderIds), into(types), into(payloads), into(bytes), into(created);
            st.execute();
        }
        std::vector<OutboxEvent> events(ids.size());
        for (std::size_t i = 0; i < events.size(); ++i) {
            // Reads truncate silently past the declared size: never hand out a cut payload.
            if (static_cast<Poco::Int64>(payloads[i].size()) != bytes[i])
                throw StoreError(db_.errorMessage(op, "payload of event " + std::to_string(ids[i]) + " read back as " +
                                                          std::to_string(payloads[i].size()) + " of " +
                                                          std::to_string(bytes[i]) + " bytes"));
            events[i] = {ids[i], std::move(orderIds[i]), std::move(types[i]), std::move(payloads[i]), created[i]};
        }
        return events;
    });
}

}  // namespace orderhost::store
