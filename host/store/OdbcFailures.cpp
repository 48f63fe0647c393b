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

std::string transientState(const std::string& state, long nativeError) {
    if (auto why = postgresTransient(state); !why.empty()) return why;
    return sqliteTransient(state, nativeError);
}

std::string unavailableState(const std::string& state, long nativeError) {
    if (state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" || state == "57P03") return "unreachable";
    if (state == "53100") return "full";
    if ((state == "HY000" || state == "S1000") && (nativeError & 0xff) == 13) return "full";  // SQLITE_FULL
    return {};
}

std::string unusableState(const std::string& state, long nativeError) {
    if (!unavailableState(state, nativeError).empty()) return "unavailable";
    if (state != "HY000" && state != "S1000") return {};
    switch (nativeError & 0xff) {
        case 10:
            return "SQLITE_IOERR";
        case 11:
            return "SQLITE_CORRUPT";
        case 14:
            return "SQLITE_CANTOPEN";
        case 26:
            return "SQLITE_NOTADB";
        default:
            return {};
    }
}

template <class Diagnostics>
std::string firstOf(const Diagnostics& diagnostics, std::string (*classify)(const std::string&, long)) {
    for (int i = 0; i < diagnostics.count(); ++i)
        if (auto why = classify(diagnostics.sqlState(i), diagnostics.nativeError(i)); !why.empty()) return why;
    return {};
}

// The first diagnostic record of an ODBC exception that `classify` names ("" when none, or not
// an ODBC exception with records).
std::string classifyDiagnostics(const Poco::Exception& error, std::string (*classify)(const std::string&, long)) {
    if (const auto* e = dynamic_cast<const Poco::Data::ODBC::StatementException*>(&error))
        return firstOf(e->diagnostics(), classify);
    if (const auto* e = dynamic_cast<const Poco::Data::ODBC::ConnectionException*>(&error))
        return firstOf(e->diagnostics(), classify);
    return {};
}

}  // namespace

std::string unavailability(const Poco::Exception& error) {
    if (dynamic_cast<const ConnectionLost*>(&error) != nullptr) return "unreachable";
    if (auto why = classifyDiagnostics(error, unavailableState); !why.empty()) return why;
    const std::string text = error.displayText();
    for (const char* marker : {"SQLSTATE = 08", "SQLSTATE = 57P01", "SQLSTATE = 57P02", "SQLSTATE = 57P03"})
        if (text.find(marker) != std::string::npos) return "unreachable";
    if (text.find("SQLSTATE = 53100") != std::string::npos) return "full";
    return {};
}

bool leavesConnectionUnusable(const Poco::Exception& error) {
    return !unavailability(error).empty() || !classifyDiagnostics(error, unusableState).empty();
}

std::string transientFailure(const Poco::Exception& error) {
    if (auto why = classifyDiagnostics(error, transientState); !why.empty()) return why;
    // PostgreSQL: a table changed under a statement kept prepared (PreparedStatements.h) by
    // someone the host did not see (an administrator's ALTER). The failure forgot the kept
    // statement, so the next try prepares it anew.
    if (error.displayText().find("cached plan must not change result type") != std::string::npos)
        return "a table changed under a prepared statement";
    return {};
}

bool failedInAbortedTransaction(const Poco::Exception& error) {
    return !classifyDiagnostics(error, [](const std::string& state, long) {
                return state == "25P02" ? std::string("aborted") : std::string();
            }).empty();
}

}  // namespace orderhost::store
