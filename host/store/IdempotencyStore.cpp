#include "host/store/IdempotencyStore.h"

#include "host/store/OdbcStatement.h"
#include "host/store/OrderFields.h"
#include "host/store/PreparedStatements.h"

#include <Poco/Data/Statement.h>
#include <Poco/Nullable.h>

using namespace Poco::Data::Keywords;
using Poco::Nullable;
using Poco::Data::Session;
using Poco::Data::Statement;

namespace orderhost::store {
namespace {

using namespace fields;

constexpr Field kKeyClient{"client", 200, true}, kRoute{"route", 100, true}, kKey{"idempotency key", 255, true},
    kHash{"request_hash", 64, true}, kContentType{"content_type", 200, false}, kLocation{"location", 1000, false},
    kBody{"reply body", kMaxDocumentBytes, false};

void checkId(const Database& db, const std::string& op, const KeyId& id) {
    check(db, op, kKeyClient, id.client);
    check(db, op, kRoute, id.route);
    check(db, op, kKey, id.key);
}

const char* const kWhereId = " WHERE client = ? AND route = ? AND idem_key = ?";

void bindId(Statement& st, const KeyId& id) { st, bind(id.client), bind(id.route), bind(id.key); }

}  // namespace

// What the key's row says to a request with `requestHash`; nothing when there is no row, or
// only an expired one or an abandoned claim (which a claim replaces).
std::optional<KeyClaim> IdempotencyStore::classify(Session& s, const std::string& op, const KeyId& id,
                                                   const std::string& requestHash, int64_t nowMs) {
    std::string hash, state;
    Nullable<int> status;
    Nullable<std::string> contentType, location, body;
    Nullable<Poco::Int64> bodyBytes;
    Poco::Int64 claimedUntil = 0, expiresAt = 0;
    std::size_t rows = 0;
    const std::string sql = "SELECT request_hash, state, status, content_type, location, body, " +
                            db_.dialect().octetLength("body") + ", claimed_until, expires_at FROM idempotency_keys" +
                            kWhereId;
    // Kept and read in pieces when the database keeps statements: Poco::Data would allocate a
    // buffer of the largest reply (16 MiB) at every request that carries a key.
    if (PreparedStatements* kept = db_.keepsStatements() ? PreparedStatements::of(s) : nullptr) {
        static const std::string key = "odbc:idempotency key";
        runKeptOdbc(*kept, key, keptOdbcStatement(*kept, s, key, sql), {id.client, id.route, id.key},
                    [&](const std::vector<std::optional<std::string>>& row) {
                        ++rows;
                        hash = row.at(0).value_or(std::string());
                        state = row.at(1).value_or(std::string());
                        if (row.at(2)) status = static_cast<int>(odbcInteger(row.at(2), 0));
                        contentType = odbcNullableText(row.at(3));
                        location = odbcNullableText(row.at(4));
                        body = odbcNullableText(row.at(5));
                        bodyBytes = odbcNullableInteger(row.at(6));
                        claimedUntil = odbcInteger(row.at(7), 0);
                        expiresAt = odbcInteger(row.at(8), 0);
                    });
    } else {
        Statement st(s);
        st << sql;
        bindId(st, id);
        st, into(hash), into(state), into(status), into(contentType), into(location), into(body), into(bodyBytes),
            into(claimedUntil), into(expiresAt);
        st.execute();
        rows = st.rowsExtracted();
    }
    // A reply expires; a claim still running is free only once abandoned.
    if (rows == 0 || (state == "done" && expiresAt <= nowMs) || (state != "done" && claimedUntil <= nowMs))
        return std::nullopt;
    KeyClaim result;
    if (hash != requestHash) {
        result.outcome = ClaimOutcome::Mismatch;
    } else if (state != "done") {
        result.outcome = ClaimOutcome::InProgress;
    } else {
        result.outcome = ClaimOutcome::Replay;
        result.reply = {status.isNull() ? 0 : status.value(), text(contentType), text(location), text(body)};
        // Reads truncate silently past the declared size: never replay a cut reply.
        if (!bodyBytes.isNull() && static_cast<Poco::Int64>(result.reply.body.size()) != bodyBytes.value())
            throw StoreError(db_.errorMessage(op, "the stored reply read back truncated"));
    }
    return result;
}

KeyClaim IdempotencyStore::claim(const KeyId& id, const std::string& requestHash, int64_t nowMs, int64_t ttlMs) {
    const std::string op = "claim idempotency key " + shown(id.key) + " on " + id.route;
    checkId(db_, op, id);
    check(db_, op, kHash, requestHash);
    // Repeats and waiters mostly find the row: a read, without taking the write lock.
    if (auto known = db_.withSession(op, [&](Session& s) { return classify(s, op, id, requestHash, nowMs); }))
        return *known;
    KeyClaim result;
    db_.withTransaction(op, [&](Session& s) {
        {
            // An expired key, or a claim its host never finished, no longer holds the key.
            Statement st(s);
            st << "DELETE FROM idempotency_keys" << kWhereId
               << " AND ((state = 'done' AND expires_at <= ?) OR (state = 'pending' AND claimed_until <= ?))";
            bindId(st, id);
            st, bind(static_cast<Poco::Int64>(nowMs)), bind(static_cast<Poco::Int64>(nowMs));
            st.execute();
        }
        const bool inserted = db_.dialect().changesOneRow(
            s,
            "INSERT INTO idempotency_keys (client, route, idem_key, request_hash, state, created_at, claimed_until,"
            " expires_at) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT (client, route, idem_key) DO NOTHING",
            [&](Statement& st) {
                bindId(st, id);
                st, bind(requestHash), bind(static_cast<Poco::Int64>(nowMs)),
                    bind(static_cast<Poco::Int64>(nowMs + kAbandonedClaimMs)),
                    bind(static_cast<Poco::Int64>(nowMs + ttlMs));
            });
        if (inserted) {
            result.claimedAtMs = nowMs;  // created_at: a later claim of the abandoned key has another
            return;
        }
        // Another request claimed it between our read and our insert.
        const auto known = classify(s, op, id, requestHash, nowMs);
        if (!known) throw StoreError(db_.errorMessage(op, "the key's row vanished during the claim"));
        result = *known;
    });
    return result;
}

void IdempotencyStore::complete(const KeyId& id, int64_t claimedAtMs, const StoredReply& reply) {
    const std::string op = "keep the reply of idempotency key " + shown(id.key) + " on " + id.route;
    checkId(db_, op, id);
    check(db_, op, kContentType, reply.contentType);
    check(db_, op, kLocation, reply.location);
    check(db_, op, kBody, reply.body);
    db_.withTransaction(op, [&](Session& s) {
        Statement st(s);
        st << "UPDATE idempotency_keys SET state = 'done', status = ?, content_type = ?, location = ?, body = "
           << Dialect::textParam() << kWhereId << " AND state = 'pending' AND created_at = ?",
            bind(reply.status), bind(reply.contentType), bind(reply.location);
        db_.dialect().bindText(st, reply.body);
        bindId(st, id);
        st, bind(static_cast<Poco::Int64>(claimedAtMs));
        st.execute();
    });
}

void IdempotencyStore::release(const KeyId& id, int64_t claimedAtMs) {
    const std::string op = "release idempotency key " + shown(id.key) + " on " + id.route;
    checkId(db_, op, id);
    db_.withTransaction(op, [&](Session& s) {
        Statement st(s);
        st << "DELETE FROM idempotency_keys" << kWhereId << " AND state = 'pending' AND created_at = ?";
        bindId(st, id);
        st, bind(static_cast<Poco::Int64>(claimedAtMs));
        st.execute();
    });
}

void IdempotencyStore::purgeExpired(int64_t nowMs) {
    db_.withSession("purge expired idempotency keys", [&](Session& s) {
        const auto at = static_cast<Poco::Int64>(nowMs);
        s << "DELETE FROM idempotency_keys WHERE (state = 'done' AND expires_at <= ?)"
             " OR (state = 'pending' AND claimed_until <= ?)",
            bind(at), bind(at), now;
    });
}

}  // namespace orderhost::store
