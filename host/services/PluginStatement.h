// One SQL statement a plugin sent through the orderhost.db extension: its parameters parsed
// from JSON, bound portably, run on a session, and its rows turned into JSON text.
//
// Kept apart from the C entry point (DatabaseExtension.cpp) so it can be tested with plain
// sessions. The Poco 1.11 / ODBC traps it works around (measured; see STACK-NOTES.md):
//  - SQLite refuses std::string parameters over 255 bytes: long ones go through
//    Dialect::bindText, and their `?` becomes Dialect::textParam() so they stay TEXT.
//  - Statement::execute() counts bound rows, not changed ones: SQLite asks changes(),
//    PostgreSQL counts RETURNING rows of the statement wrapped in a CTE (or the rows of the
//    plugin's own RETURNING).
//  - The SQLite driver drops the rows of INSERT/UPDATE/DELETE ... RETURNING (it decides from
//    the first word): such a statement gets a leading no-op WITH, which makes it fetch them.
//  - The SQLite driver delivers computed columns (COUNT(*), a - b) as text: such a value is
//    written as a JSON number when it is one and the column has no origin table
//    (ComputedColumns.h).
//  - Results are read with a RecordSet limited to OH_DB_MAX_ROWS + 1 rows, so a huge result
//    costs at most that many rows before it is refused (on PostgreSQL; sqliteodbc reads a
//    statement's whole result into memory at execute).
//  - Poco 1.11 reads a PostgreSQL UUID in the wrong byte order (and repeats it for NULL): such a
//    column is refused on this path; dates and times are written as PostgreSQL writes them.
// Most statements never take that path: they are kept prepared on their pooled connection and
// run with direct ODBC calls (KeptPluginStatements.h), into the same JSON (the differences are
// listed there), on both backends. What stays on Poco's path: DDL, `SELECT *`-like statements,
// sessions that are not a pool's.
//
//   auto params = parseStatementParams(R"(["A-1", 3])");
//   StatementResult r = runStatement(session, dialect, "UPDATE t SET q = q - ? ...", params);
#pragma once

#include <orderhost/plugin_api.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <Poco/Data/Session.h>

#include "host/store/Dialect.h"
#include "host/store/SqlValue.h"

namespace orderhost::services {

// A value bound to one `?`: null, integer, boolean or text.
using StatementParam = store::SqlValue;

// A refusal before or after the database ran anything (bad params, too large a result).
class StatementError : public std::runtime_error {
public:
    StatementError(oh_status status, const std::string& message) : std::runtime_error(message), status_(status) {}
    oh_status status() const { return status_; }

private:
    oh_status status_;
};

struct StatementResult {
    std::string rowsJson = "[]";
    std::int64_t changed = -1;  // INSERT/UPDATE/DELETE only
};

// Parses a JSON array of scalars ("" is []). Throws StatementError(INVALID_ARGUMENT).
std::vector<StatementParam> parseStatementParams(std::string_view json);

// Whether `sql` changes the schema (CREATE, ALTER, DROP): every connection's kept statements are
// forgotten before it runs and again after (and after its transaction ends, StepTransaction).
bool changesSchema(std::string_view sql);

// Whether `sql` may write rows and return them (a RETURNING clause): such a statement may be
// refused after the database ran it (too many rows), so its writes need undoing by savepoint.
bool returnsWrittenRows(std::string_view sql);

// Runs `sql` with `params` on `session`. Throws StatementError for refusals and lets the
// driver's Poco::Exception through for the caller to word.
StatementResult runStatement(Poco::Data::Session& session, const store::Dialect& dialect, std::string_view sql,
                             const std::vector<StatementParam>& params);

}  // namespace orderhost::services
