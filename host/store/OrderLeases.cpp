// OrderStore's leases: claims (each increments the order's lease epoch, the fencing token)
// and renewals. The rest of OrderStore is in OrderStore.cpp.
#include "host/store/OrderStore.h"

#include "host/store/OrderFields.h"
#include "host/store/OrderStatements.h"

#include <Poco/Data/Statement.h>

using namespace Poco::Data::Keywords;
using Poco::Data::Session;
using Poco::Data::Statement;

namespace orderhost::store {
namespace {

using namespace fields;

// Whoever holds no lease, or one that expired, or the claimer itself, may be claimed.
const char* const kClaimable = "(COALESCE(lease_owner, '') = '' OR lease_until < ? OR lease_owner = ?)";

// claimExpired's condition past the states: lease expired (or held by the second parameter),
// chain among `chains` (none: any). Chain names are the host's own configuration (validated
// [a-z0-9-]), not user input.
std::string expiredOnChains(const std::vector<std::string>& chains) {
    std::string expired = " AND (lease_until < ? OR lease_owner = ?)";
    if (!chains.empty()) {
        expired += " AND chain IN (";
        for (std::size_t i = 0; i < chains.size(); ++i) expired += (i == 0 ? "'" : ", '") + chains[i] + "'";
        expired += ")";
    }
    return expired;
}

std::string placeholders(std::size_t count) {
    std::string list;
    for (std::size_t i = 0; i < count; ++i) list += i == 0 ? "?" : ", ?";
    return list;
}

}  // namespace

std::optional<int64_t> OrderStore::claim(const std::string& id, const std::string& from, const std::string& to,
                                         const std::string& owner, int64_t untilMs, int64_t nowMs,
                                         std::optional<int64_t> atEpoch) {
    const std::string op = "claim(order " + shown(id) + ", " + from + " -> " + to + ")";
    check(db_, op, kState, to);
    check(db_, op, kLeaseOwner, owner);
    std::optional<int64_t> epoch;
    db_.withTransaction(op, [&](Session& s) {
        const bool moved = db_.dialect().changesOneRow(
            s,
            std::string("UPDATE orders SET state = ?, lease_owner = ?, lease_until = ?, updated_at = ?,"
                        " lease_epoch = lease_epoch + 1, calls_pending = calls_pending + 1"
                        " WHERE id = ? AND state = ? AND ") +
                kClaimable + (atEpoch ? " AND lease_epoch = ? AND (calls_pending = 0 OR lease_until < ?)" : ""),
            [&](Statement& st) {
                st, bind(to), bind(owner), bind(untilMs), bind(nowMs), bind(id), bind(from), bind(nowMs), bind(owner);
                if (atEpoch) {
                    const Poco::Int64 readEpoch = *atEpoch;
                    st, bind(readEpoch), bind(nowMs);
                }
            });
        if (moved) epoch = epochOf(s, id);
    });
    return epoch;
}

bool OrderStore::renewLease(const std::string& id, const std::string& owner, int64_t epoch, int64_t untilMs) {
    const std::string op = "renew lease on order " + shown(id);
    if (db_.keepsStatements()) {
        // One statement, prepared once per session: atomic in autocommit.
        const std::optional<bool> kept = db_.withSession(
            op, [&](Session& s) { return orderstatements::renewLease(s, db_.backend(), id, owner, epoch, untilMs); });
        if (kept) {
            db_.noteCommitted();
            return *kept;
        }
    }
    bool renewed = false;
    db_.withTransaction(op, [&](Session& s) {
        renewed = db_.dialect().changesOneRow(s, orderstatements::kRenewLeaseSql, [&](Statement& st) {
            st, bind(untilMs), bind(id), bind(owner), bind(epoch);
        });
    });
    return renewed;
}

bool OrderStore::forgiveCalls(const std::string& id, int64_t epoch, int count) {
    bool forgiven = false;
    const Poco::Int64 calls = count;
    db_.withTransaction("forgive excused calls of order " + shown(id), [&](Session& s) {
        forgiven =
            db_.dialect().changesOneRow(s,
                                        "UPDATE orders SET calls_pending = calls_pending - ? WHERE id = ? AND "
                                        "lease_epoch = ? AND calls_pending > ?",
                                        [&](Statement& st) { st, bind(calls), bind(id), bind(epoch), bind(calls); });
    });
    return forgiven;
}

bool OrderStore::uncountCall(const std::string& id, const std::string& owner, int64_t epoch,
                             const std::string& inState) {
    bool handed = false;
    db_.withTransaction("uncount a call never made on order " + shown(id), [&](Session& s) {
        handed = db_.dialect().changesOneRow(
            s,
            std::string("UPDATE orders SET calls_pending = calls_pending - 1 WHERE id = ? AND lease_owner = ? AND"
                        " lease_epoch = ? AND calls_pending > 0") +
                (inState.empty() ? "" : " AND state = ?"),
            [&](Statement& st) {
                st, bind(id), bind(owner), bind(epoch);
                if (!inState.empty()) st, bind(inState);
            });
    });
    return handed;
}

std::vector<ClaimedOrder> OrderStore::claimExpired(const std::vector<std::string>& states, const std::string& owner,
                                                   int64_t untilMs, int64_t nowMs, std::size_t limit, bool includeOwn,
                                                   const std::vector<std::string>& chains) {
    const std::string op = "claim orders with expired leases";
    check(db_, op, kLeaseOwner, owner);
    // Matches no owner when own orders are not wanted: ids never hold a control character.
    const std::string own = includeOwn ? owner : std::string("\x01");
    const std::string expired = expiredOnChains(chains);
    const std::string inList = placeholders(states.size());
    const Poco::UInt64 max = limit;
    std::vector<ClaimedOrder> claimed;
    if (db_.backend() == Backend::PostgreSQL) {
        // SKIP LOCKED: hosts sweeping at the same moment each take different orders instead
        // of queueing behind one another's row locks.
        std::vector<std::string> ids;
        std::vector<Poco::Int64> epochs;
        db_.withTransaction(op, [&](Session& s) {
            Statement st(s);
            st << "WITH claimed AS (UPDATE orders SET lease_owner = ?, lease_until = ?, lease_epoch = lease_epoch + 1,"
                  " calls_pending = calls_pending + 1"
                  " WHERE id IN (SELECT id FROM orders WHERE state IN ("
               << inList << ")" << expired
               << " ORDER BY lease_until, id LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING id, lease_epoch)"
                  " SELECT id, lease_epoch FROM claimed",
                bind(owner), bind(untilMs);
            for (const auto& state : states) st, bind(state);
            st, bind(nowMs), bind(own), bind(max), into(ids), into(epochs);
            st.execute();
        });
        for (std::size_t i = 0; i < ids.size(); ++i) claimed.push_back({ids[i], epochs[i]});
        return claimed;
    }
    // SQLite has one writer at a time: read the candidates, then claim each with a guarded
    // UPDATE, which another process's claim makes a no-op.
    std::vector<std::string> candidates = db_.withSession(op, [&](Session& s) {
        std::vector<std::string> ids;
        Statement st(s);
        st << "SELECT id FROM orders WHERE state IN (" << inList << ")" << expired
           << " ORDER BY lease_until, id LIMIT ?";
        for (const auto& state : states) st, bind(state);
        st, bind(nowMs), bind(own), bind(max), into(ids);
        st.execute();
        return ids;
    });
    for (const auto& id : candidates) {
        db_.withTransaction(op, [&](Session& s) {
            const bool won = db_.dialect().changesOneRow(
                s,
                "UPDATE orders SET lease_owner = ?, lease_until = ?, lease_epoch = lease_epoch + 1,"
                " calls_pending = calls_pending + 1 WHERE id = ?" +
                    expired + " AND state IN (" + inList + ")",
                [&](Statement& st) {
                    st, bind(owner), bind(untilMs), bind(id), bind(nowMs), bind(own);
                    for (const auto& state : states) st, bind(state);
                });
            if (won) claimed.push_back({id, epochOf(s, id)});
        });
    }
    return claimed;
}

std::vector<ClaimedOrder> OrderStore::listReclaimable(const std::vector<std::string>& states, const std::string& owner,
                                                      int64_t nowMs, const std::vector<std::string>& chains) {
    const std::string op = "list orders to resume";
    check(db_, op, kLeaseOwner, owner);
    return db_.withSession(op, [&](Session& s) {
        std::vector<std::string> ids;
        std::vector<Poco::Int64> epochs;
        std::vector<int> calls;
        Statement st(s);
        st << "SELECT id, lease_epoch, calls_pending FROM orders WHERE state IN (" << placeholders(states.size()) << ")"
           << expiredOnChains(chains) << " ORDER BY lease_until, id";
        for (const auto& state : states) st, bind(state);
        st, bind(nowMs), bind(owner), into(ids), into(epochs), into(calls);
        st.execute();
        std::vector<ClaimedOrder> listed;
        for (std::size_t i = 0; i < ids.size(); ++i) listed.push_back({ids[i], epochs[i], calls[i]});
        return listed;
    });
}

std::optional<int64_t> OrderStore::claimListed(const std::string& id, int64_t epoch,
                                               const std::vector<std::string>& states, const std::string& owner,
                                               int64_t untilMs, int64_t nowMs) {
    const std::string op = "claim order " + shown(id) + " to resume it";
    check(db_, op, kLeaseOwner, owner);
    bool won = false;
    db_.withTransaction(op, [&](Session& s) {
        won = db_.dialect().changesOneRow(
            s,
            "UPDATE orders SET lease_owner = ?, lease_until = ?, lease_epoch = lease_epoch + 1,"
            " calls_pending = calls_pending + 1 WHERE id = ? AND lease_epoch = ? AND state IN (" +
                placeholders(states.size()) + ")" + expiredOnChains({}),
            [&](Statement& st) {
                const Poco::Int64 listedEpoch = epoch;
                st, bind(owner), bind(untilMs), bind(id), bind(listedEpoch);
                for (const auto& state : states) st, bind(state);
                st, bind(nowMs), bind(owner);
            });
    });
    return won ? std::optional<int64_t>(epoch + 1) : std::nullopt;
}

int64_t OrderStore::epochOf(Session& s, const std::string& id) {
    Poco::Int64 epoch = 0;
    s << "SELECT lease_epoch FROM orders WHERE id = ?", bind(id), into(epoch), now;
    return epoch;
}

}  // namespace orderhost::store
