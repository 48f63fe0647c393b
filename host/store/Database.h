// A pool of ODBC sessions to the orderhost database, and transactions over it.
//
// Poco 1.11 Data/ODBC traps guarded against here and in Dialect (all measured on this stack):
//  - Reads truncate silently to min(declared column size, maxFieldSize): the pool's maxFieldSize
//    covers kMaxDocumentBytes, the schema declares sizes, and document reads are length-checked.
//    The price: Poco allocates maxFieldSize (16 MiB) for every unbounded column it reads, which
//    glibc then keeps in its arenas (RSS 10x what is in use); the reads of documents, payloads
//    and stored replies on hot paths are therefore kept OdbcStatements, which read in pieces.
//  - std::string parameters over 255 bytes fail to bind on SQLite: Dialect::bindText sends a CLOB.
//  - A pooled session with autoCommit off keeps its implicit read transaction open (stale
//    snapshots for the next user) and Poco restores nothing on put-back: sessions stay in
//    autocommit; withTransaction() switches it off for its duration and always restores it.
//  - Poco's SessionPool cannot drop a connection that broke (a COMMIT that failed with
//    SQLITE_FULL leaves sqliteodbc's connection failing every later transaction): the host
//    uses its own ConnectionPool, and a transaction that ended in doubt discards its connection.
//  - The SQLite driver runs synchronous=NORMAL and ignores REFERENCES unless told: the
//    connection string gets SyncPragma=FULL and FKSupport=1 unless the operator chose.
//  - sqliteodbc's SQLNativeSql writes past the caller's input, and Poco calls it for every
//    failing statement: NativeSqlGuard.cpp interposes a safe SQLNativeSql (heap corruption).
//  - Driver messages span lines and connection strings hold passwords: a StoreError is one
//    line and shows the connection string masked.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <optional>

#include <Poco/Data/Session.h>

#include "host/store/ConnectionPool.h"
#include "host/store/ConnectionString.h"
#include "host/store/Dialect.h"
#include "host/store/OutageLog.h"
#include "host/store/StoreError.h"

namespace orderhost::store {

struct DatabaseOptions {
    int minSessions = 1;
    int maxSessions = 16;                            // at least the number of threads that use the store at once
    int idleSeconds = 60;                            // an idle session above minSessions is closed after this
    std::chrono::milliseconds acquireTimeout{5000};  // wait for a free session, then fail
    bool migrate = true;                             // apply schema migrations at open
};

// Example:
//   Database db("Driver=SQLite3;Database=/var/lib/orderhost/orderhost.db;");
//   db.withTransaction("close order", [&](Poco::Data::Session& s) { s << "UPDATE ...", now; });
// Thread-safe: every method may be called from any thread at once. Must outlive every session
// it handed out and every OrderStore over it.
class Database {
public:
    // Connects (one session, to fail early), detects the backend and migrates the schema.
    // Throws StoreError when the database cannot be opened, SchemaTooNewError when its
    // schema is newer than this build.
    explicit Database(const std::string& connectionString, DatabaseOptions options = {});
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    Backend backend() const { return dialect_.backend(); }
    const Dialect& dialect() const { return dialect_; }
    // What undoes a failed statement inside a transaction on this database's driver settings.
    StatementUndo statementUndo() const { return statementUndo_; }
    // Whether the store keeps its hot statements prepared per connection (OrderStatements.h):
    // always on SQLite; on PostgreSQL unless the connection string turns server-side prepare off
    // (UseServerSidePrepare=0: psqlODBC then reports a kept UPDATE's row count wrongly on its
    // second execution, docs/performance.md, and a fencing UPDATE must count right).
    bool keepsStatements() const { return keepsStatements_; }
    // The connection string with secrets masked, for messages and logs.
    const std::string& describe() const { return masked_; }

    // A pooled session in autocommit mode; back to the pool when the last copy goes.
    // Waits up to acquireTimeout for a free one, then throws StoreError.
    Poco::Data::Session session();

    // Runs `work` in one transaction: commits when it returns, rolls back when it throws and
    // rethrows (driver errors as StoreError naming `what`, other exceptions unchanged).
    void withTransaction(const std::function<void(Poco::Data::Session&)>& work);
    void withTransaction(const std::string& what, const std::function<void(Poco::Data::Session&)>& work);

    // Runs `work` on a pooled autocommit session, driver errors as StoreError naming `what`.
    template <class Work>
    auto withSession(const std::string& what, Work&& work) {
        std::optional<Poco::Data::Session> s;
        try {
            s.emplace(session());
            return work(*s);
        } catch (...) {
            if (s) discardIfUnusable(*s, false);
            rethrowAsStoreError(what);
        }
    }

    // Transaction plumbing shared with StepTransaction; none of them throws. The first two
    // say whether they succeeded (a connection that cannot roll back is not reused).
    static bool restoreAutoCommit(Poco::Data::Session&) noexcept;
    static bool rollbackQuietly(Poco::Data::Session&) noexcept;
    // Call inside a catch block, after a failure on `s`: rolls back, restores autocommit, and
    // discards the connection (closed when given back, never reused) when the transaction ended
    // in doubt — its COMMIT failed (`commitFailed`), the rollback failed, or the failure says the
    // connection is unusable (OdbcFailures: link lost, SQLite file full or failing).
    static void abandonTransaction(Poco::Data::Session& s, bool commitFailed) noexcept;
    // The same decision without a transaction to roll back (autocommit statements).
    static void discardIfUnusable(Poco::Data::Session& s, bool certainlyBroken) noexcept;

    // Connections closed because a failure left them unusable (tests, health).
    std::size_t discardedConnections() const { return pool_ ? pool_->discardedCount() : 0; }

    // Call inside a catch block: rethrows the current exception, a Poco one as StoreError.
    // A transaction committed: the database works (again). Ends an outage in the log.
    void noteCommitted() {
        outage_.recovered();
        commits_.fetch_add(1, std::memory_order_relaxed);
    }
    // Commits through this Database since it was opened: transactions, and the single-statement
    // writes that run in autocommit on purpose (an order's insert, a lease renewal), not other
    // autocommit statements. How tests, /metrics and the benchmark see commits per order.
    std::uint64_t commits() const { return commits_.load(std::memory_order_relaxed); }
    // Checkpoint writes of an order row (OrderStore::updateIfState): a batch of steps writes it
    // once (ChainRunnerCommit.cpp). How tests see it.
    void noteOrderRowWritten() { orderRowWrites_.fetch_add(1, std::memory_order_relaxed); }
    std::uint64_t orderRowWrites() const { return orderRowWrites_.load(std::memory_order_relaxed); }

    // The pool's sessions right now, for GET /metrics.
    struct PoolUsage {
        int inUse = 0, idle = 0, max = 0;
    };
    PoolUsage poolUsage() const;

    [[noreturn]] void rethrowAsStoreError(const std::string& what) const;
    // "orderhost store: <what> failed on database [<masked connection string>]: <detail>"
    std::string errorMessage(const std::string& what, const std::string& detail) const;

private:
    Backend resolveBackend();
    void openPool();
    Poco::Data::Session acquire();

    ConnectionString connection_;
    std::string masked_;
    Dialect dialect_{Backend::SQLite};
    StatementUndo statementUndo_ = StatementUndo::Database;
    bool keepsStatements_ = false;
    DatabaseOptions options_;
    OutageLog& outage_;
    std::unique_ptr<ConnectionPool> pool_;
    std::atomic<std::uint64_t> commits_{0};
    std::atomic<std::uint64_t> orderRowWrites_{0};
};

}  // namespace orderhost::store
