#include "host/store/OdbcStatement.h"

#include <sqlext.h>

#include <charconv>
#include <cstring>
#include <memory>

#include <Poco/Data/DataException.h>
#include <Poco/Data/ODBC/ODBCException.h>
#include <Poco/Data/ODBC/SessionImpl.h>
#include <Poco/Data/ODBC/Utility.h>

#include "host/store/ConnectionPool.h"
#include "host/store/OdbcFailures.h"

namespace orderhost::store {
namespace {

SQLCHAR* statementText(const std::string& sql) { return reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.c_str())); }

// The SQL type Poco pairs with a C type (its binder asks the same table).
SQLSMALLINT sqlTypeOf(SQLSMALLINT cType) {
    return static_cast<SQLSMALLINT>(Poco::Data::ODBC::Utility::sqlDataType(cType));
}

constexpr std::size_t kFirstRead = 256;         // most values fit; longer ones are read on in pieces
constexpr std::size_t kKeptBuffer = 64 * 1024;  // more is freed after the run

}  // namespace

SQLHDBC odbcConnectionOf(Poco::Data::Session& session) {
    auto* odbc = dynamic_cast<Poco::Data::ODBC::SessionImpl*>(ConnectionPool::driverSession(session));
    if (odbc == nullptr) throw Poco::InvalidArgumentException("not an ODBC session");
    return odbc->dbc().handle();
}

OdbcStatement::OdbcStatement(Poco::Data::Session& session, const std::string& sql)
    : connection_(odbcConnectionOf(session)), sql_(sql) {
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, connection_, &handle_)))
        throw Poco::Data::ODBC::ConnectionException(connection_, "SQLAllocHandle(SQL_HANDLE_STMT) for " + sql);
    if (!SQL_SUCCEEDED(SQLPrepare(handle_, statementText(sql_), static_cast<SQLINTEGER>(sql_.size())))) {
        Poco::Data::ODBC::StatementException failure(handle_, "SQLPrepare(" + sql_ + ")");
        SQLFreeHandle(SQL_HANDLE_STMT, handle_);
        throw failure;
    }
}

OdbcStatement::~OdbcStatement() { SQLFreeHandle(SQL_HANDLE_STMT, handle_); }

void OdbcStatement::execute(const std::vector<SqlValue>& values) {
    close();
    integers_.assign(values.size(), 0);
    booleans_.assign(values.size(), 0);
    indicators_.assign(values.size(), 0);
    for (std::size_t i = 0; i < values.size(); ++i) {
        const auto position = static_cast<SQLUSMALLINT>(i + 1);
        SQLSMALLINT cType = SQL_C_CHAR;
        SQLULEN size = 0;
        SQLPOINTER data = nullptr;
        SQLLEN length = 0;
        if (std::holds_alternative<std::nullptr_t>(values[i])) {
            cType = SQL_C_STINYINT;  // Poco's binding of a null (Binder::bind(NullData))
            indicators_[i] = SQL_NULL_DATA;
        } else if (const auto* integer = std::get_if<std::int64_t>(&values[i])) {
            cType = SQL_C_SBIGINT;
            integers_[i] = *integer;
            data = &integers_[i];
        } else if (const auto* boolean = std::get_if<bool>(&values[i])) {
            cType = SQL_C_BIT;
            booleans_[i] = *boolean ? 1 : 0;
            data = &booleans_[i];
        } else {
            const std::string& value = std::get<std::string>(values[i]);
            data = const_cast<char*>(value.data());
            length = static_cast<SQLLEN>(value.size());
            size = value.empty() ? 1 : value.size();
            indicators_[i] = length;
        }
        if (!SQL_SUCCEEDED(SQLBindParameter(handle_, position, SQL_PARAM_INPUT, cType, sqlTypeOf(cType), size, 0, data,
                                            length, &indicators_[i])))
            throw Poco::Data::ODBC::StatementException(handle_, "SQLBindParameter(" + std::to_string(i + 1) + ")");
    }
    const SQLRETURN rc = SQLExecute(handle_);
    if (!SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA) {
        Poco::Data::ODBC::StatementException failure(handle_, "SQLExecute(" + sql_ + ")");
        SQLUINTEGER dead = SQL_CD_FALSE;
        if (SQL_SUCCEEDED(SQLGetConnectAttr(connection_, SQL_ATTR_CONNECTION_DEAD, &dead, 0, nullptr)) &&
            dead == SQL_CD_TRUE)
            throw ConnectionLost("the connection is dead: " + failure.displayText());
        throw failure;
    }
    noData_ = rc == SQL_NO_DATA;
    // No result to describe (the driver manager refuses SQLDescribeCol then), and none to fetch.
    if (noData_) return;
    // A statement the driver compiles only at execute described no columns at prepare.
    if (!describedAtPrepare_ || columns_.empty()) describe();
}

std::int64_t OdbcStatement::rowsChanged() {
    if (noData_) return 0;
    SQLLEN count = 0;
    if (!SQL_SUCCEEDED(SQLRowCount(handle_, &count)))
        throw Poco::Data::ODBC::StatementException(handle_, "SQLRowCount(" + sql_ + ")");
    return count < 0 ? 0 : static_cast<std::int64_t>(count);
}

