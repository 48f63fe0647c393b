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

void keepOdbcNativeSqlFix() {}

}  // namespace orderhost::store

// Poco 1.11 builds the message of every failed statement with SQLNativeSql(), handing it a
// buffer length twice the size of the std::string it allocated; sqliteodbc 0.9998 pads the
// output with strncpy up to that length, writing past the allocation (valgrind: "invalid write
// ... after a block of size 31"; seen as heap corruption under load). The executable defines
// the function itself, so the dynamic linker binds Poco's call here instead of to unixODBC.
// Both drivers return the text unchanged for the statements the host and plugins send, and
// Poco uses the result only in error messages. Writes at most outMax bytes, NUL included.
extern "C" SQLRETURN SQL_API SQLNativeSql(SQLHDBC, SQLCHAR* in, SQLINTEGER inLen, SQLCHAR* out, SQLINTEGER outMax,
                                          SQLINTEGER* outLen) {
    if (in == nullptr) return SQL_ERROR;
    const SQLINTEGER length = inLen == SQL_NTS ? static_cast<SQLINTEGER>(std::strlen(reinterpret_cast<char*>(in))) : inLen;
    if (out != nullptr && outMax > 0) {
        const SQLINTEGER copied = length < outMax - 1 ? length : outMax - 1;
        std::memcpy(out, in, static_cast<std::size_t>(copied));
        out[copied] = '\0';
    }
    if (outLen != nullptr) *outLen = length;
    return SQL_SUCCESS;
}
