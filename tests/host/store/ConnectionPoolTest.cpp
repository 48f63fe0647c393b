// ConnectionPool, and Database's use of it: a connection whose transaction ended in doubt is
// closed, never handed out again (the SQLite disk-full hole: sqliteodbc keeps such a
// connection failing every later transaction, so the host answered 503 until restarted).
//
// A connection is recognised by a TEMP table: it exists only in the connection that made it.
#include "host/store/ConnectionPool.h"

#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "host/store/StepTransaction.h"
#include "tests/host/store/StoreTestSupport.h"

using namespace Poco::Data::Keywords;
using namespace std::chrono_literals;

namespace orderhost::store::testing {
namespace {

using Session = Poco::Data::Session;

void mark(Session& s) { s << "CREATE TEMP TABLE connection_marker (x INTEGER)", now; }

bool isMarked(Session& s) {
    try {
        int count = -1;
        s << "SELECT COUNT(*) FROM connection_marker", into(count), now;
        return count == 0;
    } catch (const Poco::Exception&) {
        return false;  // no such table: another connection
    }
}

class ConnectionPoolTest : public StoreTest {
protected:
    ConnectionPoolSettings settings(std::size_t maxOpen) const {
        ConnectionPoolSettings s;
        s.connection = connectionString_;
        s.maxOpen = maxOpen;
        return s;
    }
};

TEST_P(ConnectionPoolTest, AConnectionGivenBackIsHandedOutAgainUnlessDiscarded) {
    open();  // creates the database (and on SQLite its file)
    ConnectionPool pool(settings(4));
    {
        auto s = pool.acquire(1s);
        ASSERT_TRUE(s);
        mark(*s);
    }
    {
        auto s = pool.acquire(1s);
        ASSERT_TRUE(s);
        EXPECT_TRUE(isMarked(*s)) << "a healthy connection is reused";
        ConnectionPool::discard(*s);
        EXPECT_TRUE(isMarked(*s)) << "discarding closes nothing while the session is in use";
    }
    EXPECT_EQ(pool.discardedCount(), 1u);
    EXPECT_EQ(pool.openCount(), 0u);
    auto s = pool.acquire(1s);
    ASSERT_TRUE(s);
    EXPECT_FALSE(isMarked(*s)) << "the discarded connection was handed out again";
    EXPECT_EQ(pool.openCount(), 1u);
}

TEST_P(ConnectionPoolTest, AWaiterGetsTheConnectionGivenBackAndAFullPoolAnswersNothingAfterItsTimeout) {
    open();
    ConnectionPool pool(settings(1));
    auto held = pool.acquire(1s);
    ASSERT_TRUE(held);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(pool.acquire(200ms));
    EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);

