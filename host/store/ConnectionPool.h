// The pool of ODBC connections behind Database, able to drop one connection that broke.
//
// Why not Poco's SessionPool: it decides alone whether a session goes back to the idle list
// (isConnected()/isGood(), which ask the driver), and offers no way to say "this one is
// poisoned". Two such states were measured on this stack: after a COMMIT that failed with
// SQLITE_FULL, sqliteodbc keeps a connection on which every later transaction fails ("Transaction
// in progress", "cannot commit - no transaction is active") while the driver still calls it
// connected and good; and Poco's ODBC session keeps its own "in a transaction" flag set when
// SQLEndTran fails. Handed out again, such a connection answers 503 for ever, even after the
// disk has room again. Here the store marks a connection whose transaction ended in doubt
// (discard()), and it is closed when given back instead of being reused; the next caller gets
// a new connection. Waiting callers are woken when one is given back (Poco polls).
//
//   ConnectionPool pool({"Driver=SQLite3;Database=x.db;", 1, 16, std::chrono::seconds(60), {}});
//   std::optional<Poco::Data::Session> s = pool.acquire(std::chrono::seconds(5));
//   try { ... } catch (...) { ConnectionPool::discard(*s); throw; }
//
// Thread-safe. A session may outlive the pool (a plugin call abandoned at shutdown still
// holds its step's session): its connection is then closed when it is given back.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <Poco/Any.h>
#include <Poco/Data/Session.h>

namespace orderhost::store {

// Opens an ODBC session, one connect at a time in the whole process. Why: psqlODBC's connect
// reads and sets the C locale (setlocale), which is not thread-safe: two connects at once freed
// a locale string the other was reading (AddressSanitizer, heap-use-after-free inside
// SQLDriverConnect, OrderStoreTest.ConcurrentDuplicateInsertsYieldExactlyOneInserted). Pooled
// connections are opened rarely, so the serialization costs nothing measurable.
Poco::Data::Session openOdbcSession(const std::string& connection);

struct ConnectionPoolSettings {
    std::string connection;   // the ODBC connection string
    std::size_t minIdle = 1;  // idle connections kept however long they idle
    std::size_t maxOpen = 16;
    std::chrono::seconds idleTimeout{60};         // an idle connection above minIdle is closed after this
    std::map<std::string, Poco::Any> properties;  // set on every new connection (maxFieldSize)
};

class ConnectionPool {
public:
    explicit ConnectionPool(ConnectionPoolSettings settings);
    ~ConnectionPool();  // closes the idle connections; those in use close when given back
    ConnectionPool(const ConnectionPool&) = delete;
    ConnectionPool& operator=(const ConnectionPool&) = delete;

    // A connection, as a Session that goes back to the pool when its last copy goes. Opens a
    // new one when none is idle and fewer than maxOpen exist; otherwise waits up to `timeout`
    // for one to be given back: nullopt when none was. Throws what connecting throws.
    std::optional<Poco::Data::Session> acquire(std::chrono::milliseconds timeout);

    // The connection behind `session` (one of this pool's) is closed when given back, not
    // reused. Call it when a transaction on it ended in doubt. No effect on other sessions.
    static void discard(Poco::Data::Session& session) noexcept;
    // The driver's own session behind `session` (for ODBC handles); `session.impl()` when it is
    // not one of a pool's.
    static Poco::Data::SessionImpl* driverSession(Poco::Data::Session& session);

    std::size_t openCount() const;  // connections open now, in use or idle
    std::size_t idleCount() const;
    std::size_t discardedCount() const;  // connections closed because discard() named them

private:
    struct State;
    class Leased;
    std::shared_ptr<State> state_;
};

}  // namespace orderhost::store
