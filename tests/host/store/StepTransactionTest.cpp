// The step transaction and the checkpoint that commits it, on every backend.
#include "host/store/StepTransaction.h"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "host/store/OrderStore.h"
#include "tests/host/store/StoreTestSupport.h"

using namespace Poco::Data::Keywords;
using namespace std::chrono_literals;

namespace orderhost::store::testing {
namespace {

using StepTransactionTest = StoreTest;

// A plugin whose first statement is a read (the sourcing step reads first), while another
// order commits: on SQLite the checkpoint's UPDATE would have to upgrade a stale read snapshot
// and fails with SQLITE_BUSY_SNAPSHOT, which no busy timeout covers (issue 8, finding 3).
// The step transaction takes the write lock as it begins, so the other writer waits instead.
TEST_P(StepTransactionTest, ACheckpointAfterAReadCommitsWhileAnotherOrderWrites) {
    auto db = open();
    OrderStore store(*db);
    OrderRecord order = sampleOrder("R-read-first");
    ASSERT_EQ(store.insertOrder(order), InsertResult::Inserted);

    StepTransaction tx(*db);
    int count = 0;
    tx.session() << "SELECT COUNT(*) FROM orders", into(count), now;  // the plugin's read
    ASSERT_EQ(count, 1);
    std::thread other([&] { EXPECT_EQ(store.insertOrder(sampleOrder("R-other")), InsertResult::Inserted); });
    std::this_thread::sleep_for(300ms);  // time enough for the other order to commit, if it may

    OrderRecord next = order;
    next.state = "validated";
    next.currentStep = 1;
    CheckpointExtras extras;
    extras.transaction = &tx;
    const auto started = std::chrono::steady_clock::now();
    EXPECT_NO_THROW(store.recordStep(next, order.state, sampleRun("validate"), extras));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s) << "the checkpoint waited for a lock it should hold";
    other.join();
    EXPECT_EQ(store.findById(order.id).value().state, "validated");
    EXPECT_TRUE(store.findByRef("R-other").has_value());
}

// On SQLite the lock is held from begin to commit or rollback: another writer waits for it.
// A batch's checkpoints after its first may leave the order row to a later write in the same
// transaction (orderWriteDeferred, then writeOrder): the step runs go in at the commit, the row
// as the last write has it, under the same guard — a guard that no longer holds refuses the write and
// rolls everything back.
TEST_P(StepTransactionTest, ADeferredOrderRowIsWrittenByWriteOrderUnderTheSameGuard) {
    auto db = open();
    OrderStore store(*db);
    OrderRecord order = leasedOrder("R-deferred", "host-a", 3);
    ASSERT_EQ(store.insertOrder(order), InsertResult::Inserted);
    CheckpointExtras extras = guardOf(order);
    extras.keepOpen = true;
    extras.orderWriteDeferred = true;

    StepTransaction tx(*db);
    extras.transaction = &tx;
    OrderRecord next = order;
    next.currentStep = 2;
    next.document = R"({"after":"two steps"})";
    ASSERT_NO_THROW(store.recordStep(next, "in_progress", sampleRun("first"), extras));
    ASSERT_NO_THROW(store.recordStep(next, "in_progress", sampleRun("second"), extras));
    store.writeOrder(next, "in_progress", extras);
    tx.commit();
    EXPECT_EQ(store.findById(order.id)->document, next.document);
    EXPECT_EQ(store.findById(order.id)->currentStep, 2);
    EXPECT_EQ(store.stepRuns(order.id).size(), 2u);

    // Another host took the order (epoch 4): the deferred write is refused, nothing commits.
    {
        Poco::Data::Session s = db->session();
        s << "UPDATE orders SET lease_owner = 'host-b', lease_epoch = 4 WHERE id = ?", bind(order.id), now;
    }
    StepTransaction late(*db);
    extras.transaction = &late;
    OrderRecord third = next;
    third.currentStep = 3;
    ASSERT_NO_THROW(store.recordStep(third, "in_progress", sampleRun("third"), extras));
    EXPECT_THROW(store.writeOrder(third, "in_progress", extras), StaleOrderError);
    EXPECT_FALSE(late.isOpen()) << "rolled back";
    EXPECT_EQ(store.stepRuns(order.id).size(), 2u) << "the third step run went with the refused write";
    EXPECT_EQ(store.findById(order.id)->currentStep, 2);

    // Deferring outside a transaction kept open is refused outright.
    CheckpointExtras alone;
    alone.orderWriteDeferred = true;
    EXPECT_THROW(store.recordStep(third, "in_progress", sampleRun("x"), alone), StoreError);
}

TEST_P(StepTransactionTest, OnSqliteTheWriteLockIsTakenAtBeginAndReleasedAtRollback) {
    if (!GetParam().connectionString.empty()) GTEST_SKIP() << "PostgreSQL locks rows, not the database";
    auto db = open();
    OrderStore store(*db);
    auto tx = std::make_unique<StepTransaction>(*db);
    tx->session();
    const auto started = std::chrono::steady_clock::now();
    std::thread other([&] { EXPECT_EQ(store.insertOrder(sampleOrder("R-waits")), InsertResult::Inserted); });
    std::this_thread::sleep_for(300ms);
    EXPECT_FALSE(store.findByRef("R-waits").has_value()) << "another writer committed inside the step transaction";
    tx->rollback();
    other.join();
    EXPECT_GE(std::chrono::steady_clock::now() - started, 300ms);
    EXPECT_TRUE(store.findByRef("R-waits").has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, StepTransactionTest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::store::testing
