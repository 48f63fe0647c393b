// Which plugin statements orderhost.db refuses, decided on tokens: keywords inside literals,
// comments and quoted identifiers never count; every spelling of a host table does.
#include "host/services/StatementPolicy.h"

#include <gtest/gtest.h>

namespace orderhost::services {
namespace {

// The refusal's first words ("" when the statement may run on the host's database).
std::string refusalStart(const std::string& sql, std::size_t words = 1, bool hostDatabase = true) {
    const std::string refusal = statementRefusal(sql, hostDatabase);
    std::size_t end = 0;
    for (std::size_t i = 0; i < words && end != std::string::npos; ++i) end = refusal.find(' ', end + 1);
    return refusal.substr(0, end);
}

TEST(StatementPolicyTest, RefusesEveryFormOfTransactionControlNamingIt) {
    const std::pair<const char*, const char*> cases[] = {
        {"COMMIT", "(COMMIT)"},
        {"commit work", "(COMMIT)"},
        {"  -- why\n rollback", "(ROLLBACK)"},
        {"BEGIN IMMEDIATE", "(BEGIN)"},
        {"END TRANSACTION", "(END)"},
        {"SAVEPOINT s1", "(SAVEPOINT)"},
        {"RELEASE SAVEPOINT s1", "(RELEASE)"},
        {"ROLLBACK TO s1", "(ROLLBACK)"},
        {"ABORT", "(ABORT)"},
        {"START TRANSACTION", "(START TRANSACTION)"},
        {"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "(SET TRANSACTION)"},
        {"PREPARE TRANSACTION 'x'", "(PREPARE TRANSACTION)"},
    };
    for (const auto& [sql, kind] : cases) {
        for (const bool host : {true, false}) {
            const std::string refusal = statementRefusal(sql, host);
            EXPECT_EQ(refusal.rfind(std::string("transaction control ") + kind + " is refused", 0), 0u)
                << sql << " -> " << refusal;
        }
    }
}

TEST(StatementPolicyTest, RefusesStatementsThatChangeTheConnectionOrTheFile) {
    for (const char* sql : {"PRAGMA journal_mode = DELETE", "ATTACH DATABASE 'x.db' AS x", "DETACH x", "vacuum"}) {
        const std::string refusal = statementRefusal(sql, false);
        EXPECT_NE(refusal.find(" is refused: it changes the connection or the database file"), std::string::npos)
            << sql << " -> " << refusal;
    }
    EXPECT_EQ(refusalStart("pragma foreign_keys = OFF"), "PRAGMA");
}

TEST(StatementPolicyTest, RefusesASecondStatementButNotATrailingSemicolon) {
    EXPECT_EQ(refusalStart("SELECT 1; COMMIT", 3), "one statement per");
    EXPECT_EQ(refusalStart("INSERT INTO items VALUES (1);\n-- done\nDELETE FROM items", 3), "one statement per");
    EXPECT_EQ(statementRefusal("SELECT 1;", true), "");
    EXPECT_EQ(statementRefusal("SELECT 1; -- only a comment", true), "");
    EXPECT_EQ(statementRefusal("SELECT ';COMMIT'", true), "");
    EXPECT_EQ(statementRefusal("SET LOCAL statement_timeout = 1000", true), "");
}

TEST(StatementPolicyTest, RefusesWritesToTheHostsTablesHoweverTheyAreSpelt) {
    const std::pair<const char*, const char*> cases[] = {
        {"INSERT INTO orders (id) VALUES (?)", "INSERT on the host's own table 'orders'"},
        {"insert or replace into \"Step_Runs\" values (1)", "INSERT on the host's own table 'step_runs'"},
        {"REPLACE INTO outbox VALUES (1)", "REPLACE on the host's own table 'outbox'"},
        {"UPDATE main.orders SET state = 'x'", "UPDATE on the host's own table 'orders'"},
        {"UPDATE ONLY public.\"orders\" SET state = 'x'", "UPDATE on the host's own table 'orders'"},
        {"DELETE FROM `outbox` WHERE id = 1", "DELETE on the host's own table 'outbox'"},
        {"DELETE FROM [relay_cursors]", "DELETE on the host's own table 'relay_cursors'"},
        {"WITH x AS (SELECT 1) INSERT INTO outbox (topic) SELECT 'a' FROM x",
         "INSERT on the host's own table 'outbox'"},
        {"WITH gone AS (DELETE FROM orders RETURNING id) SELECT count(*) FROM gone",
         "DELETE on the host's own table 'orders'"},
        {"TRUNCATE TABLE my_things, schema_migrations", "TRUNCATE on the host's own table 'schema_migrations'"},
        {"DROP TABLE IF EXISTS plugin_migrations", "DROP TABLE on the host's own table 'plugin_migrations'"},
        {"ALTER TABLE orders ADD COLUMN mine INT", "ALTER TABLE on the host's own table 'orders'"},
        {"CREATE INDEX my_idx ON orders (state)", "CREATE ... ON on the host's own table 'orders'"},
        {"CREATE TEMP TABLE orders (id INT)", "CREATE TABLE on the host's own table 'orders'"},
        {"DEALLOCATE ALL", "DEALLOCATE is refused"},
        {"discard all", "DISCARD is refused"},
        {"SET search_path = mine, public", "SET is refused"},
        {"RESET ALL", "RESET is refused"},
        {"CREATE TEMP VIEW api_keys AS SELECT * FROM main.api_keys UNION ALL SELECT 'x', 'admin'",
         "CREATE VIEW on the host's own table 'api_keys'"},
        {"CREATE VIEW IF NOT EXISTS \"Orders\" AS SELECT 1", "CREATE VIEW on the host's own table 'orders'"},
        {"ALTER TABLE temp.mine RENAME TO api_keys", "RENAME TO on the host's own table 'api_keys'"},
        {"CREATE TRIGGER t AFTER INSERT ON my_things BEGIN DELETE FROM step_runs; END", "one statement per call"},
        {"LOCK TABLE orders IN EXCLUSIVE MODE", "LOCK on the host's own table 'orders'"},
        {"UPDATE sqlite_sequence SET seq = 0", "UPDATE on the host's own table 'sqlite_sequence'"},
        {"MERGE INTO orders o USING x ON o.id = x.id WHEN MATCHED THEN DELETE",
         "MERGE on the host's own table 'orders'"},
    };
    for (const auto& [sql, expected] : cases) {
        const std::string refusal = statementRefusal(sql, true);
        EXPECT_EQ(refusal.rfind(expected, 0), 0u) << sql << " -> " << refusal;
    }
}

TEST(StatementPolicyTest, AllowsReadsOfHostTablesAndMentionsThatAreNotWrites) {
    for (const char* sql : {
             "SELECT state FROM orders WHERE id = ?",
             "SELECT o.id FROM orders o JOIN step_runs s ON s.order_id = o.id FOR UPDATE",
             "INSERT INTO my_things (note) VALUES ('DELETE FROM orders; COMMIT')",
             "INSERT INTO my_things (note) VALUES (?) -- then UPDATE orders",
             "INSERT INTO my_things SELECT id FROM orders",
             "INSERT INTO \"orders_archive\" VALUES (1)",
             "INSERT INTO my_things (k) VALUES (1) ON CONFLICT (k) DO UPDATE SET n = my_things.n + 1",
             "CREATE TABLE my_things (id INT REFERENCES orders (id) ON DELETE CASCADE ON UPDATE CASCADE)",
             "CREATE TABLE my_copy AS SELECT * FROM orders",
             "SELECT replace(state, 'a', 'b') FROM orders",
             "UPDATE my_things SET note = (SELECT state FROM orders WHERE id = 1)",
         }) {
        EXPECT_EQ(statementRefusal(sql, true), "") << sql;
    }
}

TEST(StatementPolicyTest, ANamedDatasourceMayWriteATableCalledOrders) {
    EXPECT_EQ(statementRefusal("INSERT INTO orders (id) VALUES (1)", false), "");
    EXPECT_EQ(statementRefusal("DELETE FROM outbox", false), "");
}

// Found in review: SQLite takes a string literal as a table name, and a conflict clause can
// roll the step's transaction back.
TEST(StatementPolicyTest, RefusesTablesNamedByStringLiteralsOnTheHostDatabase) {
    for (const char* sql : {"DELETE FROM 'orders'", "UPDATE 'orders' SET order_ref = 'x'",
                            "INSERT INTO 'outbox' VALUES (1)", "DROP TABLE 'orders'", "DELETE FROM main.'orders'"}) {
        EXPECT_NE(statementRefusal(sql, true).find("named by a string literal is refused"), std::string::npos) << sql;
        EXPECT_EQ(statementRefusal(sql, false), "") << sql;  // a datasource has no host tables
    }
    EXPECT_EQ(statementRefusal("INSERT INTO acme_notes (note) VALUES ('orders')", true), "");
}

TEST(StatementPolicyTest, RefusesConflictClausesAndRaisesThatRollBack) {
    for (const char* sql : {"INSERT OR ROLLBACK INTO acme_t VALUES (1)", "UPDATE OR ROLLBACK acme_t SET x = 1",
                            "CREATE TABLE acme_t (id INTEGER PRIMARY KEY ON CONFLICT ROLLBACK)",
                            "CREATE TRIGGER acme_tr BEFORE INSERT ON acme_t BEGIN SELECT RAISE(ROLLBACK, 'no'); END"}) {
        EXPECT_EQ(statementRefusal(sql, false).rfind("transaction control (ROLLBACK inside the statement)", 0), 0u)
            << sql;
    }
    EXPECT_EQ(statementRefusal("INSERT OR IGNORE INTO acme_t VALUES (1)", true), "");
}

}  // namespace
}  // namespace orderhost::services
