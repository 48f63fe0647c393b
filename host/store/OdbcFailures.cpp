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

std::string unavailableState(const std::string& state, long nativeError) {
    if (state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" || state == "57P03") return "unreachable";
    if (state == "53100") return "full";
    if ((state == "HY000" || state == "S1000") && (nativeError & 0xff) == 13) return "full";  // SQLITE_FULL
    return {};
}

template <class Diagnostics>
std::string firstUnavailable(const Diagnostics& diagnostics) {
    for (int i = 0; i < diagnostics.count(); ++i)
        if (auto why = unavailableState(diagnostics.sqlState(i), diagnostics.nativeError(i)); !why.empty()) return why;
    return {};
}

}  // namespace

std::string unavailability(const Poco::Exception& error) {
    if (const auto* e = dynamic_cast<const Poco::Data::ODBC::StatementException*>(&error))
        if (auto why = firstUnavailable(e->diagnostics()); !why.empty()) return why;
    if (const auto* e = dynamic_cast<const Poco::Data::ODBC::ConnectionException*>(&error))
        if (auto why = firstUnavailable(e->diagnostics()); !why.empty()) return why;
    const std::string text = error.displayText();
    for (const char* marker : {"SQLSTATE = 08", "SQLSTATE = 57P01", "SQLSTATE = 57P02", "SQLSTATE = 57P03"})
        if (text.find(marker) != std::string::npos) return "unreachable";
    if (text.find("SQLSTATE = 53100") != std::string::npos) return "full";
    return {};
}

std::string transientFailure(const Poco::Exception& error) {
    if (const auto* e = dynamic_cast<const Poco::Data::ODBC::StatementException*>(&error))
        return firstTransient(e->diagnostics());
    if (const auto* e = dynamic_cast<const Poco::Data::ODBC::ConnectionException*>(&error))
        return firstTransient(e->diagnostics());
    return {};
}

}  // namespace orderhost::store
