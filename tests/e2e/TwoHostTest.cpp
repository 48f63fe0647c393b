// Two real orderhost processes sharing one PostgreSQL database (leases, OrderPoller take-over):
//  - a load split between both runs every step of every order exactly once, each order on the
//    host that took its request;
//  - a host killed with SIGKILL mid-load, never restarted: the other host finishes its orders
//    once their leases ran out, each step still applied once, no acknowledged order lost;
//  - a host that stalls (SIGSTOP) past its leases and comes back while the other host runs its
//    orders: what it finishes afterwards is refused, each step still applied once.
// In every case no order is run by both hosts: one "continue" step run per (order, step,
// attempt), step runs of an order one after the other, and the lease passes only from a host
// that stopped renewing it to the other.
// PostgreSQL only (SQLite is one file on one machine); skipped when no cluster is configured.
#include "TwoHostFixture.h"

#include <gtest/gtest.h>

namespace orderhost::testing::twohost::two_host_test {

TEST_F(TwoHostTest, SharedLoadRunsEveryStepOfEveryOrderOnce) {
    const std::int64_t started = nowMs();
    Load load;
    LeaseMonitor monitor(*db_);
    Clients clients;  // 6 clients per host, 5 orders each: 60 orders
    clients.start(6, *a_, "A-", 5, load);
    clients.start(6, *b_, "B-", 5, load);
    clients.join();
    const std::int64_t loaded = nowMs();
    monitor.stop();

    EXPECT_EQ(load.acknowledged.size(), 60u) << load.describeOthers();
    EXPECT_TRUE(load.unanswered.empty());
    ASSERT_TRUE(waitFor(nowMs() + 20000, [&] { return idsWhere("state <> 'completed'").empty(); }));
    const auto orders = readOrders();
    EXPECT_EQ(orders.size(), 60u);
    expectEachOrderRanOnce(orders, *a_);
    expectNoDuplicateContinueRuns();

    // Each order stayed with the host that took its request: no lease expired, none moved.
    const auto leases = monitor.history();
    EXPECT_GT(monitor.samples(), 5u);
    for (const auto& [id, order] : orders) {
        auto seen = leases.find(id);
        if (seen != leases.end()) expectOwners(order.ref, seen->second, postedTo(order));
    }
    EXPECT_EQ(b_->log().find("taking it over"), std::string::npos);
    EXPECT_EQ(a_->log().find("taking it over"), std::string::npos);
    std::cout << "60 orders over two hosts in " << (loaded - started) << " ms\n";
}

TEST_F(TwoHostTest, SurvivorFinishesAKilledHostsOrdersOnceTheirLeasesExpire) {
    Load load;
    LeaseMonitor monitor(*db_);
    Clients clients;  // until host A dies, and host B took its orders over
    clients.start(6, *a_, "A-", 0, load);
    clients.start(6, *b_, "B-", 0, load);
    ASSERT_TRUE(waitFor(nowMs() + 10000, [&] { return load.acknowledgedWithPrefix("A-") >= 8; }));
    // The clients go in waves (seen under ASan: all six orders completed within 30 ms, then
    // none stored for a while): kill when an order of A has two of its three steps still to run.
    ASSERT_TRUE(waitFor(nowMs() + 10000, [&] {
        return !idsWhere("lease_owner = '" + kHostA + "' AND state = 'in_progress' AND current_step <= 1").empty();
    }));
    const std::int64_t killedAt = nowMs();
    a_->killHard();  // not restarted
    const std::set<std::string> acknowledgedByA = [&] {
        std::lock_guard<std::mutex> lock(load.mutex);
        std::set<std::string> refs;
        for (const auto& ref : load.acknowledged)
            if (ref[0] == 'A') refs.insert(ref);
        return refs;
    }();
    const auto inFlight = idsWhere("lease_owner = '" + kHostA + "' AND state <> 'completed'");
    ASSERT_FALSE(inFlight.empty()) << "the kill landed when host A ran no order";

    // Host B keeps taking orders while it takes A's over.
    const bool finished = waitFor(killedAt + 20000, [&] { return allCompleted(inFlight); });
    const std::int64_t takenOver = nowMs();
    clients.stopAndJoin();
    ASSERT_TRUE(finished) << inFlight.size() << " orders host A was running were not finished within 20 s";
    ASSERT_TRUE(waitFor(killedAt + 20000, [&] { return idsWhere("state <> 'completed'").empty(); }));
    monitor.stop();

    const auto orders = readOrders();
    std::set<std::string> stored;
    for (const auto& [id, order] : orders) {
        stored.insert(order.ref);
        EXPECT_EQ(load.attempted.count(order.ref), 1u) << order.ref;
    }
    for (const auto& ref : load.acknowledged)
        EXPECT_EQ(stored.count(ref), 1u) << ref << " was acknowledged but is lost";
    for (const auto& ref : acknowledgedByA) EXPECT_EQ(stored.count(ref), 1u);
    EXPECT_GT(load.acknowledgedWithPrefix("B-"), 0u);
    expectEachOrderRanOnce(orders, *b_);
    expectNoDuplicateContinueRuns();

    const std::string logB = b_->log();
    const auto leases = monitor.history();
    for (const auto& id : inFlight) {
        const OrderRow& order = orders.at(id);
        expectTakenOverAfterLease(order, killedAt);
        EXPECT_NE(logB.find("order " + id + " taken over: now completed"), std::string::npos) << describe(order);
    }
    for (const auto& [id, order] : orders) {
        auto seen = leases.find(id);
        if (seen == leases.end()) continue;
        if (postedTo(order) == kHostA)
            expectOwners(order.ref, seen->second, kHostA, kHostB, killedAt);
        else
            expectOwners(order.ref, seen->second, kHostB);
    }
    std::cout << inFlight.size() << " orders in flight on the killed host, finished by the other "
              << (takenOver - killedAt) << " ms after the kill; " << orders.size() << " orders in all\n";
}

TEST_F(TwoHostTest, AHostThatStalledPastItsLeasesCannotWriteTheOrdersTakenFromIt) {
    Load load;
    LeaseMonitor monitor(*db_);
    Clients clients;
    clients.start(6, *a_, "A-", 0, load);
    clients.start(6, *b_, "B-", 0, load);
    ASSERT_TRUE(waitFor(nowMs() + 10000, [&] { return load.acknowledgedWithPrefix("A-") >= 8; }));
    // Not in the middle of a commit: see DISABLED_AHostStalledInsideACommitBlocksTheTakeOver.
    const std::int64_t frozenAt = freezeA(false);
    ASSERT_NE(frozenAt, 0) << "host A could not be frozen while it ran orders";
    const auto inFlight = idsWhere("lease_owner = '" + kHostA + "' AND state <> 'completed'");

    // As soon as B holds (or finished) every order A was running, A goes on: its plugin calls
    // in flight return and it tries to commit them, while B runs those orders.
    const bool claimed = waitFor(frozenAt + 20000, [&] {
        std::set<std::string> pending(inFlight.begin(), inFlight.end());
        for (const auto& id : idsWhere("lease_owner = '" + kHostB + "' OR state = 'completed'")) pending.erase(id);
        return pending.empty();
    });
    const std::int64_t thawedAt = nowMs();
    if (!claimed) {
        const auto stuck = readOrders();
        std::string text;
        for (const auto& id : inFlight) text += "\n  " + describe(stuck.at(id));
        text += "\nsessions:" + sessionsInTransaction();
        ADD_FAILURE() << "host B did not take host A's orders within 20 s (now " << nowMs() << ", frozen at "
                      << frozenAt << "):" << text;
    }
    a_->thaw();
    ASSERT_TRUE(claimed);
    const std::size_t acknowledgedByABefore = load.acknowledgedWithPrefix("A-");
    sleepMs(1500);  // both hosts run again, A on new orders
    clients.stopAndJoin();
    ASSERT_TRUE(waitFor(nowMs() + 20000, [&] { return idsWhere("state <> 'completed'").empty(); }));
    monitor.stop();

    const auto orders = readOrders();
    std::set<std::string> stored;
    for (const auto& [id, order] : orders) stored.insert(order.ref);
    for (const auto& ref : load.acknowledged)
        EXPECT_EQ(stored.count(ref), 1u) << ref << " was acknowledged but is lost";
    EXPECT_TRUE(load.unanswered.empty());
    EXPECT_GT(load.acknowledgedWithPrefix("A-"), acknowledgedByABefore) << "host A took no order after the stall";
    expectEachOrderRanOnce(orders, *b_);
    expectNoDuplicateContinueRuns();

    const auto leases = monitor.history();
    std::set<std::string> inFlightSet(inFlight.begin(), inFlight.end());
    for (const auto& id : inFlight) expectTakenOverAfterLease(orders.at(id), frozenAt);
    for (const auto& [id, order] : orders) {
        auto seen = leases.find(id);
        if (seen == leases.end()) continue;
        // An order A stored just as it froze may reach the database after the in-flight snapshot
        // was read: any order A held before the thaw may have been taken over, never given back.
        const bool heldByABeforeThaw = postedTo(order) == kHostA && seen->second.front().atMs < thawedAt;
        if (inFlightSet.count(id) || heldByABeforeThaw)
            expectOwners(order.ref, seen->second, kHostA, kHostB, frozenAt);
        else
            expectOwners(order.ref, seen->second, postedTo(order));
    }
    std::cout << inFlight.size() << " orders in flight on the stalled host; it was frozen " << (thawedAt - frozenAt)
              << " ms; " << load.otherReply.size() << " requests to it answered other than 201; " << orders.size()
              << " orders in all\n";
}

// Engine limitation found by the test above (disabled, as it fails): a host stalled between the
// UPDATE and the COMMIT of a checkpoint (OrderStore::recordStep) keeps the order's row locked
// in an "idle in transaction" session. The other host's sweep (claimExpired, FOR UPDATE SKIP
// LOCKED) skips that row silently, so the order is not taken over for as long as the stall
// lasts, although its lease expired. Since then the host's PostgreSQL sessions carry
// idle_in_transaction_session_timeout = 5 min (Dialect::applyDefaults): the server ends such a
// session and the order is taken over after at most that long — longer than this test waits.
TEST_F(TwoHostTest, DISABLED_AHostStalledInsideACommitBlocksTheTakeOver) {
    Load load;
    Clients clients;
    clients.start(6, *a_, "A-", 0, load);
    clients.start(6, *b_, "B-", 0, load);
    ASSERT_TRUE(waitFor(nowMs() + 10000, [&] { return load.acknowledgedWithPrefix("A-") >= 8; }));
    const std::int64_t frozenAt = freezeA(true);
    ASSERT_NE(frozenAt, 0) << "host A could not be frozen inside a commit";
    const auto inFlight = idsWhere("lease_owner = '" + kHostA + "' AND state <> 'completed'");
    const bool claimed = waitFor(frozenAt + 20000, [&] {
        std::set<std::string> pending(inFlight.begin(), inFlight.end());
        for (const auto& id : idsWhere("lease_owner = '" + kHostB + "' OR state = 'completed'")) pending.erase(id);
        return pending.empty();
    });
    std::string text;
    if (!claimed) {
        const auto stuck = readOrders();
        for (const auto& id : inFlight)
            if (stuck.at(id).state != "completed" && stuck.at(id).leaseOwner != kHostB)
                text += "\n  " + describe(stuck.at(id));
        text += "\nsessions:" + sessionsInTransaction();
    }
    a_->thaw();
    EXPECT_TRUE(claimed) << "host B did not take over, within 20 s, orders of host A whose leases expired (now "
                         << nowMs() << ", frozen at " << frozenAt << "):" << text;
    clients.stopAndJoin();
}

}  // namespace orderhost::testing::twohost::two_host_test