    std::atomic<bool> got{false};
    std::thread waiter([&] { got = pool.acquire(5s).has_value(); });
    std::this_thread::sleep_for(100ms);
    held.reset();  // given back: the waiter has it at once
    waiter.join();
    EXPECT_TRUE(got);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST_P(ConnectionPoolTest, ASessionThatOutlivesItsPoolClosesItsConnection) {
    open();
    std::optional<Session> kept;
    {
        ConnectionPool pool(settings(2));
        kept = pool.acquire(1s);
        ASSERT_TRUE(kept);
    }
    int one = 0;
    *kept << "SELECT 1", into(one), now;  // still usable: the pool is gone, not the connection
    EXPECT_EQ(one, 1);
    kept.reset();  // closed, no crash (ASan watches)
}

// Idle connections beyond minIdle that idled past idleTimeout are closed when one comes back
// (outside the pool's lock), and count as open until they are: the pool then opens new ones
// up to maxOpen again.
TEST_P(ConnectionPoolTest, IdleConnectionsPastTheirTimeoutAreClosedAndTheirSlotsFreed) {
    open();
    ConnectionPoolSettings expiring = settings(3);
    expiring.minIdle = 1;
    expiring.idleTimeout = std::chrono::seconds(0);
    ConnectionPool pool(expiring);
    {
        auto a = pool.acquire(1s), b = pool.acquire(1s), c = pool.acquire(1s);
        ASSERT_TRUE(a && b && c);
        EXPECT_EQ(pool.openCount(), 3u);
        EXPECT_FALSE(pool.acquire(100ms)) << "maxOpen is 3";
        a.reset();
        std::this_thread::sleep_for(5ms);
        b.reset();
        std::this_thread::sleep_for(5ms);
        c.reset();
    }
    EXPECT_EQ(pool.idleCount(), 1u);
    EXPECT_EQ(pool.openCount(), 1u) << "the expired ones are closed";
    auto d = pool.acquire(1s), e = pool.acquire(1s), f = pool.acquire(1s);
    EXPECT_TRUE(d && e && f) << "their slots are free again";
}

// A COMMIT that fails (here a deferred foreign key; on a full disk SQLITE_FULL) discards the
// connection: without that, the host kept it, and sqliteodbc failed every later transaction on it.
TEST_P(ConnectionPoolTest, ATransactionWhoseCommitFailedDiscardsItsConnection) {
    auto db = open();
    exec(*db, "CREATE TABLE pool_parent (id INTEGER PRIMARY KEY)");
    exec(*db, "CREATE TABLE pool_child (parent INTEGER REFERENCES pool_parent (id) DEFERRABLE INITIALLY DEFERRED)");
    db->withSession("mark", [](Session& s) { mark(s); });
    db->withTransaction("a good one", [](Session& s) { s << "INSERT INTO pool_parent VALUES (1)", now; });
    EXPECT_TRUE(db->withSession("check", [](Session& s) { return isMarked(s); })) << "a good commit keeps it";
    EXPECT_EQ(db->discardedConnections(), 0u);

    EXPECT_THROW(db->withTransaction("an orphan", [](Session& s) { s << "INSERT INTO pool_child VALUES (42)", now; }),
                 StoreError);
    EXPECT_EQ(db->discardedConnections(), 1u);
    EXPECT_FALSE(db->withSession("check", [](Session& s) { return isMarked(s); }));
    db->withTransaction("after", [](Session& s) { s << "INSERT INTO pool_parent VALUES (2)", now; });
}

TEST_P(ConnectionPoolTest, AStepTransactionWhoseCommitFailedDiscardsItsConnection) {
    auto db = open();
    exec(*db, "CREATE TABLE pool_parent (id INTEGER PRIMARY KEY)");
    exec(*db, "CREATE TABLE pool_child (parent INTEGER REFERENCES pool_parent (id) DEFERRABLE INITIALLY DEFERRED)");
    db->withSession("mark", [](Session& s) { mark(s); });
    {
        StepTransaction tx(*db);
        tx.session() << "INSERT INTO pool_child VALUES (42)", now;
        EXPECT_THROW(tx.commit(), StoreError);
    }
    EXPECT_EQ(db->discardedConnections(), 1u);
    EXPECT_FALSE(db->withSession("check", [](Session& s) { return isMarked(s); }));
    StepTransaction tx(*db);
    tx.session() << "INSERT INTO pool_parent VALUES (3)", now;
    EXPECT_NO_THROW(tx.commit());
}

TEST_P(ConnectionPoolTest, AFailedStatementThatLeavesTheConnectionUsableKeepsIt) {
    auto db = open();
    db->withSession("mark", [](Session& s) { mark(s); });
    EXPECT_THROW(db->withTransaction("bad sql", [](Session& s) { s << "SELECT * FROM no_such_table", now; }),
                 StoreError);
    EXPECT_EQ(db->discardedConnections(), 0u);
    EXPECT_TRUE(db->withSession("check", [](Session& s) { return isMarked(s); }));
}

INSTANTIATE_TEST_SUITE_P(Backends, ConnectionPoolTest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::store::testing
