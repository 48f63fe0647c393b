// The database transaction of one step attempt, opened only if something needs it.
//
// A plugin's writes to the host's own datasource (the orderhost.db extension) and the step's
// checkpoint (OrderStore::recordStep) share this transaction, so the plugin's database effect
// commits exactly when the step's result does, and rolls back with it otherwise.
//
//   store::StepTransaction tx(db);
//   plugin writes:    tx.runPluginStatement([&](Session& s) { s << "INSERT ...", now; });  // begins on first use
//   the checkpoint:   store.recordStep(updated, expected, run, &tx);  // commits
//
// On SQLite the transaction takes the database's write lock as it begins (before the plugin's
// first statement runs), so the checkpoint never has to upgrade a read snapshot: one step
// transaction at a time holds it, and others wait under the busy timeout.
//
// A plugin statement that fails undoes only itself; the transaction goes on (see
// runPluginStatement). The host's own statements need no such care: any failure of theirs
// rolls the whole transaction back.
//
// Not thread-safe: one attempt, one thread (the step's plugin call and then the runner).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include <Poco/Data/Session.h>

#include "host/store/Outbox.h"
#include "host/store/StepRunRecord.h"

namespace orderhost::store {

class Database;

class StepTransaction {
public:
    explicit StepTransaction(Database& db) : db_(db) {}
    ~StepTransaction();  // rolls back what was not committed
    StepTransaction(const StepTransaction&) = delete;
    StepTransaction& operator=(const StepTransaction&) = delete;

    Database& database() const { return db_; }

    // The transaction's session; the first call takes a pooled session and begins.
    // Throws StoreError when no session can be had. Whoever takes it may write: the next plugin
    // statement sets a new savepoint.
    Poco::Data::Session& session();
    bool isOpen() const { return session_.has_value(); }

    // Runs `statement(session())`, one of a plugin's statements, so that when it throws only its
    // own effects are undone and the transaction stays usable for the plugin's next statements
    // and the checkpoint. Who undoes it depends on the driver (Dialect's StatementUndo): SQLite
    // itself; psqlODBC with statement-level rollback (Protocol=7.4-2) through its savepoint
    // around every statement; with the host's default (Protocol=7.4-0) a savepoint of the host's
    // around this statement only. When nothing can undo it alone (Protocol=7.4-1: the driver
    // rolls the whole transaction back), or the savepoint itself failed, the transaction is
    // doomed: commit() refuses, so no part of the step commits without the rest.
    // One statement at a time: a plugin may call orderhost.db from several threads inside its
    // call, and one thread's ROLLBACK TO must not undo another's statement that reported success.
    //
    // `mayFailAfterWriting`: `statement` may throw after the database ran it (the host refuses a
    // write whose returned rows are over the limit). Neither SQLite nor psqlODBC's own savepoint
    // undoes a statement that succeeded in the database, so such a statement gets the host's
    // savepoint on every driver.
    //
    // SQLite may roll the whole transaction back while failing one statement (SQLITE_FULL,
    // IOERR, BUSY, NOMEM; RAISE(ROLLBACK) in a trigger), and sqliteodbc does not notice: the
    // statements after it would each commit at once. After a failed statement the host asks
    // (transactionSurvived); if it ended, the transaction is doomed.
    //
    // `writesNothing`: the statement changes nothing a rollback could undo (a plain SELECT,
    // services::readsOnly). After it, the host's savepoint still marks the transaction as it is,
    // so the next plugin statement needs no new one: a round trip fewer (docs/performance.md).
    template <class Statement>
    auto runPluginStatement(Statement&& statement, bool mayFailAfterWriting = false, bool writesNothing = false)
        -> decltype(statement(std::declval<Poco::Data::Session&>())) {
        const std::lock_guard<std::mutex> oneAtATime(pluginStatements_);
        Poco::Data::Session& s = openSession();
        markStatementStart(s, mayFailAfterWriting);
        try {
            if constexpr (std::is_void_v<decltype(statement(s))>) {
                statement(s);
                statementSucceeded(s, writesNothing);
            } else {
                auto result = statement(s);
                statementSucceeded(s, writesNothing);
                return result;
            }
        } catch (...) {
            undoStatement(s);
            throw;
        }
    }
    // A plugin statement failed and could not be undone alone (see runPluginStatement). From
    // then on session() refuses: nothing more may run in a transaction that cannot commit, and on
    // SQLite it would run outside any transaction.
    bool doomed() const { return doomed_.load(std::memory_order_acquire); }

