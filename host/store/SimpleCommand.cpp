#include "host/store/SimpleCommand.h"

#include <sql.h>
#include <sqlext.h>

#include <Poco/Data/ODBC/ODBCException.h>
#include <Poco/Data/ODBC/SessionImpl.h>

#include "host/store/ConnectionPool.h"

namespace orderhost::store {

namespace {

SQLHDBC connectionOf(Poco::Data::Session& session) {
    auto* odbc = dynamic_cast<Poco::Data::ODBC::SessionImpl*>(ConnectionPool::driverSession(session));
    if (odbc == nullptr) throw Poco::InvalidArgumentException("not an ODBC session");
    return odbc->dbc().handle();
}

// Runs `call` on a new statement handle of `session`'s connection; a failure throws with the
// handle's diagnostics, read before the handle is freed.
template <class Call>
void onNewStatement(Poco::Data::Session& session, const std::string& what, Call&& call) {
    const SQLHDBC connection = connectionOf(session);
    SQLHSTMT statement = SQL_NULL_HSTMT;
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, connection, &statement)))
        throw Poco::Data::ODBC::ConnectionException(connection, "SQLAllocHandle(SQL_HANDLE_STMT) for " + what);
    const SQLRETURN rc = call(statement);
    if (!SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA) {
        Poco::Data::ODBC::StatementException failure(statement, what);
        SQLFreeHandle(SQL_HANDLE_STMT, statement);
        throw failure;
    }
    SQLFreeHandle(SQL_HANDLE_STMT, statement);
}

SQLCHAR* text(const std::string& sql) { return reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.c_str())); }

}  // namespace

void runSimpleCommand(Poco::Data::Session& session, const std::string& sql) {
    onNewStatement(session, "SQLExecDirect(" + sql + ")", [&](SQLHSTMT statement) {
        return SQLExecDirect(statement, text(sql), static_cast<SQLINTEGER>(sql.size()));
    });
}

void describeStatement(Poco::Data::Session& session, const std::string& sql) {
    onNewStatement(session, "describe(" + sql + ")", [&](SQLHSTMT statement) {
        SQLRETURN rc = SQLPrepare(statement, text(sql), static_cast<SQLINTEGER>(sql.size()));
        if (!SQL_SUCCEEDED(rc)) return rc;
        SQLSMALLINT columns = 0;
        return SQLNumResultCols(statement, &columns);
    });
}

}  // namespace orderhost::store
