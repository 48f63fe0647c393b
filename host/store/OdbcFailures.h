// What an ODBC failure means, read from its diagnostics rather than its text, and one fix for
// a driver/Poco pair that would otherwise corrupt the heap on every failed SQLite statement.
//
// Transient failures are those a retry of the whole transaction can cure: PostgreSQL's
// serialization failure (SQLSTATE 40001), deadlock (40P01) and lock timeout (55P03); SQLite's
// SQLITE_BUSY (5) and SQLITE_LOCKED (6), which the sqliteodbc driver reports as SQLSTATE
// HY000/S1000 with the SQLite result code as the native error ("database is locked (5)").
//
//   catch (const Poco::Exception& e) { if (auto why = transientFailure(e); !why.empty()) ... retry }
#pragma once

#include <Poco/Exception.h>

#include <string>

namespace orderhost::store {

// A statement failed and the driver says its connection is dead (SQL_ATTR_CONNECTION_DEAD):
// unavailability() calls it "unreachable" whatever SQLSTATE the driver gave. Why: psqlODBC
// reports a link lost under SQLExecute of a prepared statement as HY000 ("Error while preparing
// parameters", "server closed the connection unexpectedly"), not as class 08.
class ConnectionLost : public Poco::IOException {
public:
    using Poco::IOException::IOException;
};

// A short name of the transient condition ("deadlock (SQLSTATE 40P01)"), or "" when the
// failure is not transient (or not an ODBC failure at all).
std::string transientFailure(const Poco::Exception& error);

// Why the database cannot do any work right now, a condition that may clear without a change
// on the host's side: "unreachable" (SQLSTATE class 08 — cannot connect, link lost — or
// PostgreSQL's 57P01-57P03, the server shutting down or starting) or "full" (SQLite's
// SQLITE_FULL, PostgreSQL's 53100 disk_full); "" for anything else. Poco reports a failed
// connection attempt without typed diagnostics, so its text is read as a fallback.
std::string unavailability(const Poco::Exception& error);

// True when the connection that raised `error` must not be used again: the database is
// unavailable (above; the link may be dead, and a new connection is cheap next to an outage),
// or SQLite said its file failed under it (SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL,
// SQLITE_CANTOPEN, SQLITE_NOTADB): sqliteodbc then keeps the connection in a state where every
// later transaction fails, even after the cause is gone.
bool leavesConnectionUnusable(const Poco::Exception& error);

// True when PostgreSQL refused the statement because its transaction had already failed
// (SQLSTATE 25P02, "current transaction is aborted"): the failure that aborted it came earlier.
bool failedInAbortedTransaction(const Poco::Exception& error);

}  // namespace orderhost::store