// Asked after every run: psqlODBC answers from the result it holds (no round trip), and a
// column whose type an administrator changed is then read as what it is now. (sqliteodbc
// answers with what it described at prepare, and guessed at the first run for an untyped
// column: KeptPluginStatements.cpp reads expressions by value for that reason.)
void OdbcStatement::describe() {
    SQLSMALLINT count = 0;
    if (!SQL_SUCCEEDED(SQLNumResultCols(handle_, &count)))
        throw Poco::Data::ODBC::StatementException(handle_, "SQLNumResultCols(" + sql_ + ")");
    columns_.resize(static_cast<std::size_t>(count));
    for (SQLSMALLINT c = 0; c < count; ++c) {
        SQLCHAR name[256];
        SQLSMALLINT nameLength = 0, nullable = 0;
        OdbcColumn& column = columns_[static_cast<std::size_t>(c)];
        if (!SQL_SUCCEEDED(SQLDescribeCol(handle_, static_cast<SQLUSMALLINT>(c + 1), name, sizeof name, &nameLength,
                                          &column.type, &column.size, &column.decimalDigits, &nullable)))
            throw Poco::Data::ODBC::StatementException(handle_, "SQLDescribeCol(" + sql_ + ")");
        const auto kept =
            std::min<std::size_t>(static_cast<std::size_t>(std::max<SQLSMALLINT>(nameLength, 0)), sizeof name - 1);
        column.name.assign(reinterpret_cast<const char*>(name), kept);
    }
}

// No base table: an expression (COUNT(*), a - b). False when the driver cannot say, as
// services/ComputedColumns.h decides.
bool OdbcStatement::isExpression(SQLUSMALLINT column) {
    char table[256] = "";
    SQLSMALLINT length = 0;
    const SQLRETURN rc =
        SQLColAttribute(handle_, column, SQL_DESC_BASE_TABLE_NAME, table, sizeof table, &length, nullptr);
    return SQL_SUCCEEDED(rc) && table[0] == '\0';
}

void OdbcStatement::describeAtPrepare() {
    describe();
    for (std::size_t c = 0; c < columns_.size(); ++c)
        columns_[c].expression = isExpression(static_cast<SQLUSMALLINT>(c + 1));
    describedAtPrepare_ = true;
}

bool OdbcStatement::fetch(std::vector<std::optional<std::string>>& row) {
    if (noData_ || columns_.empty()) return false;
    const SQLRETURN rc = SQLFetch(handle_);
    if (rc == SQL_NO_DATA) return false;
    if (!SQL_SUCCEEDED(rc)) throw Poco::Data::ODBC::StatementException(handle_, "SQLFetch(" + sql_ + ")");
    row.resize(columns_.size());
    for (std::size_t c = 0; c < columns_.size(); ++c) readValue(static_cast<SQLUSMALLINT>(c + 1), row[c]);
    return true;
}

// SQL_C_CHAR in pieces: each call fills the buffer and says how much is left (or SQL_NO_TOTAL).
void OdbcStatement::readValue(SQLUSMALLINT column, std::optional<std::string>& out) {
    if (buffer_.size() < kFirstRead) buffer_.resize(kFirstRead);
    std::size_t filled = 0;
    while (true) {
        SQLLEN indicator = 0;
        const SQLLEN room = static_cast<SQLLEN>(buffer_.size() - filled);
        const SQLRETURN rc = SQLGetData(handle_, column, SQL_C_CHAR, buffer_.data() + filled, room, &indicator);
        if (rc == SQL_NO_DATA) break;  // the whole value was read by the calls before
        if (!SQL_SUCCEEDED(rc)) throw Poco::Data::ODBC::StatementException(handle_, "SQLGetData(" + sql_ + ")");
        if (indicator == SQL_NULL_DATA) {
            out.reset();
            return;
        }
        // SQL_SUCCESS_WITH_INFO with more than the room: truncated (01004), more to read.
        const bool whole = rc == SQL_SUCCESS || (indicator != SQL_NO_TOTAL && indicator < room);
        if (whole) {
            // SQL_NO_TOTAL with SQL_SUCCESS would be a driver's error: the piece ends at its NUL.
            filled += indicator >= 0 ? static_cast<std::size_t>(indicator) : std::strlen(buffer_.data() + filled);
            break;
        }
        filled += static_cast<std::size_t>(room) - 1;  // the driver ends each piece with a NUL
        const std::size_t rest = indicator == SQL_NO_TOTAL ? buffer_.size() : static_cast<std::size_t>(indicator);
        buffer_.resize(filled + std::max<std::size_t>(rest, room) + 1);
    }
    if (out)
        out->assign(buffer_.data(), filled);
    else
        out.emplace(buffer_.data(), filled);
}

OdbcStatement& keptOdbcStatement(PreparedStatements& set, Poco::Data::Session& session, const std::string& key,
                                 const std::string& sql) {
    return set.get<OdbcStatement>(key, [&] { return std::make_unique<OdbcStatement>(session, sql); });
}

std::int64_t odbcInteger(const std::optional<std::string>& text, std::int64_t null) {
    if (!text) return null;
    std::int64_t value = 0;
    const auto read = std::from_chars(text->data(), text->data() + text->size(), value);
    if (read.ec != std::errc() || read.ptr != text->data() + text->size())
        throw Poco::Data::DataException("not an integer: " + *text);
    return value;
}

Poco::Nullable<std::string> odbcNullableText(const std::optional<std::string>& text) {
    return text ? Poco::Nullable<std::string>(*text) : Poco::Nullable<std::string>();
}

Poco::Nullable<Poco::Int64> odbcNullableInteger(const std::optional<std::string>& text) {
    return text ? Poco::Nullable<Poco::Int64>(odbcInteger(text, 0)) : Poco::Nullable<Poco::Int64>();
}

void OdbcStatement::close() noexcept {
    SQLFreeStmt(handle_, SQL_CLOSE);
    // A large value read once is not held for the statement's life (128 per connection).
    if (buffer_.capacity() > kKeptBuffer) std::string().swap(buffer_);
}

}  // namespace orderhost::store
