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
