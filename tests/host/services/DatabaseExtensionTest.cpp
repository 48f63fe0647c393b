// The orderhost.db extension against real databases through ODBC, on every test backend:
// what a plugin sees (status, rows, message) and what the database keeps.
#include "tests/host/services/DatabaseExtensionFixture.h"

#include <chrono>
#include <thread>

#include "host/services/HostServices.h"

namespace orderhost::services {
namespace {

TEST_P(DatabaseExtensionTest, StatementsOnTheHostDatabaseCommitWithTheStepTransaction) {
    ASSERT_EQ(run("INSERT INTO items (k, n) VALUES (?, ?)", R"(["a", 1])"), OH_STATUS_OK) << error;
    EXPECT_EQ(changed, 1);
    EXPECT_EQ(rows, "[]");
    EXPECT_EQ(count(*db_, "items"), 0) << "visible before the step's commit";
    ASSERT_EQ(run("SELECT k, n FROM items"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, R"([{"k":"a","n":1}])") << "the transaction reads its own write";
    EXPECT_EQ(changed, -1);
    tx_->commit();
    EXPECT_EQ(count(*db_, "items"), 1);
}

TEST_P(DatabaseExtensionTest, StatementsOnTheHostDatabaseDisappearWhenTheStepRollsBack) {
    ASSERT_EQ(run("INSERT INTO items (k, n) VALUES ('a', 1), ('b', 2)"), OH_STATUS_OK) << error;
    EXPECT_EQ(changed, 2);
    tx_->rollback();
    EXPECT_EQ(count(*db_, "items"), 0);
}

TEST_P(DatabaseExtensionTest, BindsEveryParameterTypeAndReadsThemBack) {
    ASSERT_EQ(
        run("INSERT INTO items (k, n, flag, note) VALUES (?, ?, ?, ?)", R"(["q\"uote", 1099511627776, true, null])"),
        OH_STATUS_OK)
        << error;
    ASSERT_EQ(run("INSERT INTO items (k, n, flag) VALUES (?, ?, ?)", R"(["neg", -5, false])"), OH_STATUS_OK) << error;
    ASSERT_EQ(run("SELECT k, n, flag, note FROM items WHERE n > ? OR k = ? ORDER BY n", R"([0, "neg"])"), OH_STATUS_OK)
        << error;
    EXPECT_EQ(rows, R"([{"k":"neg","n":-5,"flag":0,"note":null},)"
                    R"({"k":"q\"uote","n":1099511627776,"flag":1,"note":null}])");
}

