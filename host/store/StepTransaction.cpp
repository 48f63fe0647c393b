#include "host/store/StepTransaction.h"

#include "host/store/CheckpointRows.h"
#include "host/store/Database.h"
#include "host/store/PreparedStatements.h"
#include "host/store/SimpleCommand.h"

namespace orderhost::store {
namespace {

// One name, set again before each plugin statement: a transaction holds at most one of them.
constexpr const char* kSavepoint = "oh_plugin_statement";

}  // namespace

StepTransaction::~StepTransaction() { rollback(); }

void StepTransaction::takeWriteLock(Poco::Data::Session& s) const {
    if (db_.backend() != Backend::SQLite) return;  // PostgreSQL locks rows, not the database
    // The driver begins a deferred transaction (BEGIN, not BEGIN IMMEDIATE). Had its first
    // statement been a read, a later write would need to upgrade a read snapshot, which fails
    // at once with SQLITE_BUSY_SNAPSHOT once another connection has committed since; the busy
    // timeout does not cover that. Any UPDATE takes the write lock, even one that changes no
    // row, and waits for it under the busy timeout like every other writer.
    s << "UPDATE orders SET id = id WHERE 1 = 0", Poco::Data::Keywords::now;
}

Poco::Data::Session& StepTransaction::session() {
    Poco::Data::Session& s = openSession();
    // The host's own writes (a checkpoint) are not under the savepoint. Counted too, for a
    // plugin statement still running on another thread (a call past its deadline): see
    // keepSavepointCurrent.
    hostTurns_.fetch_add(1);
    savepointCurrent_ = false;
    return s;
}

Poco::Data::Session& StepTransaction::openSession() {
    if (abandoned_.load(std::memory_order_acquire))
        throw StoreError(db_.errorMessage("step transaction",
                                          "the host stopped waiting for this step (timeout_ms) and "
                                          "rolled its transaction back; nothing more runs in it"));
    if (doomed_)
        throw StoreError(db_.errorMessage("step transaction",
                                          "an earlier plugin statement failed and could not be undone on its own (the "
                                          "database or driver rolled the transaction back, or the host's savepoint "
                                          "failed); nothing more runs in it and nothing of the step is committed"));
    if (!session_) {
        elidedFailure_ = false;
        Poco::Data::Session s = db_.session();
        try {
            s.setFeature("autoCommit", false);  // Poco's begin() refuses in autocommit mode
            s.begin();
            takeWriteLock(s);
        } catch (...) {
            Database::abandonTransaction(s, false);
            db_.rethrowAsStoreError("begin step transaction");
        }
        session_.emplace(std::move(s));
    }
    return *session_;
}

void StepTransaction::elideSavepoints(bool elide) { elide_ = elide && db_.statementUndo() == StatementUndo::Host; }

void StepTransaction::markStatementStart(Poco::Data::Session& s, bool mayFailAfterWriting) {
    const StatementUndo undo = db_.statementUndo();
    if (elide_) {  // no savepoint; a standing one no longer marks the transaction once this writes
        statementSavepoint_ = false;
        savepointCurrent_ = false;
        hostTurnsAtStatement_ = hostTurns_.load();
        return;
    }
    statementSavepoint_ = undo == StatementUndo::Host || (mayFailAfterWriting && undo != StatementUndo::Nothing);
    if (!statementSavepoint_) return;
    // The previous statement's savepoint is released in the same round trip: a savepoint left
    // standing would nest the next one under it, and COMMIT releases the last one anyway.
    // (sqliteodbc runs only the first statement of a text: two commands there.)
    if (savepointSet_ && savepointCurrent_ && undo == StatementUndo::Host) {
        savepointCurrent_ = false;  // the standing savepoint marks the transaction as it is now
        hostTurnsAtStatement_ = hostTurns_.load();
        return;
    }
    savepointCurrent_ = false;
    hostTurnsAtStatement_ = hostTurns_.load();
    const std::string release = std::string("RELEASE SAVEPOINT ") + kSavepoint;
    const std::string set = std::string("SAVEPOINT ") + kSavepoint;
    try {
        if (savepointSet_ && undo == StatementUndo::Host) {
            runSimpleCommand(s, release + "; " + set);
        } else {
            if (savepointSet_) runSimpleCommand(s, release);
            runSimpleCommand(s, set);
        }
    } catch (...) {
        doomed_ = true;  // the transaction is in an unknown state: it must not commit
        savepointSet_ = statementSavepoint_ = false;
        throw;
    }
    savepointSet_ = true;
}

void StepTransaction::undoStatement(Poco::Data::Session& s) noexcept {
    if (elide_) {  // no savepoint: PostgreSQL has aborted the transaction; the step runs again
        elidedFailure_ = true;
        doomed_ = true;
        return;
    }
    if (db_.statementUndo() == StatementUndo::Nothing) {
        doomed_ = true;
        return;
    }
    if (statementSavepoint_) {
        try {
            // ROLLBACK TO keeps the savepoint, and the transaction is now as it marks: the next
            // statement needs no new one.
            runSimpleCommand(s, std::string("ROLLBACK TO SAVEPOINT ") + kSavepoint);
            if (savepointSet_ && db_.statementUndo() == StatementUndo::Host) keepSavepointCurrent();
        } catch (...) {
            doomed_ = true;
        }
        return;
    }
    if (db_.statementUndo() == StatementUndo::Database && !transactionSurvived(s)) doomed_ = true;
}

// Marks the standing savepoint as current unless the host took the session since this
// statement began (session() counts and clears in that order; checking after the store, one
// of the two always leaves it cleared).
void StepTransaction::keepSavepointCurrent() {
    if (hostTurns_.load() != hostTurnsAtStatement_) return;
    savepointCurrent_ = true;
    if (hostTurns_.load() != hostTurnsAtStatement_) savepointCurrent_ = false;
}

void StepTransaction::statementSucceeded(Poco::Data::Session& s, bool writesNothing) {
    // Only the host's own undo keeps the savepoint standing until the next statement (released
    // in the same round trip). Elsewhere it is released now: SQLite copies every page written
    // under an open savepoint into a sub-journal, for the rest of the transaction.
    if (db_.statementUndo() == StatementUndo::Host && savepointSet_ && writesNothing && !elide_) keepSavepointCurrent();
    if (!statementSavepoint_ || db_.statementUndo() == StatementUndo::Host) return;
    try {
        runSimpleCommand(s, std::string("RELEASE SAVEPOINT ") + kSavepoint);
    } catch (...) {
        doomed_ = true;
        throw;
    }
    savepointSet_ = statementSavepoint_ = false;
}

bool StepTransaction::transactionSurvived(Poco::Data::Session& s) noexcept {
    // BEGIN fails inside a transaction ("cannot start a transaction within a transaction"); it
    // succeeds only when SQLite ended ours, and what it began is rolled back with the doomed one.
    try {
        runSimpleCommand(s, "BEGIN");
    } catch (...) {
        return true;
    }
    savepointSet_ = false;
    return false;
}

void StepTransaction::deferRows(StepRunRecord run, const std::vector<OutboxEvent>& events) {
    deferredRuns_.push_back(std::move(run));
    deferredEvents_.insert(deferredEvents_.end(), events.begin(), events.end());
}

void StepTransaction::writeDeferredRows() {
    if (!session_ || doomed_ || (deferredRuns_.empty() && deferredEvents_.empty())) return;
    try {
        appendStepRuns(*session_, db_, deferredRuns_);
        appendOutboxEvents(*session_, db_, deferredEvents_);
    } catch (...) {
        // Which order and steps, as recordStep named them when it wrote them itself.
        std::string what = "write the step runs (";
        for (const StepRunRecord& run : deferredRuns_)
            what += (&run == &deferredRuns_.front() ? "order " + run.orderId.substr(0, 64) + ": " : ", ") +
                    run.stepName.substr(0, 64);
        what += ") and " + std::to_string(deferredEvents_.size()) + " event(s) of a step transaction";
        rollback();
        db_.rethrowAsStoreError(what);
    }
    deferredRuns_.clear();
    deferredEvents_.clear();
}

void StepTransaction::commit() {
    if (!session_) return;
    writeDeferredRows();  // a failure rolls back and throws
    if (doomed_) {
        rollback();
        throw StoreError(db_.errorMessage("commit step transaction",
                                          "a plugin statement failed and could not be undone on its own (the driver "
                                          "rolled the transaction back, or the host's savepoint failed); nothing of "
                                          "the step is committed"));
    }
    try {
        session_->commit();
    } catch (...) {
        // A COMMIT that failed leaves the connection in doubt (after SQLITE_FULL sqliteodbc
        // fails every later transaction on it): it is closed, never reused.
        Database::abandonTransaction(*session_, true);
        session_.reset();
        if (schemaChanged_.exchange(false)) PreparedStatements::noteSchemaChange();  // it may have committed
        db_.rethrowAsStoreError("commit step transaction");
    }
    if (!Database::restoreAutoCommit(*session_)) ConnectionPool::discard(*session_);
    session_.reset();
    if (schemaChanged_.exchange(false)) PreparedStatements::noteSchemaChange();
    savepointSet_ = false;
    db_.noteCommitted();
}

void StepTransaction::abandon() noexcept {
    const std::lock_guard<std::mutex> noStatementRunning(pluginStatements_);
    abandoned_.store(true, std::memory_order_release);
    rollback();
}

void StepTransaction::rollback() noexcept {
    deferredRuns_.clear();
    deferredEvents_.clear();
    if (!session_) return;
    const bool rolledBack = Database::rollbackQuietly(*session_);
    const bool autoCommit = Database::restoreAutoCommit(*session_);
    // A doomed SQLite transaction ended under the driver, which still believes it open: the
    // connection is not trusted again. (PostgreSQL's rollback leaves a sound connection.)
    const bool sqliteDoomed = doomed_ && db_.backend() == Backend::SQLite;
    if (!rolledBack || !autoCommit || sqliteDoomed) ConnectionPool::discard(*session_);
    session_.reset();
    if (schemaChanged_.exchange(false)) PreparedStatements::noteSchemaChange();
    savepointSet_ = statementSavepoint_ = false;
    doomed_ = false;
    // elidedFailure_ stays until the next begin: a call past its deadline is rolled back
    // (abandon) before the runner asks why it failed.
}

}  // namespace orderhost::store
