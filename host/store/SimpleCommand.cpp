#include "host/store/SimpleCommand.h"

#include <sql.h>
#include <sqlext.h>

#include <Poco/Data/ODBC/ODBCException.h>

#include "host/store/OdbcStatement.h"
#include "host/store/PreparedStatements.h"

#include <memory>

namespace orderhost::store {

namespace {

// Runs `call` on a new statement handle of `session`'s connection; a failure throws with the
// handle's diagnostics, read before the handle is freed.
template <class Call>
void onNewStatement(Poco::Data::Session& session, const std::string& what, Call&& call) {
    const SQLHDBC connection = odbcConnectionOf(session);
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

// The statement handle a pooled connection keeps for its simple commands. Why keep one: the
// driver manager (unixODBC) frees a statement's four descriptors by walking the list of every
// statement of the process, under its one global lock, so freeing a handle costs in proportion
// to all the statements kept prepared on all connections. A handle per command made those
// walks 13 % of the host's CPU on PostgreSQL (docs/performance.md, "Statement handles").
struct CommandHandle : PreparedStatements::Entry {
    explicit CommandHandle(SQLHDBC connection) {
        if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, connection, &handle)))
            throw Poco::Data::ODBC::ConnectionException(connection, "SQLAllocHandle(SQL_HANDLE_STMT) for commands");
    }
    ~CommandHandle() override { SQLFreeHandle(SQL_HANDLE_STMT, handle); }
    CommandHandle(const CommandHandle&) = delete;
    CommandHandle& operator=(const CommandHandle&) = delete;
    SQLHSTMT handle = SQL_NULL_HSTMT;
};
constexpr char kCommandHandle[] = "simple command handle";

}  // namespace

void runSimpleCommand(Poco::Data::Session& session, const std::string& sql) {
    PreparedStatements* kept = PreparedStatements::of(session);
    if (kept == nullptr) {
        onNewStatement(session, "SQLExecDirect(" + sql + ")", [&](SQLHSTMT statement) {
            return SQLExecDirect(statement, text(sql), static_cast<SQLINTEGER>(sql.size()));
        });
        return;
    }
    const SQLHSTMT statement =
        kept->get<CommandHandle>(kCommandHandle,
                                 [&] { return std::make_unique<CommandHandle>(odbcConnectionOf(session)); })
            .handle;
    const SQLRETURN rc = SQLExecDirect(statement, text(sql), static_cast<SQLINTEGER>(sql.size()));
    if (!SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA) {
        Poco::Data::ODBC::StatementException failure(statement, "SQLExecDirect(" + sql + ")");
        kept->forget(kCommandHandle);  // a fresh handle next time: nothing of this one is left over
        throw failure;
    }
    SQLFreeStmt(statement, SQL_CLOSE);  // the results of a multi-statement command, if any
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
