// The host's own SQLNativeSql, in front of the driver manager's (see NativeSqlGuard.cpp): the
// SQLite ODBC driver writes past the caller's statement text each time Poco reports a failed
// statement. Every program that links orderhost_store gets the guard; Database checks at open
// that it is the one the process uses.
#pragma once

namespace orderhost::store {

// True when calls to SQLNativeSql in this process reach the guard (and it found the real one).
bool nativeSqlGuardActive();

}  // namespace orderhost::store
