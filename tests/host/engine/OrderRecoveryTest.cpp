// Crash recovery in the background (issue 12): the orders a previous run left are listed
// before this run can claim any, then each is claimed (fenced by the epoch it was listed
// with) just before it runs, a few at a time; a stop leaves the ones not started untouched.
// Real databases, both backends, the scripted plugin through the real loader.
#include "tests/host/engine/EngineTestFixture.h"

#include "host/engine/OrderRecovery.h"

#include <chrono>
#include <thread>

namespace orderhost::engine {
namespace {

using OrderRecoveryTest = ChainRunnerTest;

const std::vector<std::string> kRunning{states::kReceived, states::kInProgress, states::kCompensating};

TEST_P(OrderRecoveryTest, AListedOrderIsClaimedOnlyIfNobodyClaimedItSince) {
    const auto mine = leftBy("test-host", 100000, "1");
    const auto dead = leftBy("host-dead", 10, "2");
    leftBy("host-a", 100000, "3");  // another live host's: not listed
    const auto listed = store_->listReclaimable(kRunning, "test-host", 50, {"test-chain"});
    ASSERT_EQ(listed.size(), 2u);
    EXPECT_EQ(listed[0].id, dead.id);  // oldest lease first
    EXPECT_EQ(listed[1].id, mine.id);

    // Since the listing, this run (its poller, a request) claimed `mine`: it is not taken from it.
    const auto ours = store_->claim(mine.id, states::kInProgress, states::kInProgress, "test-host", 200000, 50);
    ASSERT_TRUE(ours);
    EXPECT_FALSE(store_->claimListed(mine.id, listed[1].leaseEpoch, kRunning, "test-host", 300000, 60));
    EXPECT_EQ(store_->findById(mine.id)->leaseEpoch, *ours);

    const auto claimed = store_->claimListed(dead.id, listed[0].leaseEpoch, kRunning, "test-host", 300000, 60);
    ASSERT_TRUE(claimed);
    const auto after = store_->findById(dead.id).value();
    EXPECT_EQ(after.leaseEpoch, *claimed);
    EXPECT_EQ(after.leaseOwner, "test-host");
    EXPECT_EQ(after.callsPending, listed[0].callsPending + 1);  // the crash breaker's count
    EXPECT_FALSE(store_->claimListed(dead.id, listed[0].leaseEpoch, kRunning, "test-host", 300000, 60));
}

TEST_P(OrderRecoveryTest, ResumesEveryListedOrderSeveralAtATime) {
    std::vector<std::string> ids;
    for (int i = 0; i < 6; ++i) ids.push_back(leftBy("test-host", 100000, std::to_string(10 + i)).id);
    const RecoveryReport report = resumeUnfinishedOrders(*engine_, 4);
    EXPECT_EQ(report.resumed, 6u);
    EXPECT_EQ(report.skipped + report.takenOver + report.notStarted, 0u);
    for (const auto& id : ids) {
        EXPECT_EQ(store_->findById(id)->state, states::kCompleted) << id;
        EXPECT_EQ(store_->findById(id)->document, R"({"trace":["a#1","b#1"]})") << id;
    }
}

TEST_P(OrderRecoveryTest, AStopLeavesTheOrdersNotStartedAsThePreviousRunLeftThem) {
    std::vector<std::string> ids;
    for (int i = 0; i < 6; ++i)
        ids.push_back(leftBy("test-host", 100000, std::to_string(20 + i), R"({"sleep_ms":400})", 1).id);
    OrderRecovery recovery(*engine_, 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    recovery.close();  // two at most are in their 400 ms step
    recovery.stop();
    const RecoveryReport report = recovery.wait();
    EXPECT_EQ(recovery.left(), 0u);
    EXPECT_LE(report.resumed, 2u);
    EXPECT_EQ(report.resumed + report.notStarted, 6u);
    std::size_t untouched = 0;
    for (const auto& id : ids) {
        const auto order = store_->findById(id).value();
        if (order.state == states::kCompleted) continue;
        ++untouched;
        EXPECT_EQ(order.state, states::kInProgress) << id;
        EXPECT_EQ(order.leaseEpoch, 0) << id << " was claimed, though it never started";
        EXPECT_EQ(order.callsPending, 1) << id << ": the crash breaker would count a call that never started";
    }
    EXPECT_EQ(untouched, report.notStarted);
}

// Orders with a call that already died with a host (calls_pending above 1) may crash the host
// again: they run after the others and one at a time, so a crash counts against its own order.
TEST_P(OrderRecoveryTest, OrdersWhoseCallsDiedWithAHostRunLastAndAlone) {
    for (int i = 0; i < 2; ++i) leftBy("test-host", 100000, std::to_string(30 + i), R"({"sleep_ms":300})", 1);
    for (int i = 0; i < 2; ++i) leftBy("test-host", 100000, std::to_string(40 + i), R"({"sleep_ms":300})", 2);
    const auto started = std::chrono::steady_clock::now();
    const RecoveryReport report = resumeUnfinishedOrders(*engine_, 4);
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(report.resumed, 4u);
    // Together 300 ms; the two suspects after the others and one after the other: 900 ms.
    EXPECT_GE(took, std::chrono::milliseconds(850));
}

INSTANTIATE_TEST_SUITE_P(Backends, OrderRecoveryTest, ::testing::ValuesIn(testing::testBackends()),
                         testing::backendName);

}  // namespace
}  // namespace orderhost::engine
