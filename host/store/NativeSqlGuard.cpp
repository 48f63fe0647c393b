// Keeps the SQLite ODBC driver from corrupting the heap whenever a statement fails.
//
// sqliteodbc 0.9998 (Debian 12's libsqliteodbc) implements SQLNativeSql with
//     strncpy(sql, sqlin, sqlMax - 1);
//     sqlin[sqlMax - 1] = '\0';         // the INPUT buffer, not the output
// and Poco 1.11's ODBCStatementImpl::checkError() calls SQLNativeSql for every statement that
// fails (to put "Native SQL statement:" in the exception), with sqlMax = 2 x the statement's
// length and sqlin = the bytes of a std::string holding the statement. So every failing
// statement on SQLite writes a zero byte (length - 1) bytes past the end of that string: into
// a neighbouring heap block, or the stack for short statements. Under concurrent load the
// failures are lock timeouts and SQLITE_BUSY_SNAPSHOT; a plugin's bad SQL does it at any load.
// The host then dies later, somewhere else, in malloc (issue 8, finding 0). psqlODBC's
// SQLNativeSql is correct, which is why PostgreSQL never crashed.
//
// The host defines SQLNativeSql itself. The executable's definition comes first in symbol
// lookup, so Poco's call lands here; this hands the driver manager's real SQLNativeSql (found
// with RTLD_NEXT) a private copy of the input, large enough for the driver's stray write.
// The statement text, the output and the return code are what the driver gives; only the
// write into memory that is not the driver's is absorbed.
#include "host/store/NativeSqlGuard.h"

#include <dlfcn.h>
#include <sql.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace {

using NativeSqlFunction = SQLRETURN (*)(SQLHDBC, SQLCHAR*, SQLINTEGER, SQLCHAR*, SQLINTEGER, SQLINTEGER*);

NativeSqlFunction driverManagerNativeSql() {
    static const auto real = reinterpret_cast<NativeSqlFunction>(::dlsym(RTLD_NEXT, "SQLNativeSql"));
    return real;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) SQLRETURN SQL_API SQLNativeSql(SQLHDBC connection, SQLCHAR* sqlIn,
                                                                                 SQLINTEGER sqlInLength,
                                                                                 SQLCHAR* sqlOut, SQLINTEGER sqlOutMax,
                                                                                 SQLINTEGER* sqlOutLength) {
    const NativeSqlFunction real = driverManagerNativeSql();
    if (real == nullptr) return SQL_ERROR;
    if (sqlIn == nullptr) return real(connection, sqlIn, sqlInLength, sqlOut, sqlOutMax, sqlOutLength);
    const std::size_t length = sqlInLength == SQL_NTS ? std::strlen(reinterpret_cast<const char*>(sqlIn))
                                                      : static_cast<std::size_t>(std::max<SQLINTEGER>(sqlInLength, 0));
    // Room for the text, its NUL, and any index below sqlOutMax the driver may write to.
    std::vector<SQLCHAR> copy(
        std::max<std::size_t>(length + 1, static_cast<std::size_t>(std::max<SQLINTEGER>(sqlOutMax, 0)) + 1));
    std::memcpy(copy.data(), sqlIn, length);
    return real(connection, copy.data(), static_cast<SQLINTEGER>(length), sqlOut, sqlOutMax, sqlOutLength);
}

namespace orderhost::store {

bool nativeSqlGuardActive() {
    // The process's SQLNativeSql is this file's, unless something loaded earlier defines one.
    return reinterpret_cast<void*>(::dlsym(RTLD_DEFAULT, "SQLNativeSql")) == reinterpret_cast<void*>(&::SQLNativeSql) &&
           driverManagerNativeSql() != nullptr;
}

}  // namespace orderhost::store