    // Savepoints elided (issue 12): for the steps that promise no effect outside the host's
    // database, whose attempt may run again at no cost, the runner lets their statements run
    // without the host's savepoint — a round trip fewer each on PostgreSQL. A statement that
    // then fails dooms the transaction and sets elidedStatementFailed(); the runner discards the
    // attempt (not counted) and runs the step again with savepoints, where the failure undoes
    // only itself as the plugin expects (ChainRunner::forwardAttempt). Only where the host is
    // what undoes a statement (StatementUndo::Host); elsewhere it changes nothing. Set between
    // plugin calls, never during one.
    void elideSavepoints(bool elide);
    // Also after the rollback, until the transaction begins again.
    bool elidedStatementFailed() const { return elidedFailure_.load(std::memory_order_acquire); }

    // A checkpoint's step run and outbox events, to be written by commit() in the order they came,
    // with the others of the batch in one statement per table (CheckpointRows.h). A rollback
    // drops them with the rest.
    void deferRows(StepRunRecord run, const std::vector<OutboxEvent>& events);
    // Writes the deferred rows now, in the open transaction (before the host reads the order's
    // step runs inside it: a compensation starting in a batch). Throws StoreError after rolling
    // back when they cannot be written.
    void writeDeferredRows();

    // Writes the deferred rows, commits and gives the session back. Throws StoreError (after
    // rolling back) on failure, and when the transaction is doomed.
    void commit();
    // Rolls back (quietly: the caller is already handling a failure) and gives the session back.
    void rollback() noexcept;
    // The runner stopped waiting for the plugin call that holds this transaction (its timeout):
    // rolls back now — after the plugin statement running, if one is — so the transaction's
    // locks (SQLite's write lock, PostgreSQL's row locks) go at the deadline, not when the plugin
    // returns; every later statement of the call is refused (session() throws StoreError).
    // Thread-safe against the call's own runPluginStatement.
    void abandon() noexcept;
    // A plugin statement in this transaction changes the schema (DDL): when the transaction ends,
    // every connection forgets its kept statements once more (PreparedStatements::
    // noteSchemaChange), as another connection may have kept one against the old schema while
    // the change was not yet committed.
    void noteSchemaChange() { schemaChanged_ = true; }

private:
    void takeWriteLock(Poco::Data::Session&) const;
    Poco::Data::Session& openSession();
    void markStatementStart(Poco::Data::Session&, bool mayFailAfterWriting);
    void statementSucceeded(Poco::Data::Session&, bool writesNothing);
    void keepSavepointCurrent();
    void undoStatement(Poco::Data::Session&) noexcept;
    bool transactionSurvived(Poco::Data::Session&) noexcept;  // SQLite: see runPluginStatement

    Database& db_;
    std::optional<Poco::Data::Session> session_;
    bool savepointSet_ = false;                  // the host's savepoint of the last plugin statement exists
    bool statementSavepoint_ = false;            // ... and was set for the statement running now
    std::atomic<bool> savepointCurrent_{false};  // ... and nothing has changed since it was set
    std::atomic<std::uint64_t> hostTurns_{0};    // session() calls: the host may have written
    std::uint64_t hostTurnsAtStatement_ = 0;     // hostTurns_ when the running statement began
    std::atomic<bool> doomed_{false};            // read by the runner and the extension beside the call
    std::atomic<bool> abandoned_{false};
    bool elide_ = false;                       // elideSavepoints
    std::atomic<bool> elidedFailure_{false};   // a statement without a savepoint failed: doomed
    std::mutex pluginStatements_;              // runPluginStatement: one at a time
    std::atomic<bool> schemaChanged_{false};   // noteSchemaChange
    std::vector<StepRunRecord> deferredRuns_;  // deferRows: the runner's thread only
    std::vector<OutboxEvent> deferredEvents_;
};

}  // namespace orderhost::store