TEST_P(DatabaseExtensionTest, TextLongerThan255BytesRoundTripsAndCompares) {
    const std::string big(100000, 'x');
    const std::string params = R"(["big", ")" + big + R"("])";
    ASSERT_EQ(run("INSERT INTO items (k, note) VALUES (?, ?)", params), OH_STATUS_OK) << error;
    ASSERT_EQ(run("SELECT k, note FROM items WHERE note = ?", R"([")" + big + R"("])"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, R"([{"k":"big","note":")" + big + R"("}])");
}

TEST_P(DatabaseExtensionTest, ReportsChangedRowsOfUpdatesAndDeletes) {
    ASSERT_EQ(run("INSERT INTO items (k, n) VALUES ('a', 1), ('b', 1), ('c', 2)"), OH_STATUS_OK) << error;
    ASSERT_EQ(run("UPDATE items SET n = n + 10 WHERE n = ?", "[1]"), OH_STATUS_OK) << error;
    EXPECT_EQ(changed, 2);
    ASSERT_EQ(run("UPDATE items SET n = 0 WHERE k = ?", R"(["zz"])"), OH_STATUS_OK) << error;
    EXPECT_EQ(changed, 0);
    ASSERT_EQ(run("DELETE FROM items WHERE k <> ?", R"(["a"])"), OH_STATUS_OK) << error;
    EXPECT_EQ(changed, 2);
}

TEST_P(DatabaseExtensionTest, AnSqlErrorNamesTheDatasourceAndTheDriverAndLeavesTheTransactionUsable) {
    ASSERT_EQ(run("INSERT INTO items (k) VALUES ('kept')"), OH_STATUS_OK) << error;
    EXPECT_EQ(run("SELECT * FROM no_such_table"), OH_STATUS_INTERNAL_ERROR);
    EXPECT_NE(error.find("datasource 'orderhost'"), std::string::npos) << error;
    EXPECT_NE(error.find("no_such_table"), std::string::npos) << error;
    EXPECT_EQ(ctx_.error, error) << "reported with report_error too";
    ASSERT_EQ(run("INSERT INTO items (k) VALUES ('after')"), OH_STATUS_OK) << error;
    tx_->commit();
    EXPECT_EQ(count(*db_, "items"), 2);
}

TEST_P(DatabaseExtensionTest, RefusesParametersThatAreNotAFlatArrayOfScalars) {
    EXPECT_EQ(run("SELECT ? AS x", "[1.5]"), OH_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(error.find("params_json[0] is a number"), std::string::npos) << error;
    EXPECT_EQ(run("SELECT ? AS x", R"({"a":1})"), OH_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(run("SELECT ? AS x", "[[1]]"), OH_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(run("SELECT ? AS x", "[1, 2]"), OH_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(error.find("1 '?' placeholders but params_json has 2"), std::string::npos) << error;
}

TEST_P(DatabaseExtensionTest, AnUnknownDatasourceIsNotFoundAndTheMessageListsTheConfiguredOnes) {
    EXPECT_EQ(run("SELECT 1 AS one", "[]", "erp"), OH_STATUS_NOT_FOUND);
    EXPECT_EQ(error, "orderhost.db: datasource 'erp': unknown datasource 'erp' (configured: orderhost, side)");
}

TEST_P(DatabaseExtensionTest, ANamedDatasourceRunsInAutocommitOutsideTheStepTransaction) {
    exec(*sources_->find("side"), "CREATE TABLE notes (id BIGINT PRIMARY KEY, text VARCHAR(100))");
    ASSERT_EQ(run("INSERT INTO notes (id, text) VALUES (?, ?)", R"([7, "hello"])", "side"), OH_STATUS_OK) << error;
    EXPECT_EQ(changed, 1);
    tx_->rollback();  // the step failed: the named datasource's write stays
    EXPECT_EQ(count(*sources_->find("side"), "notes"), 1);
    EXPECT_FALSE(tx_->isOpen()) << "the host database was never touched";
}

// A datasource statement that fails because its connection is unusable (here: PostgreSQL
// ended the backend) discards that connection, so the next statement gets a fresh one; one that
// fails for its own sake (no such table) keeps it.
TEST_P(DatabaseExtensionTest, ANamedDatasourceConnectionLeftUnusableIsDiscarded) {
    if (!database_->isPostgreSQL()) GTEST_SKIP() << "ends a PostgreSQL backend";
    store::Datasources sources(
        *db_, std::map<std::string, store::DatasourceConfig>{{"remote", {database_->connectionString(), 1}}});
    ctx_.datasources = &sources;
    store::Database& remote = *sources.find("remote");
    EXPECT_EQ(run("SELECT nothing FROM no_such_table", "[]", "remote"), OH_STATUS_INTERNAL_ERROR);
    EXPECT_EQ(remote.discardedConnections(), 0u) << "a bad statement leaves the connection usable";
    ASSERT_EQ(run("SELECT pg_backend_pid() AS pid", "[]", "remote"), OH_STATUS_OK) << error;
    const std::string pid = rows.substr(rows.find(':') + 1, rows.find('}') - rows.find(':') - 1);
    {
        Poco::Data::Session admin = db_->session();
        bool ended = false;
        admin << "SELECT pg_terminate_backend(" + pid + ")", into(ended), now;
        ASSERT_TRUE(ended) << rows;
    }
    // pg_terminate_backend only signals: wait until the backend is gone.
    for (int waited = 0, alive = 1; alive != 0 && waited < 100; ++waited) {
        Poco::Data::Session admin = db_->session();
        admin << "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = " + pid, into(alive), now;
        if (alive != 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_NE(run("SELECT 1 AS one", "[]", "remote"), OH_STATUS_OK) << "its backend is gone";
    EXPECT_EQ(remote.discardedConnections(), 1u) << "the dead connection went back to the pool";
    EXPECT_EQ(run("SELECT 1 AS one", "[]", "remote"), OH_STATUS_OK) << error;
    ctx_.datasources = sources_.get();
}

TEST_P(DatabaseExtensionTest, IsUnavailableOutsideRunAndCompensate) {
    ctx_.order = nullptr;  // what create() gets
    EXPECT_EQ(run("SELECT 1 AS one"), OH_STATUS_UNAVAILABLE);
    EXPECT_NE(error.find("only in run() and compensate()"), std::string::npos) << error;
}

TEST_P(DatabaseExtensionTest, RefusesResultsAboveTheRowLimit) {
    const std::string many = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
                             std::to_string(OH_DB_MAX_ROWS + 1) + ") SELECT i FROM n";
    EXPECT_EQ(run(many), OH_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(error.find("more than 10000 rows"), std::string::npos) << error;
}

TEST_P(DatabaseExtensionTest, IsOfferedThroughGetExtension) {
    EXPECT_EQ(hostServices().get_extension(OH_EXT_DB), &databaseExtension());
    EXPECT_EQ(hostServices().get_extension("orderhost.db/2"), nullptr);
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseExtensionTest, ::testing::ValuesIn(testing::testBackends()),
                         testing::backendName);

}  // namespace
}  // namespace orderhost::services
