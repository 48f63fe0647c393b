// A plugin's statements are kept prepared on the pooled connection (PluginStatement.cpp): run
// again with new values they read and write what they should, a value of another kind gets a
// statement of its own, a failed one is prepared again, SELECT * is not kept, a column changed
// under a kept statement costs one retryable failure at most, a result over the row limit does
// not leave it paused, and a connection keeps a bounded number of them.
#include "tests/host/services/DatabaseExtensionFixture.h"

#include "host/services/PluginStatement.h"
#include "host/store/ConnectionPool.h"
#include "host/store/ConnectionString.h"
#include "host/store/Dialect.h"

namespace orderhost::services {
namespace {

using KeptPluginStatementTest = DatabaseExtensionTest;

// Plans the server holds for this test's pooled connection whose SQL contains `text`
// (PostgreSQL; -1 elsewhere). The pool has one connection per caller here, so the step
// transaction's connection is asked through the transaction itself.
int plans(store::StepTransaction& tx, const std::string& text) {
    if (tx.database().dialect().backend() != store::Backend::PostgreSQL) return -1;
    int n = -1;
    tx.runPluginStatement([&](Poco::Data::Session& s) {
        s << "SELECT COUNT(*) FROM pg_prepared_statements WHERE statement LIKE ?", bind("%" + text + "%"), into(n), now;
        return 0;
    });
    return n;
}

TEST_P(KeptPluginStatementTest, RunAgainWithNewValuesItReadsAndWritesWhatItShould) {
    for (int i = 1; i <= 3; ++i) {
        ASSERT_EQ(run("INSERT INTO items (k, n) VALUES (?, ?)",
                      R"(["k)" + std::to_string(i) + R"(", )" + std::to_string(i * 10) + "]"),
                  OH_STATUS_OK)
            << error;
        EXPECT_EQ(changed, 1);
    }
    for (int i = 1; i <= 3; ++i) {
        ASSERT_EQ(run("SELECT k, n FROM items WHERE n >= ? ORDER BY n", "[" + std::to_string(i * 10) + "]"),
                  OH_STATUS_OK)
            << error;
        std::string expected = "[";
        for (int j = i; j <= 3; ++j)
            expected += std::string(j == i ? "" : ",") + R"({"k":"k)" + std::to_string(j) + R"(","n":)" +
                        std::to_string(j * 10) + "}";
        EXPECT_EQ(rows, expected + "]") << "after " << i << " runs";
    }
    ASSERT_EQ(run("UPDATE items SET n = n + 1 WHERE n > ?", "[15]"), OH_STATUS_OK) << error;
    EXPECT_EQ(changed, 2);
    ASSERT_EQ(run("UPDATE items SET n = n + 1 WHERE n > ?", "[25]"), OH_STATUS_OK) << error;
    EXPECT_EQ(changed, 1) << "the kept counted UPDATE counts this run's rows only";
    if (GetParam().connectionString.empty()) return;  // SQLite: nothing on a server to count
    EXPECT_EQ(plans(*tx_, "SELECT k, n FROM items WHERE n >="), 1) << "prepared once, run three times";
    EXPECT_EQ(plans(*tx_, "INSERT INTO items (k, n)"), 1);
    EXPECT_EQ(plans(*tx_, "UPDATE items SET n = n + 1"), 1);
}

TEST_P(KeptPluginStatementTest, AValueOfAnotherKindGetsAStatementOfItsOwn) {
    const std::string big(300, 'b');  // a CLOB on SQLite
    ASSERT_EQ(run("INSERT INTO items (k, n, note) VALUES (?, ?, ?)", R"(["a", 1, null])"), OH_STATUS_OK) << error;
    ASSERT_EQ(run("INSERT INTO items (k, n, note) VALUES (?, ?, ?)", R"(["b", null, "short"])"), OH_STATUS_OK) << error;
    ASSERT_EQ(run("INSERT INTO items (k, n, note) VALUES (?, ?, ?)", R"(["c", 3, ")" + big + R"("])"), OH_STATUS_OK)
        << error;
    ASSERT_EQ(run("INSERT INTO items (k, n, note) VALUES (?, ?, ?)", R"(["d", 4, "short"])"), OH_STATUS_OK) << error;
    ASSERT_EQ(run("SELECT k, n, note FROM items WHERE note = ? OR k = ? ORDER BY k", R"([")" + big + R"(", "a"])"),
              OH_STATUS_OK)
        << error;
    EXPECT_EQ(rows, R"([{"k":"a","n":1,"note":null},{"k":"c","n":3,"note":")" + big + R"("}])");
    ASSERT_EQ(run("SELECT k, n, note FROM items WHERE note = ? OR k = ? ORDER BY k", R"(["short", null])"),
              OH_STATUS_OK)
        << error;
    EXPECT_EQ(rows, R"([{"k":"b","n":null,"note":"short"},{"k":"d","n":4,"note":"short"}])");
}

TEST_P(KeptPluginStatementTest, AKeptStatementThatFailedIsPreparedAgain) {
    const std::string insert = "INSERT INTO items (k, n) VALUES (?, ?)";
    ASSERT_EQ(run(insert, R"(["dup", 1])"), OH_STATUS_OK) << error;
    EXPECT_EQ(run(insert, R"(["dup", 2])"), OH_STATUS_INTERNAL_ERROR) << "a second key 'dup'";
    ASSERT_EQ(run(insert, R"(["other", 3])"), OH_STATUS_OK) << error;
    ASSERT_EQ(run("SELECT k, n FROM items ORDER BY k"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, R"([{"k":"dup","n":1},{"k":"other","n":3}])");
    tx_->commit();
    EXPECT_EQ(count(*db_, "items"), 2);
}

// psqlODBC answers SQL_NO_DATA to an UPDATE or DELETE that matched no row, RETURNING or not: such
// a run has no result to describe (the driver manager refuses SQLDescribeCol then), it answers
// no rows, and the kept statement runs again as usual, matching or not.
TEST_P(KeptPluginStatementTest, AReturningStatementThatMatchesNoRowAnswersNoRowsAndRunsAgain) {
    const std::string bump = "UPDATE items SET n = n + 1 WHERE k = ? RETURNING n";
    ASSERT_EQ(run(bump, R"(["missing"])"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, "[]");
    EXPECT_EQ(changed, 0);
    ASSERT_EQ(run("INSERT INTO items (k, n) VALUES ('a', 1)"), OH_STATUS_OK) << error;
    ASSERT_EQ(run(bump, R"(["a"])"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, R"([{"n":2}])");
    EXPECT_EQ(changed, 1);
    ASSERT_EQ(run(bump, R"(["missing"])"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, "[]") << "after a run that had a row";
    ASSERT_EQ(run("DELETE FROM items WHERE k = ? RETURNING k", R"(["missing"])"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, "[]");
    ASSERT_EQ(run("DELETE FROM items WHERE k = ? RETURNING k", R"(["a"])"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, R"([{"k":"a"}])");
    // A final ';' or comment is the plugin's to write: the host's wrappers add text after it.
    ASSERT_EQ(run("INSERT INTO items (k, n) VALUES ('b', 1)"), OH_STATUS_OK) << error;
    ASSERT_EQ(run("UPDATE items SET n = 5 WHERE k = ? -- counted", R"(["b"])"), OH_STATUS_OK) << error;
    EXPECT_EQ(changed, 1);
    ASSERT_EQ(run("UPDATE items SET n = 6 WHERE k = ?;", R"(["b"])"), OH_STATUS_OK) << error;
    EXPECT_EQ(changed, 1);
    ASSERT_EQ(run("UPDATE items SET n = 7 WHERE k = ? RETURNING * -- all", R"(["b"])"), OH_STATUS_OK) << error;
    EXPECT_EQ(changed, 1);
    EXPECT_NE(rows.find(R"("n":7)"), std::string::npos) << rows;
    ASSERT_EQ(run("DELETE FROM items WHERE k = ? RETURNING *;", R"(["b"])"), OH_STATUS_OK) << error;
    EXPECT_EQ(changed, 1);
    EXPECT_NE(rows.find(R"("k":"b")"), std::string::npos) << rows;
    // RETURNING * is not kept (Poco's path): the same answer.
    ASSERT_EQ(run("UPDATE items SET n = 0 WHERE k = ? RETURNING *", R"(["missing"])"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, "[]");
    EXPECT_EQ(changed, 0);
}

// SELECT * is never kept: its columns are those of the table now, also right after a change.
TEST_P(KeptPluginStatementTest, ASelectStarSeesAColumnAddedAfterItsFirstRun) {
    ASSERT_EQ(run("INSERT INTO items (k, n) VALUES ('a', 1)"), OH_STATUS_OK) << error;
    tx_->commit();
    tx_ = std::make_unique<store::StepTransaction>(*db_);
    ctx_.transaction = tx_.get();
    ASSERT_EQ(run("SELECT * FROM items WHERE k = ?", R"(["a"])"), OH_STATUS_OK) << error;
    ASSERT_EQ(run("SELECT i.* FROM items i WHERE k = ?", R"(["a"])"), OH_STATUS_OK) << error;
    tx_->commit();
    exec(*db_, "ALTER TABLE items ADD COLUMN extra INTEGER DEFAULT 7");
    tx_ = std::make_unique<store::StepTransaction>(*db_);
    ctx_.transaction = tx_.get();
    ASSERT_EQ(run("SELECT * FROM items WHERE k = ?", R"(["a"])"), OH_STATUS_OK) << error;
    EXPECT_NE(rows.find(R"("extra":7)"), std::string::npos) << rows;
    ASSERT_EQ(run("SELECT i.* FROM items i WHERE k = ?", R"(["a"])"), OH_STATUS_OK) << error;
    EXPECT_NE(rows.find(R"("extra":7)"), std::string::npos) << rows;
}

// An administrator changes a column's type under a kept statement (PostgreSQL): one run may
// fail, as "try again", and the next reads the new type.
TEST_P(KeptPluginStatementTest, AColumnTypeChangedUnderAKeptStatementCostsOneRetryAtMost) {
    if (GetParam().connectionString.empty()) GTEST_SKIP() << "SQLite has no ALTER COLUMN ... TYPE";
    ASSERT_EQ(run("INSERT INTO items (k, n) VALUES ('a', 1)"), OH_STATUS_OK) << error;
    ASSERT_EQ(run("SELECT k, n FROM items WHERE k = ?", R"(["a"])"), OH_STATUS_OK) << error;
    tx_->commit();
    exec(*db_, "ALTER TABLE items ALTER COLUMN n TYPE TEXT");
    tx_ = std::make_unique<store::StepTransaction>(*db_);
    ctx_.transaction = tx_.get();
    oh_status first = run("SELECT k, n FROM items WHERE k = ?", R"(["a"])");
    if (first != OH_STATUS_OK) {
        EXPECT_EQ(first, OH_STATUS_RETRYABLE) << error;
        first = run("SELECT k, n FROM items WHERE k = ?", R"(["a"])");
    }
    ASSERT_EQ(first, OH_STATUS_OK) << error;
    EXPECT_EQ(rows, R"([{"k":"a","n":"1"}])");
}

// Poco pauses a statement whose rows exceed its limit, cursor open: refused, and the same
// statement with other values must run anew, not read on where the refused one stopped.
TEST_P(KeptPluginStatementTest, AResultOverTheRowLimitIsRefusedAndTheNextRunRunsAnew) {
    exec(*db_, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < " +
                   std::to_string(OH_DB_MAX_ROWS + 5) + ") INSERT INTO items (k, n) SELECT 'k' || x, x FROM c");
    const std::string select = "SELECT k FROM items WHERE n >= ? ORDER BY n";
    EXPECT_EQ(run(select, "[1]"), OH_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(error.find("more than " + std::to_string(OH_DB_MAX_ROWS) + " rows"), std::string::npos) << error;
    ASSERT_EQ(run(select, "[" + std::to_string(OH_DB_MAX_ROWS + 4) + "]"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, R"([{"k":"k)" + std::to_string(OH_DB_MAX_ROWS + 4) + R"("},{"k":"k)" +
                        std::to_string(OH_DB_MAX_ROWS + 5) + R"("}])");
    ASSERT_EQ(run(select, "[1]"), OH_STATUS_INVALID_ARGUMENT) << "refused again, not read on";
    ASSERT_EQ(run(select, "[" + std::to_string(OH_DB_MAX_ROWS + 5) + "]"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, R"([{"k":"k)" + std::to_string(OH_DB_MAX_ROWS + 5) + R"("}])");
}

TEST_P(KeptPluginStatementTest, AConnectionKeepsABoundedNumberOfPluginStatements) {
    for (int i = 0; i < 140; ++i) {
        ASSERT_EQ(
            run("SELECT " + std::to_string(i) + " AS v_" + std::to_string(i) + " FROM items WHERE k = ?", R"(["x"])"),
            OH_STATUS_OK)
            << error;
    }
    ASSERT_EQ(run("SELECT 139 AS v_139 FROM items WHERE k = ?", R"(["x"])"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, "[]");
    if (GetParam().connectionString.empty()) return;
    // Full at 128 entries (the host's own among them): the plugin statements were dropped
    // then and kept afresh.
    const int kept = plans(*tx_, " AS v_");
    EXPECT_GT(kept, 0);
    EXPECT_LT(kept, 128);
    ASSERT_EQ(run("SELECT 139 AS v_139 FROM items WHERE k = ?", R"(["y"])"), OH_STATUS_OK) << error;
    EXPECT_EQ(plans(*tx_, "SELECT 139 AS v_139"), 1) << "the statement run last is kept";
}

// A kept statement is read with direct ODBC calls, a fresh one through Poco's RecordSet
// (PluginStatement.cpp): each column type must come out as the same JSON either way.
TEST_P(KeptPluginStatementTest, EveryColumnTypeReadsAsAFreshStatementReadsIt) {
    if (GetParam().connectionString.empty())
        GTEST_SKIP() << "PostgreSQL's types; SQLite's: KeptPluginStatementSqliteTest";
    exec(*db_,
         "CREATE TABLE typed (id INTEGER, i2 SMALLINT, i4 INTEGER, i8 BIGINT, num NUMERIC, num2 NUMERIC(10,2), "
         "num0 NUMERIC(18,0), r REAL, d DOUBLE PRECISION, b BOOLEAN, t TEXT, vc VARCHAR(10), c CHAR(3), dt DATE, "
         "ts TIMESTAMP, tz TIMESTAMPTZ, tm TIME, u UUID, j JSON, iv INTERVAL, big TEXT)");
    exec(*db_,
         "INSERT INTO typed VALUES (1, -7, 2147483647, -9223372036854775808, 12.5, 1234.56, 123456789012345678, "
         "1.5, 0.1, TRUE, 'tab\\t \"quoted\" \u00e9', 'short', 'ab', '2024-02-29', '2024-02-29 23:59:58.25', "
         "'2024-02-29 23:59:58+01', '12:34:56', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"k\": [1, 2]}', "
         "'1 day 02:00:00', repeat('x', 5000)), (2, 0, 0, 0, 0, 0, 0, 0, -1e300, FALSE, '', '', '', NULL, NULL, "
         "NULL, NULL, NULL, NULL, NULL, ''), (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
         "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)");
    const std::vector<std::string> selects = {
        "SELECT i2, i4, i8, num, num2, num0, r, d, b FROM typed WHERE id >= ? ORDER BY id",
        "SELECT t, vc, c, dt, ts, tz, tm, j, iv, big FROM typed WHERE id >= ? ORDER BY id",
        "SELECT SUM(i4) AS s, SUM(num2) AS s2, AVG(i8) AS a, COUNT(*) AS n, MAX(t) AS m, i4 - 1 AS e, "
        "num2 * 2 AS p, 'x' || vc AS cat FROM typed WHERE id >= ? GROUP BY i4, num2, vc ORDER BY i4",
        "UPDATE typed SET i2 = i2 + 1 WHERE id >= ? RETURNING id, i2, b"};
    store::ConnectionString options(database_->connectionString());
    store::Dialect::applyDefaults(store::Backend::PostgreSQL, options);  // as the pool's connections
    Poco::Data::Session fresh = store::openOdbcSession(options.str());
    fresh.setFeature("autoCommit", false);                                   // Poco's begin() wants it so
    fresh.setProperty("maxFieldSize", Poco::Any(std::size_t(1024 * 1024)));  // as the pool's (Database.cpp)
    for (const std::string& sql : selects) {
        for (int round = 0; round < 2; ++round) {  // the second round runs the kept statement again
            ASSERT_EQ(run(sql, "[1]"), OH_STATUS_OK) << error;
            const std::string kept = rows;
            const std::int64_t keptChanged = changed;
            tx_->rollback();  // the same table state for both (the UPDATE is undone), no lock held
            tx_ = std::make_unique<store::StepTransaction>(*db_);
            ctx_.transaction = tx_.get();
            fresh.begin();
            const StatementResult poco = runStatement(fresh, db_->dialect(), sql, {std::int64_t{1}});
            fresh.rollback();
            EXPECT_EQ(kept, poco.rowsJson) << sql;
            if (sql == selects[0]) {  // and right, not only alike
                EXPECT_EQ(kept.substr(0, kept.find('}') + 1),
                          R"([{"i2":-7,"i4":2147483647,"i8":-9223372036854775808,"num":12.5,"num2":1234.56,)"
                          R"("num0":123456789012345678,"r":1.5,"d":0.1,"b":true})");
            }
            if (sql.rfind("UPDATE", 0) == 0) {
                EXPECT_EQ(keptChanged, poco.changed) << sql;
            }
        }
    }
    EXPECT_EQ(plans(*tx_, "FROM typed WHERE id >="), 3) << "the reads were kept";
    // Poco 1.11 reads a UUID in the wrong byte order and repeats it for NULL: the fresh path
    // refuses the column, the kept one reads PostgreSQL's text.
    ASSERT_EQ(run("SELECT u FROM typed WHERE id >= ? ORDER BY id", "[1]"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, R"([{"u":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},{"u":null},{"u":null}])");
    try {
        runStatement(fresh, db_->dialect(), "SELECT u FROM typed WHERE id >= ? ORDER BY id", {std::int64_t{1}});
        ADD_FAILURE() << "a UUID column read through Poco";
    } catch (const StatementError& refused) {
        EXPECT_STREQ(refused.what(), "column 'u' is a UUID; select it as text (u::text)");
    }
    exec(*db_, "CREATE TABLE bin (id INTEGER, data BYTEA)");
    exec(*db_, "INSERT INTO bin VALUES (1, '\\x00ff')");
    EXPECT_EQ(run("SELECT data FROM bin WHERE id = ?", "[1]"), OH_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(error, "orderhost.db: datasource 'orderhost': column 'data' is binary; select it as hex text");
}

// What Poco cannot read exactly, a kept statement reads as PostgreSQL writes it.
TEST_P(KeptPluginStatementTest, AKeptStatementReadsFractionsMoneyAndLongNumbersAsWritten) {
    if (GetParam().connectionString.empty())
        GTEST_SKIP() << "PostgreSQL's types; SQLite's: KeptPluginStatementSqliteTest";
    ASSERT_EQ(run("SELECT CAST(? AS REAL) AS r, CAST('12:34:56.5' AS TIME) AS tm, "
                  "CAST('2024-02-29 23:59:58.123456' AS TIMESTAMP) AS ts, CAST('12.34' AS MONEY) AS m, "
                  "CAST('123456789012345678901234567890' AS NUMERIC(30,0)) AS n, 1 = 1 AS yes, 1 = 2 AS no",
                  R"(["0.1"])"),
              OH_STATUS_OK)
        << error;
    EXPECT_EQ(rows, R"([{"r":0.1,"tm":"12:34:56.5","ts":"2024-02-29 23:59:58.123456","m":"$12.34",)"
                    R"("n":123456789012345678901234567890,"yes":true,"no":false}])");
}

// Dates, times and booleans read the same on both backends, through a kept statement or
// Poco's RecordSet (SELECT * is never kept).
TEST_P(KeptPluginStatementTest, DatesTimesAndBooleansReadAlikeOnBothPaths) {
    exec(*db_, "CREATE TABLE dated (id INTEGER, dt DATE, ts TIMESTAMP, tm TIME, r REAL, b BOOLEAN)");
    exec(*db_, "INSERT INTO dated VALUES (1, '2024-02-29', '2024-02-29 23:59:58.125', '12:34:56', 0.1, TRUE)");
    const std::string expected =
        R"([{"id":1,"dt":"2024-02-29","ts":"2024-02-29 23:59:58.125","tm":"12:34:56","r":0.1,"b":true}])";
    ASSERT_EQ(run("SELECT id, dt, ts, tm, r, b FROM dated WHERE id = ?", "[1]"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, expected);
    ASSERT_EQ(run("SELECT * FROM dated WHERE id = ?", "[1]"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, expected);
}

INSTANTIATE_TEST_SUITE_P(Backends, KeptPluginStatementTest, ::testing::ValuesIn(testing::testBackends()),
                         testing::backendName);

}  // namespace
}  // namespace orderhost::services
