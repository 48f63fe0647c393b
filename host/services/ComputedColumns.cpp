#include "host/services/ComputedColumns.h"

#include "host/store/ConnectionPool.h"

#include <Poco/Data/ODBC/SessionImpl.h>

#include <sql.h>
#include <sqlext.h>

#include <cctype>

namespace orderhost::services {
namespace {

// The host's sessions come from store::ConnectionPool, which hands out a decorator: the ODBC
// handle is on the driver's session behind it.
SQLHDBC connectionOf(Poco::Data::Session& session) {
    auto* odbc = dynamic_cast<Poco::Data::ODBC::SessionImpl*>(store::ConnectionPool::driverSession(session));
    return odbc == nullptr ? SQL_NULL_HDBC : odbc->dbc().handle();
}

bool digits(std::string_view text, std::size_t& i) {
    const std::size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    return i > start;
}

}  // namespace

bool isJsonNumber(std::string_view text) {
    std::size_t i = 0;
    if (i < text.size() && text[i] == '-') ++i;
    if (i < text.size() && text[i] == '0') {
        ++i;
    } else if (!digits(text, i)) {
        return false;
    }
    if (i < text.size() && text[i] == '.' && !digits(text, ++i)) return false;
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
        if (!digits(text, i)) return false;
    }
    return i == text.size();
}

std::vector<bool> computedColumns(Poco::Data::Session& session, const std::string& sql) {
    const SQLHDBC connection = connectionOf(session);
    if (connection == SQL_NULL_HDBC) return {};
    SQLHSTMT statement = SQL_NULL_HSTMT;
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, connection, &statement))) return {};
    std::vector<bool> computed;
    SQLSMALLINT columns = 0;
    auto* text = reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.c_str()));
    if (SQL_SUCCEEDED(SQLPrepare(statement, text, static_cast<SQLINTEGER>(sql.size()))) &&
        SQL_SUCCEEDED(SQLNumResultCols(statement, &columns))) {
        for (SQLSMALLINT c = 1; c <= columns; ++c) {
            char table[256] = "";
            SQLSMALLINT length = 0;
            const SQLRETURN rc = SQLColAttribute(statement, static_cast<SQLUSMALLINT>(c), SQL_DESC_BASE_TABLE_NAME,
                                                 table, sizeof table, &length, nullptr);
            computed.push_back(SQL_SUCCEEDED(rc) && table[0] == '\0');
        }
    }
    SQLFreeHandle(SQL_HANDLE_STMT, statement);
    return computed;
}

}  // namespace orderhost::services
