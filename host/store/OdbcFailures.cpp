#include "host/store/OdbcFailures.h"

#include <Poco/Data/ODBC/ODBCException.h>

#include <sql.h>

#include <cstring>

namespace orderhost::store {
namespace {

std::string postgresTransient(const std::string& state) {
    if (state == "40001") return "serialization failure (SQLSTATE 40001)";
    if (state == "40P01") return "deadlock (SQLSTATE 40P01)";
    if (state == "55P03") return "lock timeout (SQLSTATE 55P03)";
    return {};
}

// sqliteodbc puts the SQLite result code in the native error; the primary code is its low byte
// (extended codes such as SQLITE_BUSY_SNAPSHOT = 517 keep it).
std::string sqliteTransient(const std::string& state, long nativeError) {
    if (state != "HY000" && state != "S1000") return {};
    if ((nativeError & 0xff) == 5) return "database is locked (SQLITE_BUSY)";
    if ((nativeError & 0xff) == 6) return "table is locked (SQLITE_LOCKED)";
    return {};
}

template <class Diagnostics>
std::string firstTransient(const Diagnostics& diagnostics) {
    for (int i = 0; i < diagnostics.count(); ++i) {
        const std::string state = diagnostics.sqlState(i);
        if (auto why = postgresTransient(state); !why.empty()) return why;
        if (auto why = sqliteTransient(state, diagnostics.nativeError(i)); !why.empty()) return why;
    }
    return {};
}

}  // namespace

std::string transientFailure(const Poco::Exception& error) {
    if (const auto* e = dynamic_cast<const Poco::Data::ODBC::StatementException*>(&error))
        return firstTransient(e->diagnostics());
    if (const auto* e = dynamic_cast<const Poco::Data::ODBC::ConnectionException*>(&error))
        return firstTransient(e->diagnostics());
    return {};
}

}  // namespace orderhost::store
