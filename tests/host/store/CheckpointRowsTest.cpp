// A step transaction's step runs and events, written at its commit in multi-row INSERTs
// (CheckpointRows.h), on every backend: numbered and ordered as if written one by one.
#include "host/store/CheckpointRows.h"

#include <gtest/gtest.h>

#include "host/store/OrderStore.h"
#include "host/store/Outbox.h"
#include "host/store/PreparedStatements.h"
#include "tests/host/store/StoreTestSupport.h"

using namespace Poco::Data::Keywords;

namespace orderhost::store::testing {
namespace {

using CheckpointRowsTest = StoreTest;

OutboxEvent eventOf(const std::string& orderId, const std::string& type) {
    return {0, orderId, type, R"({"type":")" + type + R"("})", 1764000002000};
}

// 2 runs committed alone, then a batch of 20 checkpoints (more than one statement's rows), each
// with an event or two: seq 1..22 in the order the steps ran, events in the order emitted.
TEST_P(CheckpointRowsTest, ABatchsRowsAreNumberedAndOrderedAsIfWrittenOneByOne) {
    DatabaseOptions one;
    one.maxSessions = 1;  // one connection: the statements it keeps can be looked at
    auto db = open(one);
    OrderStore store(*db);
    OrderRecord order = leasedOrder("R-rows", "host-a", 1);
    ASSERT_EQ(store.insertOrder(order), InsertResult::Inserted);
    const CheckpointExtras alone = guardOf(order);
    store.recordStep(order, "in_progress", sampleRun("before-1"), alone);
    store.recordStep(order, "in_progress", sampleRun("before-2"), alone);

    StepTransaction tx(*db);
    CheckpointExtras extras = alone;
    extras.transaction = &tx;
    std::vector<std::string> expectedTypes;
    for (int i = 1; i <= 20; ++i) {
        extras.keepOpen = i < 20;
        extras.orderWriteDeferred = i > 1 && i < 20;
        extras.events = {eventOf(order.id, "step." + std::to_string(i))};
        if (i % 3 == 0) extras.events.push_back(eventOf(order.id, "step." + std::to_string(i) + ".extra"));
        for (const OutboxEvent& e : extras.events) expectedTypes.push_back(e.type);
        StepRunRecord run = sampleRun("batched-" + std::to_string(i));
        run.stepIndex = i;
        run.message = std::string(300 + i, 'm');  // over SQLite's 255-byte bind limit for plain text
        ASSERT_NO_THROW(store.recordStep(order, "in_progress", run, extras)) << i;
        if (i == 10) {  // not even the transaction itself sees them before its commit
            int inside = -1;
            tx.session() << "SELECT COUNT(*) FROM step_runs WHERE order_id = ?", bind(order.id), into(inside), now;
            EXPECT_EQ(inside, 2) << "the batch's step runs were written before the commit";
        }
    }
    EXPECT_FALSE(tx.isOpen()) << "the last checkpoint committed";

    {  // 20 runs: a statement of 16 rows and one of 4; 26 events: 16 and 10
        Poco::Data::Session s = db->session();
        PreparedStatements* kept = PreparedStatements::of(s);
        ASSERT_NE(kept, nullptr);
        EXPECT_TRUE(kept->has("odbc:step runs insert 16"));
        EXPECT_TRUE(kept->has("odbc:step runs insert 4"));
        EXPECT_TRUE(kept->has("odbc:outbox insert 16"));
        EXPECT_TRUE(kept->has("odbc:outbox insert 10"));
    }
    const std::vector<StepRunRecord> runs = store.stepRuns(order.id);
    ASSERT_EQ(runs.size(), 22u);
    for (std::size_t i = 0; i < runs.size(); ++i) {
        EXPECT_EQ(runs[i].seq, static_cast<int>(i) + 1);
        EXPECT_EQ(runs[i].stepName, i < 2 ? "before-" + std::to_string(i + 1) : "batched-" + std::to_string(i - 1));
        if (i >= 2) {
            EXPECT_EQ(runs[i].stepIndex, static_cast<int>(i) - 1);
            EXPECT_EQ(runs[i].message, std::string(300 + i - 1, 'm'));
            EXPECT_EQ(runs[i].attempt, 2);
            EXPECT_EQ(runs[i].finishedAtMs, 1764000001250);
        }
    }
    const std::vector<OutboxEvent> events = OutboxReader(*db).eventsOfOrder(order.id, 100);
    ASSERT_EQ(events.size(), expectedTypes.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
        EXPECT_EQ(events[i].type, expectedTypes[i]) << i;
        EXPECT_EQ(events[i].payloadJson, R"({"type":")" + expectedTypes[i] + R"("})");
        if (i > 0) {
            EXPECT_GT(events[i].id, events[i - 1].id);
        }
    }
}

// A rolled-back transaction writes none of its deferred rows, and the next one on the same
// connection starts with none left over.
TEST_P(CheckpointRowsTest, ARollbackDropsTheDeferredRows) {
    auto db = open();
    OrderStore store(*db);
    OrderRecord order = sampleOrder("R-dropped");
    ASSERT_EQ(store.insertOrder(order), InsertResult::Inserted);
    CheckpointExtras extras;
    {
        StepTransaction tx(*db);
        extras.transaction = &tx;
        extras.keepOpen = true;
        extras.events = {eventOf(order.id, "dropped")};
        store.recordStep(order, order.state, sampleRun("dropped"), extras);
        tx.rollback();
        extras.keepOpen = false;
        extras.events = {eventOf(order.id, "kept")};
        store.recordStep(order, order.state, sampleRun("kept"), extras);  // begins anew, commits
    }
    const std::vector<StepRunRecord> runs = store.stepRuns(order.id);
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].stepName, "kept");
    EXPECT_EQ(runs[0].seq, 1);
    const std::vector<OutboxEvent> events = OutboxReader(*db).eventsOfOrder(order.id, 10);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].type, "kept");
}

