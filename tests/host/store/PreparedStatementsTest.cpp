// The store's hot statements are prepared once per pooled connection and reused (both
// backends): what the connection keeps (on PostgreSQL, pg_prepared_statements of that very
// connection as well), what a reused statement writes, and that one which failed is prepared
// again. The pool keeps a connection's statements with it and drops them with it.
#include "host/store/PreparedStatements.h"

#include <gtest/gtest.h>

#include "host/store/ConnectionPool.h"
#include "tests/host/store/StoreTestSupport.h"

using namespace Poco::Data::Keywords;
using namespace std::chrono_literals;

namespace orderhost::store::testing {
namespace {

using PreparedStatementsTest = StoreTest;

// Plans the server holds for the one pooled connection, whose SQL starts with `prefix`.
int plansStartingWith(Database& db, const std::string& prefix) {
    int n = -1;
    Poco::Data::Session s = db.session();
    s << "SELECT COUNT(*) FROM pg_prepared_statements WHERE statement LIKE ?", bind(prefix + "%"), into(n), now;
    return n;
}

// Whether the one pooled connection keeps the store's statement `key` (OrderStatements.cpp) and,
// on PostgreSQL, the server holds exactly one plan for it (SQL starting with `sqlPrefix`).
bool keptOnce(Database& db, const std::string& key, const std::string& sqlPrefix) {
    {
        Poco::Data::Session s = db.session();  // back to the pool before plansStartingWith takes it
        PreparedStatements* kept = PreparedStatements::of(s);
        if (kept == nullptr || !kept->has(key)) return false;
    }
    return db.backend() != Backend::PostgreSQL || plansStartingWith(db, sqlPrefix) == 1;
}

TEST_P(PreparedStatementsTest, ACheckpointsStatementsArePreparedOnceAndReusedOnTheConnection) {
    DatabaseOptions one;
    one.maxSessions = 1;  // every call takes the same connection
    auto db = open(one);
    EXPECT_TRUE(db->keepsStatements());
    OrderStore store(*db);
    OrderRecord order = sampleOrder("R-kept");
    ASSERT_EQ(store.insertOrder(order), InsertResult::Inserted);
    // Documents over 255 bytes (bound by Poco as a CLOB on SQLite) and over the 64 KiB read
    // buffer, with multi-byte UTF-8, go through the kept UPDATE byte for byte.
    const std::string longText = std::string(70 * 1024, 'x') + "\u00e9\u20ac \xc3\xa9\xe2\x82\xac";
    for (int step = 1; step <= 3; ++step) {
        OrderRecord next = order;
        next.state = "step-" + std::to_string(step);
        next.currentStep = step;
        next.document = step == 2 ? R"({"long":")" + longText + R"("})" : R"({"step":)" + std::to_string(step) + "}";
        ASSERT_NO_THROW(store.recordStep(next, order.state, sampleRun("s" + std::to_string(step))));
        if (step == 2) {
            EXPECT_EQ(store.findById(order.id).value().document, next.document);
        }
        order = next;
    }
    EXPECT_FALSE(store.renewLease(order.id, "host-b", 0, 99)) << "host-b holds no lease on it";
    EXPECT_TRUE(store.renewLease(order.id, order.leaseOwner, order.leaseEpoch, 99)) << "its owner renews it";
    EXPECT_TRUE(keptOnce(*db, "odbc:checkpoint update", "WITH changed AS (UPDATE orders SET chain"));
    EXPECT_TRUE(keptOnce(*db, "odbc:step runs insert 1", "INSERT INTO step_runs"));
    EXPECT_TRUE(keptOnce(*db, "odbc:order insert", "WITH changed AS (INSERT INTO orders"));
    EXPECT_TRUE(keptOnce(*db, "odbc:lease renewal", "WITH changed AS (UPDATE orders SET lease_until"));

    const auto runs = store.stepRuns(order.id);
    ASSERT_EQ(runs.size(), 3u);
    EXPECT_EQ(runs[2].seq, 3);
    EXPECT_EQ(runs[2].stepName, "s3");
    EXPECT_EQ(runs[2].message, "all good");
    const OrderRecord stored = store.findById(order.id).value();
    EXPECT_EQ(stored.state, "step-3");
    EXPECT_EQ(stored.document, R"({"step":3})");
    EXPECT_EQ(stored.leaseUntilMs, 99);
    EXPECT_THROW(store.recordStep(order, "step-1", sampleRun("late")), StaleOrderError)
        << "the reused guarded UPDATE still checks the state";
}

// The read of an order's step runs is kept too: run again for another order, and for one
// with no runs, it gives each its own rows (no rows left over from the run before), with
// NULLs as the per-call read gives them.
TEST_P(PreparedStatementsTest, TheKeptStepRunsReadGivesEachOrderItsOwnRows) {
    DatabaseOptions one;
    one.maxSessions = 1;
    auto db = open(one);
    OrderStore store(*db);
    OrderRecord a = sampleOrder("R-runs-a"), b = sampleOrder("R-runs-b"), none = sampleOrder("R-runs-none");
    for (OrderRecord* o : {&a, &b, &none}) ASSERT_EQ(store.insertOrder(*o), InsertResult::Inserted);
    for (const std::string step : {"a1", "a2", "a3"}) {
        OrderRecord next = a;
        next.currentStep = a.currentStep + 1;
        ASSERT_NO_THROW(store.recordStep(next, a.state, sampleRun(step)));
        a = next;
    }
    StepRunRecord signal = sampleRun("b-signal");
    signal.stepIndex = -1;  // a host record: step_index NULL
    signal.code.clear();
    ASSERT_NO_THROW(store.recordStep(b, b.state, signal));

    for (int pass = 0; pass < 2; ++pass) {
        const auto runsA = store.stepRuns(a.id);
        ASSERT_EQ(runsA.size(), 3u);
        EXPECT_EQ(runsA[0].stepName, "a1");
        EXPECT_EQ(runsA[2].seq, 3);
        EXPECT_EQ(runsA[2].orderId, a.id);
        const auto runsB = store.stepRuns(b.id);
        ASSERT_EQ(runsB.size(), 1u) << "rows of the run before were left over";
        EXPECT_EQ(runsB[0].stepName, "b-signal");
        EXPECT_EQ(runsB[0].stepIndex, -1);
        EXPECT_EQ(runsB[0].code, "");
        EXPECT_EQ(runsB[0].startedAtMs, signal.startedAtMs);
        EXPECT_TRUE(store.stepRuns(none.id).empty());
    }
    EXPECT_TRUE(keptOnce(*db, "odbc:step runs select", "SELECT seq, step_name"));

    // NULL text (rows written by older hosts or by hand) reads as empty, on the kept statement too.
    {
        Poco::Data::Session s = db->session();
        s << "UPDATE step_runs SET code = NULL, message = NULL, plugin_id = NULL WHERE order_id = ?", bind(b.id), now;
    }
    for (int pass = 0; pass < 2; ++pass) {
        const auto runsB = store.stepRuns(b.id);
        ASSERT_EQ(runsB.size(), 1u);
        EXPECT_EQ(runsB[0].code, "");
        EXPECT_EQ(runsB[0].message, "");
        EXPECT_EQ(runsB[0].pluginId, "");
        EXPECT_EQ(runsB[0].stepName, "b-signal") << "the columns after the NULLs are read in their places";
        EXPECT_EQ(store.stepRuns(a.id).size(), 3u);
    }

    // A long history is read whole (30 KiB messages, read in pieces), and the statement stays
    // kept: its rows are not held with it (OdbcStatement reads them into the records; a buffer
    // over 64 KiB is freed after the run).
    OrderRecord chatty = sampleOrder("R-runs-chatty");
    ASSERT_EQ(store.insertOrder(chatty), InsertResult::Inserted);
    for (int attempt = 1; attempt <= 3; ++attempt) {
        StepRunRecord retry = sampleRun("c1");
        retry.attempt = attempt;
        retry.message = std::string(30 * 1024, 'm');
        ASSERT_NO_THROW(store.recordStep(chatty, chatty.state, retry));
    }
    const auto chattyRuns = store.stepRuns(chatty.id);
    ASSERT_EQ(chattyRuns.size(), 3u);
    for (const StepRunRecord& run : chattyRuns) EXPECT_EQ(run.message, std::string(30 * 1024, 'm'));
    EXPECT_EQ(chattyRuns[2].attempt, 3);
    EXPECT_TRUE(keptOnce(*db, "odbc:step runs select", "SELECT seq, step_name"));
    EXPECT_EQ(store.stepRuns(b.id).size(), 1u);
}

// UseServerSidePrepare=0 made psqlODBC report a kept UPDATE's row count wrongly on its second
// execution (docs/performance.md): an admin who sets it gets statements prepared per call, and
// the fencing UPDATE still counts right.
TEST_P(PreparedStatementsTest, WithoutServerSidePrepareNothingIsKeptAndCheckpointsStillCount) {
    if (GetParam().connectionString.empty()) GTEST_SKIP() << "PostgreSQL's driver setting";
    DatabaseOptions one;
    one.maxSessions = 1;
    Database db(connectionString_ + ";UseServerSidePrepare=0", one);
    EXPECT_FALSE(db.keepsStatements());
    OrderStore store(db);
    OrderRecord order = sampleOrder("R-unkept");
    ASSERT_EQ(store.insertOrder(order), InsertResult::Inserted);
    for (int step = 1; step <= 3; ++step) {
        OrderRecord next = order;
        next.state = "step-" + std::to_string(step);
        next.currentStep = step;
        ASSERT_NO_THROW(store.recordStep(next, order.state, sampleRun("s" + std::to_string(step)))) << step;
        order = next;
    }
    EXPECT_THROW(store.recordStep(order, "step-1", sampleRun("late")), StaleOrderError);
    EXPECT_EQ(plansStartingWith(db, "WITH changed AS (UPDATE orders SET chain"), 0);
    EXPECT_EQ(store.findById(order.id).value().state, "step-3");
}

// A duplicate id fails the kept INSERT; the next order must still insert (Poco refuses to run
// a statement again that failed half-way: the store prepares it anew).
TEST_P(PreparedStatementsTest, AKeptStatementThatFailedIsPreparedAgain) {
    DatabaseOptions one;
    one.maxSessions = 1;
    auto db = open(one);
    OrderStore store(*db);
    ASSERT_EQ(store.insertOrder(sampleOrder("R-1")), InsertResult::Inserted);
    OrderRecord sameId = sampleOrder("R-2");
    sameId.id = sampleOrder("R-1").id;
    EXPECT_THROW(store.insertOrder(sameId), StoreError);
    EXPECT_EQ(store.insertOrder(sampleOrder("R-3")), InsertResult::Inserted);
    EXPECT_EQ(store.insertOrder(sampleOrder("R-3")), InsertResult::DuplicateRef);
    EXPECT_TRUE(store.findByRef("R-3").has_value());
}

struct Marker : PreparedStatements::Entry {
    explicit Marker(int v) : value(v) {}
    int value;
};

TEST_P(PreparedStatementsTest, APooledConnectionKeepsItsStatementsUntilItIsDiscarded) {
    open();
    ConnectionPoolSettings settings;
    settings.connection = connectionString_;
    settings.maxOpen = 1;
    ConnectionPool pool(settings);
    {
        auto s = pool.acquire(1s);
        ASSERT_TRUE(s);
        PreparedStatements* kept = PreparedStatements::of(*s);
        ASSERT_NE(kept, nullptr);
        kept->get<Marker>("marker", [] { return std::make_unique<Marker>(7); });
    }
    {
        auto s = pool.acquire(1s);
        PreparedStatements* kept = PreparedStatements::of(*s);
        ASSERT_NE(kept, nullptr);
        EXPECT_EQ(kept->get<Marker>("marker", [] { return std::make_unique<Marker>(0); }).value, 7)
            << "the same connection comes back with its statements";
        ConnectionPool::discard(*s);
    }
    auto s = pool.acquire(1s);
    ASSERT_NE(PreparedStatements::of(*s), nullptr);
    EXPECT_EQ(PreparedStatements::of(*s)->size(), 0u) << "a new connection starts with none";
    Poco::Data::Session plain("ODBC", connectionString_);
    EXPECT_EQ(PreparedStatements::of(plain), nullptr) << "a session that is not a pool's keeps none";
}

// A schema change forgets the kept entries of one prefix (plugins' statements) on each
// connection as it next looks, once, and leaves the others (the host's).
TEST(PreparedStatementsSchemaTest, ASchemaChangeForgetsThePrefixsEntriesOnceAndKeepsTheOthers) {
    PreparedStatements kept;
    kept.forgetAfterSchemaChange("plugin:");  // catches up with changes noted before this test
    kept.get<Marker>("plugin:a", [] { return std::make_unique<Marker>(1); });
    kept.get<Marker>("host:b", [] { return std::make_unique<Marker>(2); });
    kept.forgetAfterSchemaChange("plugin:");
    EXPECT_EQ(kept.size(), 2u) << "no change noted: nothing forgotten";
    PreparedStatements::noteSchemaChange();
    kept.forgetAfterSchemaChange("plugin:");
    EXPECT_FALSE(kept.has("plugin:a"));
    EXPECT_TRUE(kept.has("host:b"));
    kept.get<Marker>("plugin:c", [] { return std::make_unique<Marker>(3); });
    kept.forgetAfterSchemaChange("plugin:");
    EXPECT_TRUE(kept.has("plugin:c")) << "kept after the change it already saw";
}

INSTANTIATE_TEST_SUITE_P(Backends, PreparedStatementsTest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::store::testing
