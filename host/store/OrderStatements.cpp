#include "host/store/OrderStatements.h"

#include <memory>
#include <vector>

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>
#include <Poco/Nullable.h>

#include "host/store/KeptRows.h"
#include "host/store/PreparedStatements.h"

using namespace Poco::Data::Keywords;
using Poco::Nullable;
using Poco::Data::Session;
using Poco::Data::Statement;

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
    Dialect::textParam() + ", ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (order_ref) DO NOTHING";

const std::string kStepRunsSelectSql =
    "SELECT seq, step_name, plugin_id, step_kind, attempt, outcome, code, message,"
    " started_at, finished_at, chain, step_index FROM step_runs WHERE order_id = ? ORDER BY seq";

const std::string kRenewLeaseSql =
    "UPDATE orders SET lease_until = ? WHERE id = ? AND lease_owner = ? AND lease_epoch = ?";

namespace {

std::string counted(const std::string& sql) {
    return "WITH changed AS (" + sql + " RETURNING 1) SELECT COUNT(*) FROM changed";
}

PreparedStatements* keptOn(Session& s) { return PreparedStatements::of(s); }

struct CheckpointUpdate : PreparedStatements::Entry {
    explicit CheckpointUpdate(Session& s) : statement(s) {
        statement << counted(kCheckpointUpdateSql), use(o.chain), use(o.chainVersion), use(o.state), use(o.currentStep),
            use(o.document), use(o.updatedAtMs), use(o.awaitingSignal), use(o.nextAttempt), use(o.wakeAtMs),
            use(o.leaseOwner), use(o.leaseUntilMs), use(o.compensateTo), use(o.leaseEpoch), use(o.callsPending),
            use(o.id), use(expectedState), use(expectedOwner), use(expectedEpoch), into(changed);
    }
    OrderRecord o;
    std::string expectedState, expectedOwner;
    Poco::Int64 expectedEpoch = 0;
    int changed = 0;
    Statement statement;
};

struct StepRunInsert : PreparedStatements::Entry {
    explicit StepRunInsert(Session& s) : statement(s) {
        statement << kStepRunInsertSql, use(r.orderId), use(r.stepName), use(r.pluginId), use(r.stepKind),
            use(r.attempt), use(r.outcome), use(r.code), use(r.message), use(r.startedAtMs), use(r.finishedAtMs),
            use(r.chain), use(index), use(r.orderId);
    }
    StepRunRecord r;
    Nullable<int> index;
    Statement statement;
};

struct OrderInsert : PreparedStatements::Entry {
    explicit OrderInsert(Session& s) : statement(s) {
        statement << counted(kOrderInsertSql), use(o.id), use(o.orderRef), use(o.chain), use(o.chainVersion),
            use(o.state), use(o.currentStep), use(o.document), use(o.requestHash), use(o.createdAtMs),
            use(o.updatedAtMs), use(o.leaseOwner), use(o.leaseUntilMs), use(o.leaseEpoch), use(o.callsPending),
            use(customer), into(changed);
    }
    OrderRecord o;
    Nullable<std::string> customer;
    int changed = 0;
    Statement statement;
};

struct LeaseRenewal : PreparedStatements::Entry {
    explicit LeaseRenewal(Session& s) : statement(s) {
        statement << counted(kRenewLeaseSql), use(until), use(id), use(owner), use(epoch), into(changed);
    }
    Poco::Int64 until = 0, epoch = 0;
    std::string id, owner;
    int changed = 0;
    Statement statement;
};

constexpr std::size_t kKeptStepRunsBytes = 64 * 1024;

// Read through a RecordSet after each run, as kept plugin statements are (KeptPluginStatements.h).
struct StepRunsSelect : PreparedStatements::Entry {
    explicit StepRunsSelect(Session& s) : statement(s) { statement << kStepRunsSelectSql, use(orderId); }
    std::string orderId;
    Statement statement;
};

// The entry of type T kept under `key` on `kept`, made on first use.
template <class T>
T& entry(PreparedStatements& kept, Session& s, const char* key) {
    return kept.get<T>(key, [&] { return std::make_unique<T>(s); });
}

}  // namespace

