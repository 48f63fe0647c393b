// The database transaction of one step attempt, opened only if something needs it.
//
// A plugin's writes to the host's own datasource (the orderhost.db extension) and the step's
// checkpoint (OrderStore::recordStep) share this transaction, so the plugin's database effect
// commits exactly when the step's result does, and rolls back with it otherwise.
//
//   store::StepTransaction tx(db);
//   plugin writes:    tx.session() << "INSERT ...", now;   // begins on first use
//   the checkpoint:   store.recordStep(updated, expected, run, &tx);  // commits
//
// On SQLite the transaction takes the database's write lock as it begins (before the plugin's
// first statement runs), so the checkpoint never has to upgrade a read snapshot: one step
// transaction at a time holds it, and others wait under the busy timeout.
//
// Not thread-safe: one attempt, one thread (the step's plugin call and then the runner).
#pragma once

#include <optional>

#include <Poco/Data/Session.h>

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
    // Throws StoreError when no session can be had.
    Poco::Data::Session& session();
    bool isOpen() const { return session_.has_value(); }

    // Commits and gives the session back. Throws StoreError (after rolling back) on failure.
    void commit();
    // Rolls back (quietly: the caller is already handling a failure) and gives the session back.
    void rollback() noexcept;

private:
    void takeWriteLock(Poco::Data::Session&) const;

    Database& db_;
    std::optional<Poco::Data::Session> session_;
};

}  // namespace orderhost::store
