// A statement prepared once on its pooled connection and run with direct ODBC calls: bind,
// SQLExecute, fetch each row's values as text, close the cursor.
//
// Why not a kept Poco::Data::Statement (as the store once kept): on every run Poco's execute path
// asks the driver to describe each parameter (getColSizeAndPrecision), allocates its binder's
// buffers and length indicators anew, copies every result value into a Poco::Dynamic::Var
// column and frees it all again in reset(): together with the malloc it causes, about 10-15 %
// of the host's CPU per order on PostgreSQL by perf (docs/performance.md, "Kept statements
// without Poco::Data"). Here a run is SQLBindParameter per value (in the process), SQLExecute
// (the round trip) and SQLGetData per value into one reused buffer.
//
//   OdbcStatement& st = kept->get<OdbcStatement>(key, [&] { return std::make_unique<OdbcStatement>(session, sql); });
//   st.execute({std::int64_t(7), std::string("A-1")});
//   std::vector<std::optional<std::string>> row;
//   while (st.fetch(row)) ...;          // st.columns() says what each value is
//   st.close();
//
// Parameters are bound as Poco binds them (the same C and SQL types), so the server sees the
// same statement either way. Failures throw Poco::Data::ODBC::StatementException with the
// driver's diagnostics, as a Poco statement would, so OdbcFailures reads them alike; a run
// that fails on a dead connection throws ConnectionLost (OdbcFailures.h). One thread at a time,
// as its connection.
#pragma once

#include <sql.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <Poco/Data/Session.h>
#include <Poco/Nullable.h>

#include "host/store/PreparedStatements.h"
#include "host/store/SqlValue.h"

namespace orderhost::store {

// One result column as the driver describes it after a run.
struct OdbcColumn {
    std::string name;
    SQLSMALLINT type = 0;  // SQL_BIGINT, SQL_VARCHAR, SQL_TYPE_TIMESTAMP, ...
    SQLSMALLINT decimalDigits = 0;
    SQLULEN size = 0;         // the column size (SQLite's driver says 255 for an untyped column's text)
    bool expression = false;  // no base table (describeAtPrepare only; see isExpression)
};

// The ODBC connection handle behind `session` (a pool's or a plain one). Throws
// Poco::InvalidArgumentException when it is not an ODBC session.
SQLHDBC odbcConnectionOf(Poco::Data::Session& session);

class OdbcStatement : public PreparedStatements::Entry {
public:
    // Allocates a statement handle and prepares `sql` (psqlODBC: Parse of a named plan).
    OdbcStatement(Poco::Data::Session& session, const std::string& sql);
    ~OdbcStatement() override;
    OdbcStatement(const OdbcStatement&) = delete;
    OdbcStatement& operator=(const OdbcStatement&) = delete;

    // Binds `values` and executes. The values need to live until it returns only. Afterwards
    // columns() describes the result (empty for a statement without rows) unless the run
    // matchedNothing().
    void execute(const std::vector<SqlValue>& values);
    const std::vector<OdbcColumn>& columns() const { return columns_; }
    // SQLExecute said SQL_NO_DATA: a searched UPDATE/DELETE matched no row. psqlODBC says so with
    // RETURNING too; such a run has no result: columns() is the last run's, fetch() is false.
    bool matchedNothing() const { return noData_; }
    // The rows the last run's INSERT/UPDATE/DELETE changed (SQLRowCount: no round trip; the
    // store counts this way on SQLite, OrderStatements.h). Ask before close().
    std::int64_t rowsChanged();
    // The next row's values as the driver's text (nullopt for NULL); false after the last row.
    bool fetch(std::vector<std::optional<std::string>>& row);
    // Describes the result now, from the prepared statement, with each column's `expression`,
    // and keeps that description for every run instead of asking after each (SQLite: in the
    // process). sqliteodbc describes an untyped column (an expression, json_each's value, a
    // column declared without a type) as 255-long text at prepare, as Poco sees it, but after a
    // run as the type it guessed from that run's first row, and keeps the guess for later runs.
    // Not for psqlODBC: describing a prepared statement costs it a round trip.
    void describeAtPrepare();
    // Ends this run's result so the next execute() runs anew. Never throws.
    void close() noexcept;

private:
    void describe();
    bool isExpression(SQLUSMALLINT column);
    bool describedAtPrepare_ = false;
    void readValue(SQLUSMALLINT column, std::optional<std::string>& out);

    SQLHDBC connection_;
    SQLHSTMT handle_ = SQL_NULL_HSTMT;
    std::string sql_;
    std::vector<OdbcColumn> columns_;
    // Per parameter, what SQLBindParameter points at until SQLExecute returns.
    std::vector<std::int64_t> integers_;
    std::vector<unsigned char> booleans_;
    std::vector<SQLLEN> indicators_;
    std::string buffer_;   // SQLGetData's target, reused from value to value
    bool noData_ = false;  // SQLExecute said SQL_NO_DATA: a searched UPDATE/DELETE changed nothing
};

// Rows per multi-row INSERT of the store's kept statements (a batch's step runs and events,
// CheckpointRows.h, Outbox.h): the text depends on the count, so each count up to this is
// prepared once per connection; more rows take several statements.
inline constexpr std::size_t kRowsPerKeptInsert = 16;

// The statement kept under `key` on `session`'s connection (PreparedStatements), prepared on
// first use.
OdbcStatement& keptOdbcStatement(PreparedStatements& set, Poco::Data::Session& session, const std::string& key,
                                 const std::string& sql);

// Runs `statement` with `values` and hands each row to `read`; any failure forgets the
// statement (the next use prepares it anew), as PreparedStatements::execute does for Poco's.
template <class Read>
void runKeptOdbc(PreparedStatements& set, const std::string& key, OdbcStatement& statement,
                 const std::vector<SqlValue>& values, Read&& read) {
    try {
        statement.execute(values);
        std::vector<std::optional<std::string>> row;
        while (statement.fetch(row)) read(row);
        statement.close();
    } catch (...) {
        set.forget(key);  // frees `statement`
        throw;
    }
}

// An integer column's text as fetch() gives it; NULL reads as `null`. Throws
// Poco::Data::DataException for anything but an integer.
std::int64_t odbcInteger(const std::optional<std::string>& text, std::int64_t null);
// A column as the Poco::Nullable a Poco::Data read of it gives (for code kept on both paths).
Poco::Nullable<std::string> odbcNullableText(const std::optional<std::string>& text);
Poco::Nullable<Poco::Int64> odbcNullableInteger(const std::optional<std::string>& text);

}  // namespace orderhost::store