std::optional<bool> updateCheckpoint(Session& s, const OrderRecord& updated, const std::string& expectedState,
                                     const std::string& expectedOwner, int64_t expectedEpoch) {
    PreparedStatements* kept = keptOn(s);
    if (kept == nullptr) return std::nullopt;
    auto& e = entry<CheckpointUpdate>(*kept, s, "checkpoint update");
    e.o = updated;
    e.expectedState = expectedState;
    e.expectedOwner = expectedOwner;
    e.expectedEpoch = expectedEpoch;
    kept->execute("checkpoint update", e.statement);
    return e.changed == 1;
}

bool appendStepRun(Session& s, const StepRunRecord& run) {
    PreparedStatements* kept = keptOn(s);
    if (kept == nullptr) return false;
    auto& e = entry<StepRunInsert>(*kept, s, "step run insert");
    e.r = run;
    e.index = run.stepIndex < 0 ? Nullable<int>() : Nullable<int>(run.stepIndex);
    kept->execute("step run insert", e.statement);
    return true;
}

std::optional<bool> insertOrder(Session& s, const OrderRecord& order) {
    PreparedStatements* kept = keptOn(s);
    if (kept == nullptr) return std::nullopt;
    auto& e = entry<OrderInsert>(*kept, s, "order insert");
    e.o = order;
    // NULL, not '', for "no customer": a search by customer never matches it.
    e.customer = order.customerId.empty() ? Nullable<std::string>() : Nullable<std::string>(order.customerId);
    kept->execute("order insert", e.statement);
    return e.changed == 1;
}

std::optional<bool> renewLease(Session& s, const std::string& id, const std::string& owner, int64_t epoch,
                               int64_t untilMs) {
    PreparedStatements* kept = keptOn(s);
    if (kept == nullptr) return std::nullopt;
    auto& e = entry<LeaseRenewal>(*kept, s, "lease renewal");
    e.until = untilMs;
    e.id = id;
    e.owner = owner;
    e.epoch = epoch;
    kept->execute("lease renewal", e.statement);
    return e.changed == 1;
}

std::optional<std::vector<StepRunRecord>> stepRuns(Session& s, const std::string& orderId) {
    PreparedStatements* kept = keptOn(s);
    if (kept == nullptr) return std::nullopt;
    auto& e = entry<StepRunsSelect>(*kept, s, "step runs select");
    e.orderId = orderId;
    kept->execute("step runs select", e.statement);
    const Poco::Data::RecordSet rows(e.statement);
    auto textAt = [&](std::size_t column, std::size_t row) { return keptrows::textAt(rows, column, row); };
    auto numberAt = [&](std::size_t column, std::size_t row, Poco::Int64 null) {
        return keptrows::numberAt(rows, column, row, null);
    };
    std::vector<StepRunRecord> runs(rows.rowCount());
    std::size_t textBytes = 0;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        runs[i] = {orderId,
                   static_cast<int>(numberAt(0, i, 0)),
                   textAt(1, i),
                   textAt(2, i),
                   textAt(3, i),
                   static_cast<int>(numberAt(4, i, 0)),
                   textAt(5, i),
                   textAt(6, i),
                   textAt(7, i),
                   numberAt(8, i, 0),
                   numberAt(9, i, 0),
                   textAt(10, i),
                   static_cast<int>(numberAt(11, i, -1))};
        textBytes += runs[i].message.size() + runs[i].code.size();
    }
    // The statement holds its last rows until it runs again: a long history (retries with long
    // messages) is not kept with it on an idle connection.
    if (textBytes > kKeptStepRunsBytes) kept->forget("step runs select");
    return runs;
}

}  // namespace orderhost::store::orderstatements
