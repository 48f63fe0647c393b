// Telling a computed result column (COUNT(*), a - b) from a table column, for the JSON rows of
// orderhost.db.
//
// The SQLite driver gives computed values no type: they arrive as text, described like a
// VARCHAR(255) column. PostgreSQL's driver types them (int8, numeric). To return numbers as
// JSON numbers on both backends, the host turns a SQLite text value into a number only when
// the value is a JSON number AND the column has no origin table (a computed expression, which
// has no declared type either). A text column holding "42" or "007" keeps its strings.
//
// The origin comes from the ODBC column attribute SQL_DESC_BASE_TABLE_NAME, which Poco does not
// expose: the statement is prepared (not run) once more on the same connection, and only when
// a result actually holds number-like text in such a column.
//
//   if (isJsonNumber(text) && computedColumns(session, sql)[col]) out += text; // as a number
#pragma once

#include <Poco/Data/Session.h>

#include <string>
#include <string_view>
#include <vector>

namespace orderhost::services {

// True when `text` is a number in JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool isJsonNumber(std::string_view text);

// For each result column of `sql`: true when it has no origin table (a computed expression).
// Empty when the connection is not an ODBC one or the driver cannot describe the statement.
std::vector<bool> computedColumns(Poco::Data::Session& session, const std::string& sql);

}  // namespace orderhost::services
