// One SQL command without parameters or results (SAVEPOINT, RELEASE SAVEPOINT, ROLLBACK TO
// SAVEPOINT), sent as it is: one client-server round trip.
//
// Why not a Poco::Data::Statement: Poco prepares every statement (SQLPrepare), asks for its
// result columns before executing it (SQLNumResultCols) and frees it afterwards. On psqlODBC
// that is three round trips for a savepoint: Parse/Describe of a named plan, Bind/Execute, and
// the plan's DEALLOCATE. SQLExecDirect of a statement without parameters is one simple query.
//
//   runSimpleCommand(session, "SAVEPOINT oh_statement");
//
// Failures throw Poco::Data::ODBC::StatementException with the driver's diagnostics, as a
// Poco statement would, so OdbcFailures reads them alike.
#pragma once

#include <string>

#include <Poco/Data/Session.h>

namespace orderhost::store {

void runSimpleCommand(Poco::Data::Session& session, const std::string& sql);

// Prepares `sql` (with `?` placeholders) and asks for its result columns, without executing
// it: on psqlODBC a Parse/Describe of the statement, which reports what the server says about
// it then (a missing table, a lock it could not get). Throws like runSimpleCommand.
void describeStatement(Poco::Data::Session& session, const std::string& sql);

}  // namespace orderhost::store
