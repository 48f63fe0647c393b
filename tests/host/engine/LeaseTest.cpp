// Leases: what lets several hosts share one database. A host runs an order only while it
// holds its lease; a lease that runs out lets another host take the order over, and the
// host that lost it can no longer write. Real databases, both backends.
#include "tests/host/engine/EngineTestFixture.h"

#include "host/engine/OrderPoller.h"
#include "host/engine/OrderRecovery.h"

#include <set>
#include <thread>

namespace orderhost::engine {
namespace {

using LeaseTest = ChainRunnerTest;

TEST_P(LeaseTest, AnUnexpiredLeaseCannotBeClaimedAnExpiredOneCan) {
    const auto order = leftBy("host-a", 1000, "1");
    EXPECT_FALSE(store_->claim(order.id, states::kInProgress, states::kInProgress, "host-b", 5000, 999));
    EXPECT_TRUE(store_->claim(order.id, states::kInProgress, states::kInProgress, "host-a", 5000, 999));  // its own
    EXPECT_TRUE(store_->claim(order.id, states::kInProgress, states::kInProgress, "host-b", 9000, 5001));
    EXPECT_EQ(store_->findById(order.id)->leaseOwner, "host-b");
}

// A request decides on the order it read; claiming "as read" (atEpoch) fails once anybody
// claimed it since, the same host included (which may always claim its own lease again), and
// while a claim made since it was read has not reached its checkpoint.
TEST_P(LeaseTest, AClaimAsReadFailsOnceTheOrderWasClaimedSinceEvenByTheSameHost) {
    const auto order = leftBy("host-a", 1000, "1");
    const int64_t read = store_->findById(order.id)->leaseEpoch;
    const auto first = store_->claim(order.id, states::kInProgress, states::kInProgress, "host-a", 5000, 999, read);
    ASSERT_TRUE(first);
    EXPECT_EQ(*first, read + 1);
    EXPECT_FALSE(store_->claim(order.id, states::kInProgress, states::kInProgress, "host-a", 5000, 999, read))
        << "a second request that read the same order lost the race";
    EXPECT_FALSE(store_->claim(order.id, states::kInProgress, states::kInProgress, "host-a", 5000, 999, read + 1))
        << "one that read it after the claim, before its checkpoint, finds a call pending under a live lease";
    EXPECT_TRUE(store_->claim(order.id, states::kInProgress, states::kInProgress, "host-b", 9000, 5001, read + 1))
        << "once that lease expired (its claimer died), the order can be claimed as read";
    EXPECT_EQ(store_->findById(order.id)->leaseEpoch, read + 2);
    EXPECT_TRUE(store_->claim(order.id, states::kInProgress, states::kInProgress, "host-b", 12000, 11000))
        << "without atEpoch, an expired lease can be claimed whatever the epoch";
    EXPECT_EQ(store_->findById(order.id)->leaseEpoch, read + 3);
}

// A claim that failed before its checkpoint is given up: its call off again, so this host's
// next request claims at once instead of waiting for the lease; the lease stays for others.
// Nothing is given up once the order was checkpointed or claimed since.
TEST_P(LeaseTest, AClaimThatFailedBeforeItsCheckpointIsGivenUpSoTheNextRequestNeedNotWait) {
    const auto order = leftBy("host-a", 1000, "1");
    const int64_t read = store_->findById(order.id)->leaseEpoch;
    const auto claimed = store_->claim(order.id, states::kInProgress, states::kInProgress, "host-a", 5000, 999, read);
    ASSERT_TRUE(claimed);
    EXPECT_FALSE(store_->uncountCall(order.id, "host-a", read, states::kInProgress)) << "an older epoch's claim";
    EXPECT_FALSE(store_->uncountCall(order.id, "host-a", *claimed, states::kOnHold)) << "in another state";
    EXPECT_TRUE(store_->uncountCall(order.id, "host-a", *claimed, states::kInProgress));
    EXPECT_FALSE(store_->uncountCall(order.id, "host-a", *claimed, states::kInProgress)) << "given up once";
    const auto stored = store_->findById(order.id);
    EXPECT_EQ(stored->callsPending, 0);
    EXPECT_EQ(stored->leaseOwner, "host-a");
    EXPECT_EQ(stored->leaseUntilMs, 5000) << "the lease stays";
    EXPECT_FALSE(store_->claim(order.id, states::kInProgress, states::kInProgress, "host-b", 9000, 1000, *claimed))
        << "another host still waits for the lease";
    EXPECT_TRUE(store_->claim(order.id, states::kInProgress, states::kInProgress, "host-a", 5000, 1000, *claimed))
        << "this host's next request claims at once";
}

TEST_P(LeaseTest, TheHostThatLostItsLeaseCannotWriteAnyMore) {
    auto order = leftBy("host-a", 1000, "2");
    ASSERT_TRUE(store_->claim(order.id, states::kInProgress, states::kInProgress, "host-b", 9000, 2000));
    store::OrderRecord late = order;
    late.currentStep = 2;
    late.state = states::kCompleted;
    store::StepRunRecord run;
    run.stepName = "b";
    run.outcome = "continue";
    store::CheckpointExtras extras;
    extras.expectedLeaseOwner = "host-a";
    try {
        store_->recordStep(late, states::kInProgress, run, extras);
        FAIL() << "a host without the lease wrote a checkpoint";
    } catch (const store::StaleOrderError& e) {
        EXPECT_NE(std::string(e.what()).find("held by 'host-b', not by 'host-a'"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(store_->stepRuns(order.id).empty());
}

TEST_P(LeaseTest, ThePollerTakesOverOrdersWhoseLeaseExpired) {
    const auto live = leftBy("host-a", 100000, "3");
    const auto dead = leftBy("host-dead", 100, "4");
    now_ = 1000;
    OrderPoller poller(*engine_, std::chrono::milliseconds(10));
    EXPECT_EQ(poller.runDue(), 1u);
    EXPECT_EQ(store_->findById(dead.id)->state, states::kCompleted);
    EXPECT_EQ(store_->findById(dead.id)->document, R"({"trace":["a#1","b#1"]})");
    EXPECT_EQ(store_->findById(dead.id)->leaseOwner, "");
    EXPECT_EQ(store_->findById(live.id)->state, states::kInProgress);  // another host's, still valid
}

TEST_P(LeaseTest, ARestartedHostTakesBackItsOwnOrdersWithoutWaitingForTheLease) {
    const auto mine = leftBy("test-host", 100000, "5");
    const auto theirs = leftBy("host-a", 100000, "6");
    const RecoveryReport report = resumeUnfinishedOrders(*engine_);
    EXPECT_EQ(report.resumed, 1u);
    EXPECT_EQ(store_->findById(mine.id)->state, states::kCompleted);
    EXPECT_EQ(store_->findById(theirs.id)->state, states::kInProgress);
}

TEST_P(LeaseTest, TwoHostsSweepingAtOnceNeverClaimTheSameOrder) {
    std::vector<std::string> ids;
    for (int i = 0; i < 40; ++i) ids.push_back(leftBy("host-dead", 10, "9" + std::to_string(100 + i)).id);
    std::vector<std::string> claimedBy[2];
    std::vector<std::thread> hosts;
    for (int h = 0; h < 2; ++h) {
        hosts.emplace_back([&, h] {
            for (int round = 0; round < 10; ++round) {
                const auto got =
                    store_->claimExpired({states::kInProgress}, "host-" + std::to_string(h), 100000, 50, 3);
                for (const auto& claimed : got) claimedBy[h].push_back(claimed.id);
            }
        });
    }
    for (auto& host : hosts) host.join();
    std::set<std::string> all(claimedBy[0].begin(), claimedBy[0].end());
    for (const auto& id : claimedBy[1]) EXPECT_TRUE(all.insert(id).second) << id << " claimed by both hosts";
    for (const auto& id : all) {
        const auto owner = store_->findById(id)->leaseOwner;
        const bool byZero = std::find(claimedBy[0].begin(), claimedBy[0].end(), id) != claimedBy[0].end();
        EXPECT_EQ(owner, byZero ? "host-0" : "host-1");
    }
    EXPECT_EQ(all.size(), 40u);
}

// Fencing (issue 8, finding 2): A claims, its lease expires, B claims, B's lease expires, A
// claims again. The owner string is "host-a" on both of A's claims; only the epoch tells A's
// stale attempt from the first claim apart from its new one.
TEST_P(LeaseTest, AStaleAttemptFromAnEarlierClaimIsRefusedAfterAToBToA) {
    const auto order = leftBy("host-dead", 100, "7");
    const auto first = store_->claim(order.id, states::kInProgress, states::kInProgress, "host-a", 1000, 200);
    const auto byB = store_->claim(order.id, states::kInProgress, states::kInProgress, "host-b", 2000, 1001);
    const auto again = store_->claim(order.id, states::kInProgress, states::kInProgress, "host-a", 3000, 2001);
    ASSERT_TRUE(first && byB && again);
    EXPECT_LT(*first, *byB);
    EXPECT_LT(*byB, *again);

    store::OrderRecord stale = order;
    stale.currentStep = 2;
    stale.state = states::kCompleted;
    stale.leaseOwner.clear();
    stale.leaseEpoch = *first;
    store::StepRunRecord run;
    run.stepName = "b";
    run.outcome = "continue";
    store::CheckpointExtras extras;
    extras.expectedLeaseOwner = "host-a";
    extras.expectedLeaseEpoch = *first;
    try {
        store_->recordStep(stale, states::kInProgress, run, extras);
        FAIL() << "a checkpoint from A's first claim was accepted after A claimed again";
    } catch (const store::StaleOrderError& e) {
        EXPECT_NE(std::string(e.what()).find("not the writer's epoch " + std::to_string(*first)), std::string::npos)
            << e.what();
    }
    EXPECT_FALSE(store_->renewLease(order.id, "host-a", *first, 5000)) << "a stale claim renewed the lease";
    EXPECT_TRUE(store_->stepRuns(order.id).empty());

    store::OrderRecord current = stale;
    current.leaseEpoch = *again;
    extras.expectedLeaseEpoch = *again;
    EXPECT_TRUE(store_->renewLease(order.id, "host-a", *again, 5000));
    EXPECT_NO_THROW(store_->recordStep(current, states::kInProgress, run, extras));
    EXPECT_EQ(store_->findById(order.id)->state, states::kCompleted);
}

// The same through the runner: this host ("test-host") holds a record from its first claim
// while the order was taken over and then claimed back by this host's poller.
TEST_P(LeaseTest, TheRunnerRefusesToCheckpointAnAttemptFromAnEarlierClaim) {
    const auto order = leftBy("host-dead", 100, "8");
    now_ = 200;
    const auto first = store_->claimExpired({states::kInProgress}, "test-host", 1000, now_, 1, true);
    ASSERT_EQ(first.size(), 1u);
    store::OrderRecord stale = store_->findById(order.id).value();
    ASSERT_EQ(stale.leaseEpoch, first.front().leaseEpoch);
    ASSERT_TRUE(store_->claim(order.id, states::kInProgress, states::kInProgress, "host-b", 2000, 1001));
    now_ = 2001;
    const auto again = store_->claimExpired({states::kInProgress}, "test-host", 100000, now_, 1, true);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_GT(again.front().leaseEpoch, stale.leaseEpoch);

    stale.leaseUntilMs = 100000;  // as the stale holder believes: no renewal before the step
    ChainRunner runner(*engine_);
    EXPECT_THROW(runner.run(stale), store::StaleOrderError);
    EXPECT_TRUE(store_->stepRuns(order.id).empty()) << "the stale attempt was recorded";
    EXPECT_EQ(store_->findById(order.id)->document, R"({"trace":["a#1"]})");

    const store::OrderRecord finished = runner.run(store_->findById(order.id).value());
    EXPECT_EQ(finished.state, states::kCompleted);
    EXPECT_EQ(store_->findById(order.id)->document, R"({"trace":["a#1","b#1"]})");
}

INSTANTIATE_TEST_SUITE_P(Backends, LeaseTest, ::testing::ValuesIn(testing::testBackends()), testing::backendName);

}  // namespace
}  // namespace orderhost::engine