// Written early (the host reads the step runs inside the transaction), they are seen there and
// not written again by the commit, which writes only what came after.
TEST_P(CheckpointRowsTest, RowsWrittenEarlyAreSeenInsideAndWrittenOnce) {
    auto db = open();
    OrderStore store(*db);
    OrderRecord order = sampleOrder("R-early");
    ASSERT_EQ(store.insertOrder(order), InsertResult::Inserted);
    StepTransaction tx(*db);
    CheckpointExtras extras;
    extras.transaction = &tx;
    extras.keepOpen = true;
    store.recordStep(order, order.state, sampleRun("one"), extras);
    store.recordStep(order, order.state, sampleRun("two"), extras);
    tx.writeDeferredRows();
    int inside = -1;
    tx.session() << "SELECT COUNT(*) FROM step_runs WHERE order_id = ?", bind(order.id), into(inside), now;
    EXPECT_EQ(inside, 2);
    extras.keepOpen = false;
    store.recordStep(order, order.state, sampleRun("three"), extras);
    const std::vector<StepRunRecord> runs = store.stepRuns(order.id);
    ASSERT_EQ(runs.size(), 3u);
    EXPECT_EQ(runs[2].stepName, "three");
    EXPECT_EQ(runs[2].seq, 3);
}

// A bad event is refused at the checkpoint that emitted it, not later at the commit.
TEST_P(CheckpointRowsTest, ABadEventIsRefusedAtItsCheckpoint) {
    auto db = open();
    OrderStore store(*db);
    OrderRecord order = sampleOrder("R-bad-event");
    ASSERT_EQ(store.insertOrder(order), InsertResult::Inserted);
    StepTransaction tx(*db);
    CheckpointExtras extras;
    extras.transaction = &tx;
    extras.keepOpen = true;
    extras.events = {eventOf(order.id, std::string(65, 't'))};
    EXPECT_THROW(store.recordStep(order, order.state, sampleRun("bad"), extras), StoreError);
    EXPECT_FALSE(tx.isOpen()) << "rolled back";
    EXPECT_TRUE(store.stepRuns(order.id).empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, CheckpointRowsTest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::store::testing
