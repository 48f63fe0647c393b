// A plugin statement that fails inside the step's transaction undoes only itself, whatever
// rollback level psqlODBC runs with: the host's default (Protocol=7.4-0, the host's savepoint
// around each plugin statement), the driver's own statement-level rollback (7.4-2), or
// transaction-level rollback (7.4-1), where the step must then not commit at all.
#include "tests/host/services/DatabaseExtensionFixture.h"

#include "host/store/OrderStore.h"

namespace orderhost::services {
namespace {

// An order leased to "host-a" (epoch 1), as the engine holds one while it runs a step.
store::OrderRecord leasedOrder() {
    store::OrderRecord o;
    o.id = "o-undo";
    o.orderRef = "R-undo";
    o.chain = "placement";
    o.chainVersion = 1;
    o.state = "validating";
    o.document = R"({"order_ref":"R-undo"})";
    o.requestHash = "h";
    o.createdAtMs = o.updatedAtMs = 1000;
    o.leaseOwner = "host-a";
    o.leaseUntilMs = 9'000'000'000'000;
    o.leaseEpoch = 1;
    return o;
}

store::StepRunRecord runOf(const std::string& step) {
    store::StepRunRecord r;
    r.stepName = step;
    r.pluginId = "test.plugin";
    r.stepKind = "validation";
    r.outcome = "continue";
    r.chain = "placement";
    r.stepIndex = 0;
    return r;
}

// The checkpoint of step 0 ("validate"), written in the step's transaction `tx` under host-a's
// lease as the engine writes it; keepOpen leaves the transaction open for the next step.
void checkpoint(store::OrderStore& orders, const store::OrderRecord& order, store::StepTransaction& tx, bool keepOpen) {
    store::OrderRecord next = order;
    next.state = "validated";
    next.currentStep = 1;
    store::CheckpointExtras extras;
    extras.expectedLeaseOwner = "host-a";
    extras.expectedLeaseEpoch = 1;
    extras.transaction = &tx;
    extras.keepOpen = keepOpen;
    orders.recordStep(next, order.state, runOf("validate"), extras);
}

// The statement fails on its second row: the first row it wrote must go too, while the
// plugin's statements before and after it and the checkpoint commit together.
TEST_P(DatabaseExtensionTest, AFailedPluginStatementUndoesOnlyItselfAndTheCheckpointCommitsTheRest) {
    store::OrderStore orders(*db_);
    store::OrderRecord order = leasedOrder();
    ASSERT_EQ(orders.insertOrder(order), store::InsertResult::Inserted);

    ASSERT_EQ(run("INSERT INTO items (k, n) VALUES ('before', 1)"), OH_STATUS_OK) << error;
    EXPECT_EQ(run("INSERT INTO items (k, n) VALUES ('half', 2), ('before', 3)"), OH_STATUS_INTERNAL_ERROR);
    EXPECT_FALSE(tx_->doomed()) << error;
    ASSERT_EQ(run("UPDATE items SET n = 10 WHERE k = 'before'"), OH_STATUS_OK) << error;
    ASSERT_EQ(run("INSERT INTO items (k, n) VALUES ('after', 4)"), OH_STATUS_OK) << error;
    EXPECT_EQ(run("SELECT nothing FROM no_such_table"), OH_STATUS_INTERNAL_ERROR) << "a second failure, a read";
    ASSERT_EQ(run("SELECT k, n FROM items ORDER BY k"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, R"([{"k":"after","n":4},{"k":"before","n":10}])");

    ASSERT_NO_THROW(checkpoint(orders, order, *tx_, false));

    EXPECT_EQ(count(*db_, "items"), 2);
    int tens = 0;
    Poco::Data::Session s = db_->session();
    s << "SELECT COUNT(*) FROM items WHERE k = 'before' AND n = 10", into(tens), now;
    EXPECT_EQ(tens, 1);
    EXPECT_EQ(orders.findById(order.id).value().state, "validated");
    EXPECT_EQ(orders.stepRuns(order.id).size(), 1u);
}

// After a read the host sets no new savepoint (the standing one still marks the transaction
// as it is); after the host's own write (a checkpoint of steps committed together) it must.
// A failure then undoes only itself, never the statements or the checkpoint before the read.
TEST_P(DatabaseExtensionTest, AfterAReadOrACheckpointAFailedStatementStillUndoesOnlyItself) {
    store::OrderStore orders(*db_);
    store::OrderRecord order = leasedOrder();
    ASSERT_EQ(orders.insertOrder(order), store::InsertResult::Inserted);

    ASSERT_EQ(run("INSERT INTO items (k, n) VALUES ('kept', 1)"), OH_STATUS_OK) << error;
    ASSERT_EQ(run("SELECT COUNT(*) AS c FROM items WHERE n IN (1, 2)"), OH_STATUS_OK) << error;
    EXPECT_EQ(run("INSERT INTO items (k, n) VALUES ('half', 2), ('kept', 3)"), OH_STATUS_INTERNAL_ERROR);
    EXPECT_EQ(run("SELECT nothing FROM no_such_table"), OH_STATUS_INTERNAL_ERROR) << "a failure right after one";
    ASSERT_EQ(run("UPDATE items SET n = 5 WHERE k = 'kept'"), OH_STATUS_OK) << error;
    ASSERT_EQ(run("SELECT n FROM items"), OH_STATUS_OK) << error;  // the step's last statement

    ASSERT_NO_THROW(checkpoint(orders, order, *tx_, true));  // the next step runs in the same transaction
    EXPECT_EQ(run("INSERT INTO items (k, n) VALUES ('kept', 6)"), OH_STATUS_INTERNAL_ERROR);  // the next step's
    EXPECT_FALSE(tx_->doomed()) << error;
    tx_->commit();

    EXPECT_EQ(count(*db_, "items"), 1);
    int fives = 0;
    Poco::Data::Session s = db_->session();
    s << "SELECT COUNT(*) FROM items WHERE k = 'kept' AND n = 5", into(fives), now;
    EXPECT_EQ(fives, 1);
    EXPECT_EQ(orders.findById(order.id).value().state, "validated") << "the checkpoint was undone";
    EXPECT_EQ(orders.stepRuns(order.id).size(), 1u);
}

// Savepoints elided (a step without external effects, ChainRunner::forwardAttempt): where the
// host's savepoint is what undoes a statement (PostgreSQL), a failure now dooms the transaction
// and says so, for the runner to run the step again with savepoints. SQLite undoes the statement
// itself: nothing changes there.
TEST_P(DatabaseExtensionTest, WithSavepointsElidedAFailureDoomsTheTransactionWhereOnlyTheHostCouldUndoIt) {
    tx_->elideSavepoints(true);
    ASSERT_EQ(run("INSERT INTO items (k, n) VALUES ('kept', 1)"), OH_STATUS_OK) << error;
    EXPECT_EQ(run("INSERT INTO items (k, n) VALUES ('kept', 2)"), OH_STATUS_INTERNAL_ERROR);
    const bool hostUndoes = db_->statementUndo() == store::StatementUndo::Host;
    EXPECT_EQ(tx_->elidedStatementFailed(), hostUndoes);
    EXPECT_EQ(tx_->doomed(), hostUndoes);
    if (hostUndoes) {
        EXPECT_EQ(run("SELECT k FROM items"), OH_STATUS_INTERNAL_ERROR) << "refused in a doomed transaction";
        tx_->rollback();
        EXPECT_TRUE(tx_->elidedStatementFailed()) << "still known after the rollback (a timed-out call's)";
        tx_->elideSavepoints(false);
        ASSERT_EQ(run("INSERT INTO items (k, n) VALUES ('next', 1)"), OH_STATUS_OK) << error;
        EXPECT_FALSE(tx_->elidedStatementFailed()) << "a new transaction starts clean";
    }
}

TEST_P(DatabaseExtensionTest, TheHostUndoesPluginStatementsWhereTheDriverDoesNot) {
    EXPECT_EQ(db_->statementUndo(),
              database_->isPostgreSQL() ? store::StatementUndo::Host : store::StatementUndo::Database);
}

// Another rollback level set by the administrator in the connection string.
class RollbackLevelTest : public DatabaseExtensionTest {
protected:
    // Runs `work` with ctx_ on a database opened with `protocol` appended to the connection string.
    void withProtocol(const std::string& protocol,
                      const std::function<void(store::Database&, store::StepTransaction&)>& work) {
        if (!database_->isPostgreSQL()) GTEST_SKIP() << "a psqlODBC setting";
        store::Database db(database_->connectionString() + "Protocol=" + protocol + ";");
        store::StepTransaction tx(db);
        ctx_.transaction = &tx;
        work(db, tx);
        ctx_.transaction = tx_.get();
    }
};

TEST_P(RollbackLevelTest, WithTheDriversStatementLevelRollbackAFailedStatementUndoesOnlyItself) {
    withProtocol("7.4-2", [&](store::Database& db, store::StepTransaction& tx) {
        EXPECT_EQ(db.statementUndo(), store::StatementUndo::Driver);
        ASSERT_EQ(run("INSERT INTO items (k) VALUES ('before')"), OH_STATUS_OK) << error;
        EXPECT_EQ(run("INSERT INTO items (k) VALUES ('half'), ('before')"), OH_STATUS_INTERNAL_ERROR);
        ASSERT_EQ(run("INSERT INTO items (k) VALUES ('after')"), OH_STATUS_OK) << error;
        tx.commit();
        EXPECT_EQ(count(db, "items"), 2);
    });
}

// The driver rolled the whole transaction back when the statement failed, so the statements
// after it would commit without those before it: the step's commit is refused instead.
TEST_P(RollbackLevelTest, WithTransactionLevelRollbackAFailedStatementFailsTheStepsCommit) {
    withProtocol("7.4-1", [&](store::Database& db, store::StepTransaction& tx) {
        EXPECT_EQ(db.statementUndo(), store::StatementUndo::Nothing);
        ASSERT_EQ(run("INSERT INTO items (k) VALUES ('before')"), OH_STATUS_OK) << error;
        EXPECT_EQ(run("INSERT INTO items (k) VALUES ('before')"), OH_STATUS_INTERNAL_ERROR);
        EXPECT_TRUE(tx.doomed());
        run("INSERT INTO items (k) VALUES ('after')");
        try {
            tx.commit();
            ADD_FAILURE() << "a doomed step transaction committed";
        } catch (const store::StoreError& e) {
            EXPECT_NE(std::string(e.what()).find("nothing of the step is committed"), std::string::npos) << e.what();
        }
        EXPECT_EQ(count(db, "items"), 0);
    });
}

INSTANTIATE_TEST_SUITE_P(Backends, RollbackLevelTest, ::testing::ValuesIn(testing::testBackends()),
                         testing::backendName);

}  // namespace
}  // namespace orderhost::services
