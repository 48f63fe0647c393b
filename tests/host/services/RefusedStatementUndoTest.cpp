// Two ways a plugin statement can leave the step's transaction other than it reported, and
// what the host does about each:
// - the statement ran, then the host refused its result (more rows than OH_DB_MAX_ROWS): its
//   writes are undone as a failed statement's are, and the connection serves on;
// - the database rolled the whole transaction back while failing one statement (SQLite may on
//   SQLITE_FULL, IOERR, BUSY or NOMEM; RAISE(ROLLBACK) in a trigger always does): the step must
//   then not commit, and no later statement of the plugin may run outside a transaction.
#include "tests/host/services/DatabaseExtensionFixture.h"

namespace orderhost::services {
namespace {

using RefusedStatementUndoTest = DatabaseExtensionTest;

const std::string kManyRows = std::to_string(OH_DB_MAX_ROWS + 5);

TEST_P(RefusedStatementUndoTest, AWriteRefusedForItsManyReturnedRowsChangesNothingAndTheStepServesOn) {
    exec(*db_, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < " + kManyRows +
                   ") INSERT INTO items (k, n, flag) SELECT 'k' || x, x, 0 FROM c");
    ASSERT_EQ(run("INSERT INTO items (k, n, flag) VALUES ('before', 1, 0)"), OH_STATUS_OK) << error;
    EXPECT_EQ(run("UPDATE items SET flag = 1 WHERE n >= ? RETURNING k", "[1]"), OH_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(error.find("more than " + std::to_string(OH_DB_MAX_ROWS) + " rows"), std::string::npos) << error;
    EXPECT_FALSE(tx_->doomed()) << "undone alone, as a failed statement is";
    ASSERT_EQ(run("SELECT COUNT(*) AS c FROM items WHERE flag = ?", "[1]"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, R"([{"c":0}])") << "the refused UPDATE's rows are undone inside the step too";
    ASSERT_EQ(run("UPDATE items SET flag = 2 WHERE k = ? RETURNING k", R"(["before"])"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, R"([{"k":"before"}])");
    ASSERT_EQ(run("INSERT INTO items (k, n, flag) VALUES ('after', 2, 0)"), OH_STATUS_OK) << error;
    tx_->commit();
    Poco::Data::Session s = db_->session();
    int flagged = -1, total = -1;
    s << "SELECT COUNT(*) FROM items WHERE flag = 1", into(flagged), now;
    s << "SELECT COUNT(*) FROM items", into(total), now;
    EXPECT_EQ(flagged, 0);
    EXPECT_EQ(total, OH_DB_MAX_ROWS + 5 + 2) << "before and after committed with the step";
}

// psqlODBC's own statement-level rollback (Protocol=7.4-2) releases its savepoint once the
// database ran the statement: the host's savepoint undoes the refused write there too.
TEST_P(RefusedStatementUndoTest, UnderTheDriversStatementRollbackARefusedWriteChangesNothingEither) {
    if (!database_->isPostgreSQL()) GTEST_SKIP() << "a psqlODBC setting";
    exec(*db_, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < " + kManyRows +
                   ") INSERT INTO items (k, n, flag) SELECT 'k' || x, x, 0 FROM c");
    store::Database db(database_->connectionString() + "Protocol=7.4-2;");
    store::StepTransaction tx(db);
    ctx_.transaction = &tx;
    EXPECT_EQ(run("UPDATE items SET flag = 1 WHERE n >= ? RETURNING k", "[1]"), OH_STATUS_INVALID_ARGUMENT);
    ASSERT_EQ(run("INSERT INTO items (k, n, flag) VALUES ('after', 2, 0)"), OH_STATUS_OK) << error;
    tx.commit();
    ctx_.transaction = tx_.get();
    Poco::Data::Session s = db.session();
    int flagged = -1;
    s << "SELECT COUNT(*) FROM items WHERE flag = 1", into(flagged), now;
    EXPECT_EQ(flagged, 0);
    EXPECT_EQ(count(db, "items"), OH_DB_MAX_ROWS + 5 + 1);
}

TEST_P(RefusedStatementUndoTest, AStatementThatRolledTheWholeTransactionBackDoomsTheStep) {
    if (database_->isPostgreSQL()) GTEST_SKIP() << "PostgreSQL never ends a transaction inside a statement";
    exec(*db_,
         "CREATE TRIGGER boom BEFORE INSERT ON items WHEN NEW.k = 'boom' BEGIN SELECT RAISE(ROLLBACK, 'boom'); END");
    ASSERT_EQ(run("INSERT INTO items (k, n) VALUES ('before', 1)"), OH_STATUS_OK) << error;
    EXPECT_EQ(run("INSERT INTO items (k, n) VALUES ('boom', 2)"), OH_STATUS_INTERNAL_ERROR);
    EXPECT_TRUE(tx_->doomed()) << "the statements before it are gone: the step must not commit";
    EXPECT_NE(run("INSERT INTO items (k, n) VALUES ('after', 3)"), OH_STATUS_OK)
        << "would run outside any transaction, committed at once";
    EXPECT_NE(error.find("nothing of the step is committed"), std::string::npos) << error;
    EXPECT_THROW(tx_->commit(), store::StoreError);
    EXPECT_EQ(count(*db_, "items"), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, RefusedStatementUndoTest, ::testing::ValuesIn(testing::testBackends()),
                         testing::backendName);

}  // namespace
}  // namespace orderhost::services
