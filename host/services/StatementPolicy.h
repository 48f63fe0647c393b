// What a plugin may not run through orderhost.db (plugin-api/include/orderhost/ext/db.h):
//
//  - Transaction control: BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, ABORT, SAVEPOINT,
//    RELEASE, SET TRANSACTION, PREPARE/COMMIT PREPARED. On the host's database the statement
//    runs inside the step's transaction, which must commit or roll back with the step's
//    checkpoint; on a datasource a pooled session left inside a transaction would leak into
//    the next step that borrows it.
//  - Statements that change the connection or the database file: PRAGMA, ATTACH, DETACH,
//    VACUUM (SQLite's; refused on PostgreSQL too, where they are no plugin's business either).
//  - More than one statement in one call (a second one could be any of the above).
//  - On the host's own database: writes (INSERT, UPDATE, DELETE, REPLACE, MERGE, TRUNCATE,
//    LOCK) and DDL (CREATE, ALTER, DROP) aimed at a table the host owns
//    (store::hostTableNames(), and SQLite's sqlite_* tables), wherever they appear: a WITH ... INSERT, a data-modifying
//    CTE or a trigger body count. A plugin keeps its data in its own tables.
//
// Reads of the host's tables are allowed: they cannot break a step's atomicity. They are not
// part of the contract either (the host's schema changes between releases).
//
// The check works on tokens (SqlText.h), so a keyword inside a string literal, a comment or a
// quoted identifier never counts, and "ORDERS", "orders", main.orders or "orders" all name the
// host's table.
//
//   statementRefusal("commit", true)  == "transaction control (COMMIT) is refused: ..."
//   statementRefusal("WITH x AS (SELECT 1) INSERT INTO outbox ...", true)
//                                      == "INSERT into the host's own table 'outbox' is refused: ..."
#pragma once

#include <string>
#include <string_view>

namespace orderhost::services {

// Why the host refuses `sql` from a plugin, or "" when it may run. `hostDatabase`: the
// statement is for the host's own database (the step's transaction), not a named datasource.
std::string statementRefusal(std::string_view sql, bool hostDatabase);

}  // namespace orderhost::services
