#include "host/store/StepTransaction.h"

#include "host/store/Database.h"

namespace orderhost::store {

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

void StepTransaction::commit() {
    if (!session_) return;
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
    db_.noteCommitted();
}

void StepTransaction::rollback() noexcept {
    if (!session_) return;
    const bool rolledBack = Database::rollbackQuietly(*session_);
    const bool autoCommit = Database::restoreAutoCommit(*session_);
    if (!rolledBack || !autoCommit) ConnectionPool::discard(*session_);
    session_.reset();
}

}  // namespace orderhost::store
