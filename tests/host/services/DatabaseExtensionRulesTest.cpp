// orderhost.db's rules and the driver differences it hides, on every test backend through real
// ODBC: refused statements, numbers as JSON numbers, RETURNING, retryable failures, limits.
#include "tests/host/services/DatabaseExtensionFixture.h"

#include <chrono>
#include <future>
#include <thread>

namespace orderhost::services {
namespace {

class DatabaseRulesTest : public DatabaseExtensionTest {};

TEST_P(DatabaseRulesTest, TransactionControlIsRefusedAndTheStepTransactionCarriesOn) {
    ASSERT_EQ(run("INSERT INTO items (k) VALUES ('kept')"), OH_STATUS_OK) << error;
    for (const char* sql : {"COMMIT", "rollback", "BEGIN", "SAVEPOINT s1", "RELEASE SAVEPOINT s1", "END",
                            "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "/* sneaky */ commit",
                            "PRAGMA journal_mode = DELETE", "VACUUM"}) {
        EXPECT_EQ(run(sql), OH_STATUS_INVALID_ARGUMENT) << sql;
        EXPECT_EQ(error.rfind("orderhost.db: datasource 'orderhost': ", 0), 0u) << error;
        EXPECT_NE(error.find(" is refused"), std::string::npos) << sql << " -> " << error;
    }
    EXPECT_EQ(run("SELECT 1; COMMIT"), OH_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(error.find("one statement per call"), std::string::npos) << error;
    EXPECT_EQ(run("ROLLBACK", "[]", "side"), OH_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(error.find("transaction control (ROLLBACK) is refused"), std::string::npos) << error;
    tx_->rollback();
    EXPECT_EQ(count(*db_, "items"), 0) << "no plugin statement committed the step's work early";
}

TEST_P(DatabaseRulesTest, WritesToTheHostsOwnTablesAreRefusedNamingTheTable) {
    EXPECT_EQ(run("INSERT INTO outbox (order_id, topic, payload) VALUES ('o', 't', '{}')"), OH_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(error.find("INSERT on the host's own table 'outbox' is refused"), std::string::npos) << error;
    EXPECT_EQ(run("WITH x AS (SELECT 1 AS one) INSERT INTO \"orders\" (id) SELECT 'o' FROM x"),
              OH_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(error.find("INSERT on the host's own table 'orders'"), std::string::npos) << error;
    EXPECT_EQ(run("DELETE FROM step_runs"), OH_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(run("DROP TABLE schema_migrations"), OH_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(run("SELECT COUNT(*) AS n FROM orders"), OH_STATUS_OK) << "reads stay allowed: " << error;
    EXPECT_EQ(rows, R"([{"n":0}])");
    ASSERT_EQ(run("INSERT INTO items (k, note) VALUES ('x', 'DELETE FROM orders; COMMIT')"), OH_STATUS_OK) << error;
}

TEST_P(DatabaseRulesTest, ANamedDatasourceMayHaveItsOwnTableCalledOrders) {
    exec(*sources_->find("side"), "CREATE TABLE orders (id BIGINT PRIMARY KEY)");
    ASSERT_EQ(run("INSERT INTO orders (id) VALUES (?)", "[1]", "side"), OH_STATUS_OK) << error;
    EXPECT_EQ(changed, 1);
}

TEST_P(DatabaseRulesTest, NumbersComeBackAsJsonNumbersAndTextAsStrings) {
    exec(*db_, "CREATE TABLE labels (code VARCHAR(255), body TEXT)");
    ASSERT_EQ(run("INSERT INTO items (k, n) VALUES ('007', 1), ('42', 2)"), OH_STATUS_OK) << error;
    ASSERT_EQ(run("INSERT INTO labels (code, body) VALUES ('42', '7'), ('-1.5', '008')"), OH_STATUS_OK) << error;
    ASSERT_EQ(run("SELECT COUNT(*) AS c, SUM(n) AS s, MAX(n) - MIN(n) AS d, MAX(n) * 2 AS twice FROM items"),
              OH_STATUS_OK)
        << error;
    EXPECT_EQ(rows, R"([{"c":2,"s":3,"d":1,"twice":4}])");
    ASSERT_EQ(run("SELECT k, n - 1 AS m FROM items ORDER BY n"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, R"([{"k":"007","m":0},{"k":"42","m":1}])");
    ASSERT_EQ(run("SELECT code, body, code || 'x' AS tagged FROM labels ORDER BY body"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, R"([{"code":"-1.5","body":"008","tagged":"-1.5x"},{"code":"42","body":"7","tagged":"42x"}])")
        << "text columns keep their strings, even number-like ones";
    ASSERT_EQ(run("SELECT MAX(n) AS top, SUM(n) / 4.0 AS quarter FROM items WHERE n > 5"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, R"([{"top":null,"quarter":null}])");
}

TEST_P(DatabaseRulesTest, ReturningGivesRowsAndCountsChangesOnEveryBackend) {
    ASSERT_EQ(run("INSERT INTO items (k, n) VALUES (?, ?), ('b', 2) RETURNING k, n", R"(["a", 1])"), OH_STATUS_OK)
        << error;
    EXPECT_EQ(rows, R"([{"k":"a","n":1},{"k":"b","n":2}])");
    EXPECT_EQ(changed, 2);
    ASSERT_EQ(run("UPDATE items SET n = n + 10 WHERE k = ? RETURNING n", R"(["a"])"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, R"([{"n":11}])");
    EXPECT_EQ(changed, 1);
    ASSERT_EQ(run("DELETE FROM items WHERE n > ? RETURNING k", "[5]"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, R"([{"k":"a"}])");
    EXPECT_EQ(changed, 1);
    ASSERT_EQ(run("INSERT INTO items (k, note) VALUES ('r', 'RETURNING')"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, "[]");
    EXPECT_EQ(changed, 1);
    tx_->commit();
    EXPECT_EQ(count(*db_, "items"), 2) << "each statement ran exactly once";
}

// A statement that waits for a lock another session holds ends as RETRYABLE, not as an error.
TEST_P(DatabaseRulesTest, ABusyDatabaseIsRetryable) {
    const std::string busy = "Driver=SQLite3;Database=" + folder_ + "/busy.db;Timeout=100;";
    store::DatabaseOptions noSchema;
    noSchema.migrate = false;
    store::Database holder(busy, noSchema);
    exec(holder, "CREATE TABLE notes (id BIGINT PRIMARY KEY)");
    store::Datasources sources(*db_, {{"busy", {busy, 1}}});
    ctx_.datasources = &sources;
    // A step transaction takes SQLite's write lock at once through the host's orders table.
    exec(holder, "CREATE TABLE orders (id TEXT)");
    store::StepTransaction lock(holder);
    lock.session() << "INSERT INTO notes (id) VALUES (1)", now;  // holds the write lock until rollback
    EXPECT_EQ(run("INSERT INTO notes (id) VALUES (2)", "[]", "busy"), OH_STATUS_RETRYABLE);
    EXPECT_NE(error.find("transient failure, try again (database is locked (SQLITE_BUSY))"), std::string::npos)
        << error;
    lock.rollback();
    EXPECT_EQ(run("INSERT INTO notes (id) VALUES (2)", "[]", "busy"), OH_STATUS_OK) << error;
}

TEST_P(DatabaseRulesTest, ALockTimeoutOnPostgreSQLIsRetryable) {
    if (!database_->isPostgreSQL()) GTEST_SKIP() << "SQLite's lock waits are covered by ABusyDatabaseIsRetryable";
    store::StepTransaction other(*db_);
    other.session() << "LOCK TABLE items IN ACCESS EXCLUSIVE MODE", now;
    ASSERT_EQ(run("SET LOCAL lock_timeout = '100ms'"), OH_STATUS_OK) << error;
    EXPECT_EQ(run("SELECT k FROM items"), OH_STATUS_RETRYABLE);
    EXPECT_NE(error.find("transient failure, try again (lock timeout (SQLSTATE 55P03))"), std::string::npos) << error;
    other.rollback();
}

// The step's statement waits first, so its deadlock check (deadlock_timeout, 1 s) fires first
// and it is the one PostgreSQL aborts; the other session waits 10 s before checking.
TEST_P(DatabaseRulesTest, ADeadlockOnPostgreSQLIsRetryable) {
    if (!database_->isPostgreSQL()) GTEST_SKIP() << "SQLite has one writer at a time: no deadlock between writers";
    exec(*db_, "INSERT INTO items (k, n) VALUES ('a', 1), ('b', 2)");
    store::StepTransaction other(*db_);
    other.session() << "SET LOCAL deadlock_timeout = '10s'", now;
    other.session() << "UPDATE items SET n = n + 1 WHERE k = 'b'", now;
    ASSERT_EQ(run("UPDATE items SET n = n + 1 WHERE k = 'a'"), OH_STATUS_OK) << error;
    auto ours = std::async(std::launch::async, [this] { return run("UPDATE items SET n = n + 1 WHERE k = 'b'"); });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto theirs = std::async(std::launch::async, [&other] {
        other.session() << "UPDATE items SET n = n + 1 WHERE k = 'a'", now;  // closes the cycle
    });
    EXPECT_EQ(ours.get(), OH_STATUS_RETRYABLE);
    EXPECT_NE(error.find("transient failure, try again (deadlock (SQLSTATE 40P01))"), std::string::npos) << error;
    tx_->rollback();  // what the host does with a RETRY: the other session goes on
    theirs.get();
    other.rollback();
}

TEST_P(DatabaseRulesTest, TheTableTellsItsActualLimits) {
    const oh_db_ext& db = databaseExtension();
    ASSERT_TRUE(OH_HAS_FIELD(&db, oh_db_ext, max_result_bytes));
    EXPECT_EQ(db.max_rows, static_cast<std::uint32_t>(OH_DB_MAX_ROWS));
    EXPECT_EQ(db.max_result_bytes, OH_DB_MAX_RESULT_BYTES);
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseRulesTest, ::testing::ValuesIn(testing::testBackends()),
                         testing::backendName);

}  // namespace
}  // namespace orderhost::services
