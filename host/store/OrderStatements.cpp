#include "host/store/OrderStatements.h"

#include <memory>
#include <vector>

#include <Poco/Data/DataException.h>

#include "host/store/OdbcStatement.h"
#include "host/store/PreparedStatements.h"

using Poco::Data::Session;

namespace orderhost::store::orderstatements {

// chain/chain_version too: a cancel or return moves the order onto another chain, and a
// restart must go on with that chain, not the one the order was placed with.
const std::string kCheckpointUpdateSql =
    std::string("UPDATE orders SET chain = ?, chain_version = ?, state = ?, current_step = ?, document = ") +
    Dialect::textParam() +
    ", updated_at = ?, awaiting_signal = ?, next_attempt = ?, wake_at = ?, lease_owner = ?,"
    " lease_until = ?, compensate_to = ?, lease_epoch = ?, calls_pending = ?"
    " WHERE id = ? AND state = ? AND COALESCE(lease_owner, '') = ? AND lease_epoch = ?";

// seq = next for this order, computed under the write lock the UPDATE already holds.
const std::string kStepRunInsertSql =
    std::string(
        "INSERT INTO step_runs (order_id, seq, step_name, plugin_id, step_kind, attempt,"
        " outcome, code, message, started_at, finished_at, chain, step_index)"
        " SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ?, ?, ?, ") +
    Dialect::textParam() + ", ?, ?, ?, ? FROM step_runs WHERE order_id = ?";

// ON CONFLICT makes a racing duplicate a no-op instead of an error that would abort a
// PostgreSQL transaction; a duplicate id (not ref) still fails loudly.
const std::string kOrderInsertSql =
    std::string(
        "INSERT INTO orders (id, order_ref, chain, chain_version, state, current_step,"
        " document, request_hash, created_at, updated_at, lease_owner, lease_until, lease_epoch,"
        " calls_pending, customer_id) VALUES (?, ?, ?, ?, ?, ?, ") +
    Dialect::textParam() + ", ?, ?, ?, ?, ?, ?, ?, " + Dialect::textParam() +
    ") ON CONFLICT (order_ref) DO NOTHING";  // customer_id: 64 characters may be 256 bytes

const std::string kStepRunsSelectSql =
    "SELECT seq, step_name, plugin_id, step_kind, attempt, outcome, code, message,"
    " started_at, finished_at, chain, step_index FROM step_runs WHERE order_id = ? ORDER BY seq";

const std::string kRenewLeaseSql =
    "UPDATE orders SET lease_until = ? WHERE id = ? AND lease_owner = ? AND lease_epoch = ?";

namespace {

// An INSERT/UPDATE's changed rows. SQLite: the driver's row count (SQLRowCount, read before
// the cursor is closed). PostgreSQL: the statement wrapped in a CTE that counts its RETURNING
// rows, as Dialect::changesOneRow does; the bare statement with SQLRowCount measured the same
// or slower there (docs/performance.md, "Kept statements on SQLite"), so it was left as it was.
std::int64_t runChanging(Backend backend, PreparedStatements& set, const std::string& key, Session& s,
                         const std::string& sql, const std::vector<SqlValue>& values) {
    if (backend == Backend::PostgreSQL) {
        std::int64_t changed = -1;
        OdbcStatement& counted = set.get<OdbcStatement>(key, [&] {  // the text is built once per connection
            return std::make_unique<OdbcStatement>(
                s, "WITH changed AS (" + sql + " RETURNING 1) SELECT COUNT(*) FROM changed");
        });
        runKeptOdbc(set, key, counted, values,
                    [&](const std::vector<std::optional<std::string>>& row) { changed = odbcInteger(row.at(0), -1); });
        if (changed < 0) throw Poco::Data::DataException("a counted statement returned no count: " + key);
        return changed;
    }
    OdbcStatement& statement = keptOdbcStatement(set, s, key, sql);
    try {
        statement.execute(values);
        const std::int64_t changed = statement.rowsChanged();
        statement.close();
        return changed;
    } catch (...) {
        set.forget(key);  // frees `statement`
        throw;
    }
}

SqlValue integer(std::int64_t value) { return value; }

}  // namespace

std::optional<bool> updateCheckpoint(Session& s, Backend backend, const OrderRecord& updated,
                                     const std::string& expectedState, const std::string& expectedOwner,
                                     int64_t expectedEpoch) {
    PreparedStatements* set = PreparedStatements::of(s);
    if (set == nullptr) return std::nullopt;
    static const std::string key = "odbc:checkpoint update";
    const OrderRecord& o = updated;
    return runChanging(backend, *set, key, s, kCheckpointUpdateSql,
                       {o.chain, integer(o.chainVersion), o.state, integer(o.currentStep), o.document,
                        integer(o.updatedAtMs), o.awaitingSignal, integer(o.nextAttempt), integer(o.wakeAtMs),
                        o.leaseOwner, integer(o.leaseUntilMs), o.compensateTo, integer(o.leaseEpoch),
                        integer(o.callsPending), o.id, expectedState, expectedOwner, integer(expectedEpoch)}) == 1;
}

std::optional<bool> insertOrder(Session& s, Backend backend, const OrderRecord& o) {
    PreparedStatements* set = PreparedStatements::of(s);
    if (set == nullptr) return std::nullopt;
    static const std::string key = "odbc:order insert";
    // NULL, not '', for "no customer": a search by customer never matches it.
    const SqlValue customer = o.customerId.empty() ? SqlValue(nullptr) : SqlValue(o.customerId);
    return runChanging(backend, *set, key, s, kOrderInsertSql,
                       {o.id, o.orderRef, o.chain, integer(o.chainVersion), o.state, integer(o.currentStep), o.document,
                        o.requestHash, integer(o.createdAtMs), integer(o.updatedAtMs), o.leaseOwner,
                        integer(o.leaseUntilMs), integer(o.leaseEpoch), integer(o.callsPending), customer}) == 1;
}

std::optional<bool> renewLease(Session& s, Backend backend, const std::string& id, const std::string& owner,
                               int64_t epoch, int64_t untilMs) {
    PreparedStatements* set = PreparedStatements::of(s);
    if (set == nullptr) return std::nullopt;
    static const std::string key = "odbc:lease renewal";
    return runChanging(backend, *set, key, s, kRenewLeaseSql, {integer(untilMs), id, owner, integer(epoch)}) == 1;
}

std::optional<std::vector<StepRunRecord>> stepRuns(Session& s, const std::string& orderId) {
    PreparedStatements* set = PreparedStatements::of(s);
    if (set == nullptr) return std::nullopt;
    static const std::string key = "odbc:step runs select";
    std::vector<StepRunRecord> runs;
    runKeptOdbc(*set, key, keptOdbcStatement(*set, s, key, kStepRunsSelectSql), {orderId},
                [&](const std::vector<std::optional<std::string>>& row) {
                    auto text = [&](std::size_t column) { return row.at(column).value_or(std::string()); };
                    runs.push_back({orderId, static_cast<int>(odbcInteger(row.at(0), 0)), text(1), text(2), text(3),
                                    static_cast<int>(odbcInteger(row.at(4), 0)), text(5), text(6), text(7),
                                    odbcInteger(row.at(8), 0), odbcInteger(row.at(9), 0), text(10),
                                    static_cast<int>(odbcInteger(row.at(11), -1))});
                });
    return runs;
}

std::optional<std::optional<FoundOrder>> findOrder(Session& s, const std::string& key, const std::string& sql,
                                                   const std::string& value) {
    PreparedStatements* set = PreparedStatements::of(s);
    if (set == nullptr) return std::nullopt;
    std::optional<FoundOrder> found;
    runKeptOdbc(*set, key, keptOdbcStatement(*set, s, key, sql), {value},
                [&](const std::vector<std::optional<std::string>>& row) {
                    auto text = [&](std::size_t column) { return row.at(column).value_or(std::string()); };
                    auto number = [&](std::size_t column) { return odbcInteger(row.at(column), 0); };
                    FoundOrder f;
                    OrderRecord& r = f.order;
                    r.id = text(0);
                    r.orderRef = text(1);
                    r.chain = text(2);
                    r.chainVersion = static_cast<int>(number(3));
                    r.state = text(4);
                    r.currentStep = static_cast<int>(number(5));
                    r.document = text(6);
                    f.documentBytes = number(7);
                    r.requestHash = text(8);
                    r.createdAtMs = number(9);
                    r.updatedAtMs = number(10);
                    r.awaitingSignal = text(11);
                    r.nextAttempt = static_cast<int>(number(12));
                    r.wakeAtMs = number(13);
                    r.leaseOwner = text(14);
                    r.leaseUntilMs = number(15);
                    r.compensateTo = text(16);
                    r.leaseEpoch = number(17);
                    r.callsPending = static_cast<int>(number(18));
                    found = std::move(f);
                });
    return found;
}

}  // namespace orderhost::store::orderstatements
