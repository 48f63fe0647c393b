#include "host/store/OrderStore.h"

#include "host/store/CheckpointRows.h"
#include "host/store/HiddenOrder.h"
#include "host/store/OrderFields.h"
#include "host/store/OrderStatements.h"
#include "host/store/TextClip.h"

#include <Poco/Data/Statement.h>
#include <Poco/Nullable.h>

using namespace Poco::Data::Keywords;
using Poco::Nullable;
using Poco::Data::Session;
using Poco::Data::Statement;

namespace orderhost::store {
namespace {

using namespace fields;

template <class T>
T number(const Nullable<T>& v) {
    return v.isNull() ? T{} : v.value();
}

// The columns a checkpoint writes (recordStep, writeOrder).
void checkCheckpoint(const Database& db, const std::string& op, const OrderRecord& o) {
    check(db, op, kId, o.id);
    check(db, op, kChain, o.chain);
    check(db, op, kState, o.state);
    check(db, op, kDocument, o.document);
    check(db, op, kAwaitingSignal, o.awaitingSignal);
    check(db, op, kLeaseOwner, o.leaseOwner);
    check(db, op, kCompensateTo, o.compensateTo);
}

void checkOrder(const Database& db, const std::string& op, const OrderRecord& o) {
    checkCheckpoint(db, op, o);
    check(db, op, kOrderRef, o.orderRef);
    check(db, op, kRequestHash, o.requestHash);
    check(db, op, kCustomerId, o.customerId);
}

void checkRun(const Database& db, const std::string& op, const StepRunRecord& r) {
    check(db, op, kStepName, r.stepName);
    check(db, op, kPluginId, r.pluginId);
    check(db, op, kStepKind, r.stepKind);
    check(db, op, kOutcome, r.outcome);
    check(db, op, kCode, r.code);
    check(db, op, kChain, r.chain.empty() ? std::string("-") : r.chain);
}

}  // namespace

OrderStore::OrderStore(Database& db) : db_(db) {}

InsertResult OrderStore::insertOrder(const OrderRecord& o) { return insertOrder(o, std::string()); }

InsertResult OrderStore::insertOrder(const OrderRecord& o, const std::string& quoteId) {
    const std::string op = "insertOrder(order_ref " + shown(o.orderRef) + ")";
    checkOrder(db_, op, o);
    if (db_.keepsStatements() && quoteId.empty()) {
        // One statement, prepared once per session: atomic in autocommit, so no BEGIN and
        // COMMIT round trips around it.
        const std::optional<bool> kept =
            db_.withSession(op, [&](Session& s) { return orderstatements::insertOrder(s, db_.backend(), o); });
        if (kept) {
            db_.noteCommitted();
            return *kept ? InsertResult::Inserted : InsertResult::DuplicateRef;
        }
    }
    // Thrown to roll back a quote's use when the order turns out to be a duplicate.
    struct DuplicateWithQuote {};
    bool inserted = false, quoteTaken = false;
    try {
        db_.withTransaction(op, [&](Session& s) {
            if (!quoteId.empty()) {
                // First, so that of two orders naming one quote the second waits here and then
                // finds it used (PostgreSQL re-checks the row; SQLite serialises the writers).
                quoteTaken = db_.dialect().changesOneRow(
                    s,
                    "UPDATE quotes SET used_by_order = ?, used_at = ? WHERE id = ? AND used_by_order IS NULL"
                    " AND valid_until > ?",
                    [&](Statement& st) { st, bind(o.id), bind(o.createdAtMs), bind(quoteId), bind(o.createdAtMs); });
                if (!quoteTaken) return;
            }
            inserted = db_.dialect().changesOneRow(s, orderstatements::kOrderInsertSql, [&](Statement& st) {
                st, bind(o.id), bind(o.orderRef), bind(o.chain), bind(o.chainVersion), bind(o.state),
                    bind(o.currentStep);
                db_.dialect().bindText(st, o.document);
                st, bind(o.requestHash), bind(o.createdAtMs), bind(o.updatedAtMs), bind(o.leaseOwner),
                    bind(o.leaseUntilMs), bind(o.leaseEpoch), bind(o.callsPending);
                // NULL, not '', for "no customer": a search by customer never matches it. As
                // text of any length: 64 characters may be 256 bytes, more than Poco binds on SQLite.
                if (o.customerId.empty())
                    st, bind(Nullable<std::string>());
                else
                    db_.dialect().bindText(st, o.customerId);
            });
            if (!inserted && quoteTaken) throw DuplicateWithQuote{};
        });
    } catch (const DuplicateWithQuote&) {
        return InsertResult::DuplicateRef;  // rolled back: the quote stays unused
    }
    if (!quoteId.empty() && !quoteTaken) return InsertResult::QuoteUnavailable;
    return inserted ? InsertResult::Inserted : InsertResult::DuplicateRef;
}

// An order hidden from this thread's request (HiddenOrder.h) is not found.
std::optional<OrderRecord> OrderStore::findById(const std::string& id) {
    auto order = findBy("id", id);
    return order && HiddenOrder::hides(order->id) ? std::nullopt : order;
}

std::optional<OrderRecord> OrderStore::findByRef(const std::string& orderRef) {
    auto order = findBy("order_ref", orderRef);
    return order && HiddenOrder::hides(order->id) ? std::nullopt : order;
}

std::vector<std::string> OrderStore::idsInState(const std::string& state, std::size_t limit) {
    return db_.withSession("list orders in state " + shown(state), [&](Session& s) {
        std::vector<std::string> ids;
        Poco::UInt64 max = limit;
        s << "SELECT id FROM orders WHERE state = ? ORDER BY created_at, id LIMIT ?", bind(state), bind(max), into(ids),
            now;
        return ids;
    });
}

std::vector<std::string> OrderStore::idsDue(const std::string& state, int64_t nowMs, std::size_t limit) {
    return db_.withSession("list due orders in state " + shown(state), [&](Session& s) {
        std::vector<std::string> ids;
        Poco::UInt64 max = limit;
        Poco::Int64 at = nowMs;
        s << "SELECT id FROM orders WHERE state = ? AND wake_at > 0 AND wake_at <= ? ORDER BY wake_at, id LIMIT ?",
            bind(state), bind(at), bind(max), into(ids), now;
        return ids;
    });
}

std::optional<OrderRecord> OrderStore::findBy(const char* column, const std::string& value) {
    const std::string op = std::string("find order by ") + column + " " + shown(value);
    // Poco's reads truncate silently past the declared size: never hand out a cut document. Nor
    // one over the limit (written behind the store's back), which the kept path reads whole.
    auto checked = [&](OrderRecord r, std::int64_t documentBytes) {
        const auto read = static_cast<std::int64_t>(r.document.size());
        if (read != documentBytes || documentBytes > static_cast<std::int64_t>(kMaxDocumentBytes))
            throw StoreError(db_.errorMessage(
                op, "the database holds " + std::to_string(documentBytes) +
                        " bytes of document (the store's limit is " + std::to_string(kMaxDocumentBytes) + ")" +
                        (read != documentBytes ? "; read back as " + std::to_string(read) : std::string())));
        return r;
    };
    const std::string sql = "SELECT id, order_ref, chain, chain_version, state, current_step, document, " +
                            db_.dialect().octetLength("document") +
                            ", request_hash, created_at, updated_at, awaiting_signal, next_attempt, wake_at,"
                            " lease_owner, lease_until, compensate_to, lease_epoch, calls_pending"
                            " FROM orders WHERE " +
                            column + " = ?";
    return db_.withSession(op, [&](Session& s) -> std::optional<OrderRecord> {
        if (db_.keepsStatements())
            if (auto kept = orderstatements::findOrder(s, std::string("odbc:order by ") + column, sql, value)) {
                if (!*kept) return std::nullopt;
                return checked(std::move((*kept)->order), (*kept)->documentBytes);
            }
        OrderRecord r;
        Nullable<std::string> document;
        Nullable<Poco::Int64> documentBytes;
        Nullable<std::string> awaitingSignal, leaseOwner, compensateTo;
        Statement st(s);
        st << sql, bind(value), into(r.id), into(r.orderRef), into(r.chain), into(r.chainVersion), into(r.state),
            into(r.currentStep), into(document), into(documentBytes), into(r.requestHash), into(r.createdAtMs),
            into(r.updatedAtMs), into(awaitingSignal), into(r.nextAttempt), into(r.wakeAtMs), into(leaseOwner),
            into(r.leaseUntilMs), into(compensateTo), into(r.leaseEpoch), into(r.callsPending);
        st.execute();
        // execute() returns 1 even when no row matched; rowsExtracted() tells the truth.
        if (st.rowsExtracted() == 0) return std::nullopt;
        r.document = text(document);
        r.awaitingSignal = text(awaitingSignal);
        r.leaseOwner = text(leaseOwner);
        r.compensateTo = text(compensateTo);
        return checked(std::move(r), number(documentBytes));
    });
}

std::vector<StepRunRecord> OrderStore::stepRuns(const std::string& orderId) {
    return db_.withSession("stepRuns(order " + shown(orderId) + ")", [&](Session& s) {
        if (db_.keepsStatements())
            if (std::optional<std::vector<StepRunRecord>> kept = orderstatements::stepRuns(s, orderId))
                return std::move(*kept);
        std::vector<int> seq;
        std::vector<Nullable<int>> attempt, index;
        std::vector<Nullable<std::string>> name, plugin, kind, outcome, code, message, chain;
        std::vector<Nullable<Poco::Int64>> started, finished;
        s << "SELECT seq, step_name, plugin_id, step_kind, attempt, outcome, code, message,"
             " started_at, finished_at, chain, step_index FROM step_runs WHERE order_id = ? ORDER BY seq",
            bind(orderId), into(seq), into(name), into(plugin), into(kind), into(attempt), into(outcome), into(code),
            into(message), into(started), into(finished), into(chain), into(index), now;
        std::vector<StepRunRecord> runs(seq.size());
        for (std::size_t i = 0; i < runs.size(); ++i) {
            runs[i] = {orderId,
                       seq[i],
                       text(name[i]),
                       text(plugin[i]),
                       text(kind[i]),
                       number(attempt[i]),
                       text(outcome[i]),
                       text(code[i]),
                       text(message[i]),
                       number(started[i]),
                       number(finished[i]),
                       text(chain[i]),
                       index[i].isNull() ? -1 : index[i].value()};
        }
        return runs;
    });
}

void OrderStore::recordStep(const OrderRecord& updated, const std::string& expectedState, StepRunRecord run,
                            const CheckpointExtras& extras) {
    const std::string op = "recordStep(order " + shown(updated.id) + ")";
    if (run.orderId.empty()) run.orderId = updated.id;
    if (run.orderId != updated.id)
        throw StoreError(db_.errorMessage(op, "the step run names another order: " + shown(run.orderId)));
    checkCheckpoint(db_, op, updated);
    checkRun(db_, op, run);
    run.message = clipUtf8(run.message, kMaxStepMessageBytes);
    run.code = clipUtf8(run.code, kMaxStepCodeBytes);  // a plugin's long code must not fail the step
    if (updated.leaseEpoch != extras.expectedLeaseEpoch && updated.leaseEpoch != extras.expectedLeaseEpoch + 1)
        throw StoreError(db_.errorMessage(op, "lease epoch " + std::to_string(updated.leaseEpoch) +
                                                  " is neither the guard's " +
                                                  std::to_string(extras.expectedLeaseEpoch) +
                                                  " nor the next one (a checkpoint keeps or claims, never skips)"));
    if (extras.orderWriteDeferred && (extras.transaction == nullptr || !extras.keepOpen))
        throw StoreError(db_.errorMessage(op, "the order row may be written later only in a transaction kept open"));
    auto write = [&](Session& s) {
        // The UPDATE goes first: it takes the write lock before anything is read, so SQLite
        // never has to upgrade a read snapshot (which fails at once with SQLITE_BUSY). A
        // deferred one: the step transaction took the write lock when it began.
        if (!extras.orderWriteDeferred) writeGuarded(s, op, updated, expectedState, extras);
        if (extras.transaction != nullptr) {   // written by its commit, with the batch's others
            checkOutboxEvents(extras.events);  // refused here, at the step that emitted them
            extras.transaction->deferRows(std::move(run), extras.events);
            return;
        }
        appendStepRuns(s, db_, {run});
        appendOutboxEvents(s, db_, extras.events);
    };
    if (extras.transaction == nullptr) return db_.withTransaction(op, write);
    try {
        write(extras.transaction->session());
    } catch (...) {
        extras.transaction->rollback();
        db_.rethrowAsStoreError(op);
    }
    if (!extras.keepOpen) extras.transaction->commit();
}

void OrderStore::writeOrder(const OrderRecord& updated, const std::string& expectedState,
                            const CheckpointExtras& extras) {
    const std::string op = "writeOrder(order " + shown(updated.id) + ")";
    if (extras.transaction == nullptr) throw StoreError(db_.errorMessage(op, "no transaction to write in"));
    checkCheckpoint(db_, op, updated);
    try {
        writeGuarded(extras.transaction->session(), op, updated, expectedState, extras);
    } catch (...) {
        extras.transaction->rollback();
        db_.rethrowAsStoreError(op);
    }
}

void OrderStore::writeGuarded(Session& s, const std::string& op, const OrderRecord& updated,
                              const std::string& expectedState, const CheckpointExtras& guard) {
    if (!updateIfState(s, updated, expectedState, guard))
        throw StaleOrderError(db_.errorMessage(op, staleMessage(s, updated.id, expectedState, guard)));
}

bool OrderStore::updateIfState(Session& s, const OrderRecord& u, const std::string& expectedState,
                               const CheckpointExtras& guard) {
    db_.noteOrderRowWritten();
    if (db_.keepsStatements())
        if (const std::optional<bool> kept = orderstatements::updateCheckpoint(
                s, db_.backend(), u, expectedState, guard.expectedLeaseOwner, guard.expectedLeaseEpoch))
            return *kept;
    const std::string& sql = orderstatements::kCheckpointUpdateSql;
    return db_.dialect().changesOneRow(s, sql, [&](Statement& st) {
        st, bind(u.chain), bind(u.chainVersion), bind(u.state), bind(u.currentStep);
        db_.dialect().bindText(st, u.document);
        st, bind(u.updatedAtMs), bind(u.awaitingSignal), bind(u.nextAttempt), bind(u.wakeAtMs), bind(u.leaseOwner),
            bind(u.leaseUntilMs), bind(u.compensateTo), bind(u.leaseEpoch), bind(u.callsPending), bind(u.id),
            bind(expectedState), bind(guard.expectedLeaseOwner), bind(guard.expectedLeaseEpoch);
    });
}

namespace {

// Step indexes with a run of one of `outcomes` (an SQL list) not undone since by the plugin.
std::vector<int> stepsWithOutcome(Database& db, const std::string& orderId, const std::string& chain,
                                  const char* outcomes, const std::string& what) {
    return db.withSession(what, [&](Session& s) {
        std::vector<int> steps;
        // An undo recorded after the step's run (by a plugin, not a host record) means it
        // was undone already: a failed order that compensated and is then cancelled.
        s << "SELECT DISTINCT r.step_index FROM step_runs r WHERE r.order_id = ? AND r.chain = ?"
             " AND r.outcome IN ("
          << outcomes
          << ") AND r.step_index IS NOT NULL AND NOT EXISTS ("
             " SELECT 1 FROM step_runs u WHERE u.order_id = r.order_id AND u.chain = r.chain"
             " AND u.step_index = r.step_index AND u.outcome = 'compensated' AND u.plugin_id <> 'orderhost'"
             " AND u.seq > r.seq) ORDER BY r.step_index",
            bind(orderId), bind(chain), into(steps), now;
        return steps;
    });
}

}  // namespace

std::vector<int> OrderStore::completedSteps(const std::string& orderId, const std::string& chain) {
    return stepsWithOutcome(db_, orderId, chain, "'continue'", "completed steps of order " + shown(orderId));
}

std::vector<int> OrderStore::stepsWithEffects(const std::string& orderId, const std::string& chain) {
    return stepsWithOutcome(db_, orderId, chain, "'continue', 'suspend'",
                            "steps with effects of order " + shown(orderId));
}

bool OrderStore::suspendedInCurrentPass(const std::string& orderId, const std::string& chain, int index,
                                        Session* within) {
    const auto query = [&](Session& s) {
        Poco::Int64 count = 0;
        s << "SELECT COUNT(*) FROM step_runs r WHERE r.order_id = ? AND r.chain = ? AND r.step_index = ?"
             " AND r.outcome = 'suspend' AND NOT EXISTS (SELECT 1 FROM step_runs u WHERE u.order_id = r.order_id"
             " AND u.seq > r.seq AND NOT (u.plugin_id = 'orderhost' AND u.outcome = 'signal')"
             " AND (u.chain <> r.chain OR u.step_index IS NULL OR u.step_index <> r.step_index"
             " OR (u.outcome = 'compensated' AND u.plugin_id <> 'orderhost')))",
            bind(orderId), bind(chain), bind(index), into(count), now;
        return count > 0;
    };
    if (within != nullptr) return query(*within);
    return db_.withSession("suspended step of order " + shown(orderId), query);
}

std::vector<int> OrderStore::stepsLeftUnknown(const std::string& orderId, const std::string& chain, Session* within) {
    const auto query = [&](Session& s) {
        std::vector<int> steps;
        s << "SELECT DISTINCT r.step_index FROM step_runs r WHERE r.order_id = ? AND r.chain = ?"
             " AND r.step_index IS NOT NULL AND r.outcome IN ('retry', 'timeout') AND r.plugin_id <> 'orderhost'"
             " AND NOT EXISTS (SELECT 1 FROM step_runs u WHERE u.order_id = r.order_id AND u.chain = r.chain"
             " AND u.step_index = r.step_index AND u.seq > r.seq AND ((u.plugin_id <> 'orderhost'"
             " AND u.outcome NOT IN ('undo_retry', 'undo_failed'))"
             // A manual skip leaves the step as it is: never undone (admin guide, manual actions).
             " OR (u.plugin_id = 'orderhost' AND u.outcome = 'manual_action' AND u.code = 'skip')))"
             " ORDER BY r.step_index",
            bind(orderId), bind(chain), into(steps), now;
        return steps;
    };
    if (within != nullptr) return query(*within);
    return db_.withSession("steps of order " + shown(orderId) + " left unknown", query);
}

std::string OrderStore::staleMessage(Session& s, const std::string& id, const std::string& expectedState,
                                     const CheckpointExtras& guard) {
    Nullable<std::string> actual, owner;
    Nullable<Poco::Int64> epoch;
    s << "SELECT state, lease_owner, lease_epoch FROM orders WHERE id = ?", bind(id), into(actual), into(owner),
        into(epoch), now;
    if (actual.isNull()) return "order does not exist (expected state '" + expectedState + "'); nothing written";
    if (actual.value() != expectedState)
        return "order is in state '" + actual.value() + "', not the expected '" + expectedState + "'; nothing written";
    if (text(owner) != guard.expectedLeaseOwner)
        return "order is held by '" + text(owner) + "', not by '" + guard.expectedLeaseOwner +
               "' (its lease expired and another host claimed it); nothing written";
    return "order is held by '" + text(owner) + "' under lease epoch " + std::to_string(number(epoch)) +
           ", not the writer's epoch " + std::to_string(guard.expectedLeaseEpoch) +
           " (its lease expired and it was claimed again since); nothing written";
}

}  // namespace orderhost::store
