// A plugin's statements kept prepared on their pooled connection (store/PreparedStatements.h)
// and run with direct ODBC calls (store/OdbcStatement.h): on PostgreSQL a repeated statement
// then costs its Bind/Execute round trip only, instead of Parse/Describe, Bind/Execute and the
// DEALLOCATE after it, and none of Poco::Data's per-run binding and result copies
// (docs/performance.md "Plugin statements kept prepared", "Kept statements without
// Poco::Data").
//
// Kept under the statement's final text and the kinds of its values, so a value of another
// kind (a null where a number was) gets a statement of its own, bound as Poco binds it.
// On SQLite, where there is no round trip to save, it spares Poco's per-run work and the
// `SELECT changes()` after a write (docs/performance.md, "Plugin statements kept on SQLite").
// Not kept: `SELECT *`-like statements (their columns follow the table), and nothing on a
// session that is not a pool's. A schema change noted by the store drops them
// (PreparedStatements::noteSchemaChange). When a connection holds kKeptStatementsPerConnection
// entries, its plugin statements are dropped and kept afresh, so statements built per call
// cannot crowd out the hot ones for good. The rows are turned into the JSON PluginStatement.cpp
// makes of a Poco RecordSet (KeptPluginStatementTest and KeptPluginStatementSqliteTest
// .EveryColumnTypeReadsAsAFreshStatementReadsIt), except where Poco converts a SQLite value to
// the column's declared type: a kept statement gives the value stored (2.5 in an INTEGER
// column stays 2.5; text there is a JSON string).
//
//   if (std::optional<StatementResult> r = runKept(session, dialect, sql, params, KeptShape::Rows)) ...
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <Poco/Data/Session.h>

#include "host/services/PluginStatement.h"
#include "host/store/Dialect.h"

namespace orderhost::services {

// Entries per connection, the host's own included.
constexpr std::size_t kKeptStatementsPerConnection = 128;

// What a kept statement's result is read as.
enum class KeptShape {
    Rows,          // its rows, as JSON
    ReturnedRows,  // its rows, and their number as the rows it changed (DML ... RETURNING)
    Counted,       // one row of one column: the rows it changed (runCountedDml's wrapping)
    Changed,       // no rows: the rows it changed, as the driver counts them (SQLite's DML)
};

// Runs `sql` with `params` through the statement kept for them on this connection (prepared
// on first use). nullopt when it is not to be kept; then nothing ran. A statement that fails
// is forgotten and the exception goes on; a result over OH_DB_MAX_ROWS rows or
// OH_DB_MAX_RESULT_BYTES of JSON is refused (StatementError) and the statement stays kept.
std::optional<StatementResult> runKept(Poco::Data::Session& session, const store::Dialect& dialect,
                                       const std::string& sql, const std::vector<StatementParam>& params,
                                       KeptShape shape);

// A double as a result value: an integral one below 2^53 without a fraction (PostgreSQL's SUM
// of integers is NUMERIC, read as a double: 3, as SQLite gives, not 3.0), null when not finite.
void appendDoubleAsJson(std::string& out, double value);

// A date ("2024-02-29"), a time ("12:34:56") or both ("2024-02-29 12:34:56.25"), as a JSON
// string: the form PostgreSQL writes (psqlODBC's text), whichever way the value was read. A
// year below 0 leaves the date out, an hour below 0 the time; micros are written without
// trailing zeros.
void appendDateTimeAsJson(std::string& out, int year, int month, int day, int hour, int minute, int second, int micros);

// Whether a `*` in `sql` stands for columns (SELECT *, t.*, RETURNING *), not COUNT(*) or a
// product.
bool selectsStar(std::string_view sql);

}  // namespace orderhost::services
