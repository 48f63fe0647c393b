#include "host/store/StepTransaction.h"

#include "host/store/Database.h"
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
    if (abandoned_.load(std::memory_order_acquire))
        throw StoreError(db_.errorMessage("step transaction", "the host stopped waiting for this step (timeout_ms) and "
                                                              "rolled its transaction back; nothing more runs in it"));
    if (!session_) {
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

void StepTransaction::markStatementStart(Poco::Data::Session& s) {
    if (db_.statementUndo() != StatementUndo::Host) return;
    // The previous statement's savepoint is released in the same round trip: a savepoint left
    // standing would nest the next one under it, and COMMIT releases the last one anyway.
    const std::string set = std::string("SAVEPOINT ") + kSavepoint;
    try {
        runSimpleCommand(s, savepointSet_ ? std::string("RELEASE SAVEPOINT ") + kSavepoint + "; " + set : set);
    } catch (...) {
        doomed_ = true;  // the transaction is in an unknown state: it must not commit
        savepointSet_ = false;
        throw;
    }
    savepointSet_ = true;
}

void StepTransaction::undoStatement(Poco::Data::Session& s) noexcept {
    switch (db_.statementUndo()) {
        case StatementUndo::Database:
        case StatementUndo::Driver:
            return;
        case StatementUndo::Nothing:
            doomed_ = true;
            return;
        case StatementUndo::Host:
            try {
                // ROLLBACK TO keeps the savepoint: the next statement releases and sets it again.
                runSimpleCommand(s, std::string("ROLLBACK TO SAVEPOINT ") + kSavepoint);
            } catch (...) {
                doomed_ = true;
            }
            return;
    }
}

void StepTransaction::commit() {
    if (!session_) return;
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
        db_.rethrowAsStoreError("commit step transaction");
    }
    if (!Database::restoreAutoCommit(*session_)) ConnectionPool::discard(*session_);
    session_.reset();
    savepointSet_ = false;
    db_.noteCommitted();
}

void StepTransaction::abandon() noexcept {
    const std::lock_guard<std::mutex> noStatementRunning(pluginStatements_);
    abandoned_.store(true, std::memory_order_release);
    rollback();
}

void StepTransaction::rollback() noexcept {
    if (!session_) return;
    const bool rolledBack = Database::rollbackQuietly(*session_);
    const bool autoCommit = Database::restoreAutoCommit(*session_);
    if (!rolledBack || !autoCommit) ConnectionPool::discard(*session_);
    session_.reset();
    savepointSet_ = false;
    doomed_ = false;
}

}  // namespace orderhost::store
