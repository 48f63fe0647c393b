// The reference sourcing plugin as the host runs it: the real .so through the registry, its
// migrations applied by the host, run()/compensate() through StepInstance with a step
// transaction that the test commits like the runner does. Every backend.
#include "host/engine/StepInstance.h"
#include "host/plugins/PluginRegistry.h"
#include "host/services/DeclaredMigrations.h"
#include "host/services/HostServices.h"
#include "host/store/Datasources.h"
#include "host/store/StepTransaction.h"
#include "tests/support/TestDatabase.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

using namespace Poco::Data::Keywords;

namespace orderhost::services {
namespace {
namespace fs = std::filesystem;

class SourcingStepTest : public ::testing::TestWithParam<testing::TestBackend> {
protected:
    static void SetUpTestSuite() {
        plugins::RegistryOptions options;
        options.probeFirst = false;
        registry_ = new plugins::PluginRegistry(hostInfo(), options);
        ASSERT_NE(registry_->loadFile(fs::path(ORDERHOST_PLUGIN_DIR) / "orderhost-sourcing.so"), nullptr)
            << registry_->refusals().front().reason;
    }

    void SetUp() override {
        folder_ = testing::makeTempDir("orderhost-sourcing");
        database_ = std::make_unique<testing::TestDatabase>(GetParam(), folder_);
        db_ = std::make_unique<store::Database>(database_->connectionString());
        sources_ = std::make_unique<store::Datasources>(*db_, std::map<std::string, store::DatasourceConfig>{});
        const auto applied = applyPluginMigrations(*registry_, *sources_);
        ASSERT_EQ(applied.size(), 1u);
        EXPECT_EQ(applied[0].versions, (std::vector<int>{1, 2, 3}));
        exec("INSERT INTO sourcing_warehouses (warehouse, priority) VALUES ('WH-1', 1)");
        receive("A-1", 5);
        receive("B-2", 3);
        step_ = makeStep("{}");
    }
    void TearDown() override {
        step_.reset();
        sources_.reset();
        db_.reset();
        database_.reset();
        fs::remove_all(folder_);
    }

    std::unique_ptr<engine::StepInstance> makeStep(const std::string& config) {
        const plugins::LoadedPlugin* plugin = registry_->find("orderhost.sourcing");
        chains::StepDefinition definition;
        definition.name = "reserve";
        definition.plugin = "orderhost.sourcing";
        definition.stepKind = "reserve-stock";
        definition.configJson = config;
        return std::make_unique<engine::StepInstance>(*plugin, *plugin->findStepKind("reserve-stock"), definition,
                                                      "test-chain", [] { return std::int64_t{42}; });
    }

    void exec(const std::string& sql) {
        Poco::Data::Session s = db_->session();
        s << sql, now;
    }
    // Stock arrives as docs/plugins.md#sourcing says: the stock row and its receipt movement.
    void receive(const std::string& sku, std::int64_t quantity) {
        const std::string n = std::to_string(quantity);
        exec("INSERT INTO sourcing_inventory (sku, warehouse, on_hand) VALUES ('" + sku + "', 'WH-1', " + n + ")");
        exec("INSERT INTO sourcing_movements (reference, sku, warehouse, movement, on_hand_delta) VALUES ('test', '" +
             sku + "', 'WH-1', 'receipt', " + n + ")");
    }
    Poco::Int64 count(const std::string& sql) {
        Poco::Int64 n = -1;
        Poco::Data::Session s = db_->session();
        s << sql, into(n), now;
        return n;
    }
    std::int64_t reserved(const std::string& sku) {
        Poco::Int64 n = -1;
        Poco::Data::Session s = db_->session();
        s << "SELECT reserved FROM sourcing_inventory WHERE sku = ?", bind(sku), into(n), now;
        return n;
    }
    int reservations() {
        return static_cast<int>(count("SELECT COUNT(*) FROM sourcing_allocations WHERE reserved > 0"));
    }
    // Stock rows that disagree with the movement ledger or the orders' allocations.
    int unreconciled() {
        return static_cast<int>(count("SELECT COUNT(*) FROM sourcing_stock_check WHERE reconciled = 0"));
    }

    // One attempt as the runner makes it: a transaction, the call, a commit when the
    // outcome is kept (CONTINUE, REJECT, SUSPEND), a rollback otherwise.
    ReportedOutcome call(document::JsonDocument& order, const std::string& orderId, bool compensating = false) {
        store::StepTransaction tx(*db_);
        engine::StepCallInfo info;
        info.orderId = orderId;
        info.idempotencyKey = orderId + ":reserve";
        info.transaction = &tx;
        info.datasources = sources_.get();
        ReportedOutcome outcome = compensating ? step_->compensate(order, info) : step_->run(order, info);
        if (outcome.kind == OH_OUTCOME_RETRY || outcome.kind == OH_OUTCOME_FAIL)
            tx.rollback();
        else
            tx.commit();
        return outcome;
    }

    static document::JsonDocument order(const std::string& lines) {
        return std::move(*document::JsonDocument::parse(R"({"lines":)" + lines + "}").document);
    }
    static std::string at(const document::JsonDocument& doc, const std::string& pointer) {
        std::string json;
        doc.getJson(pointer, json);
        return json;
    }

    static plugins::PluginRegistry* registry_;
    std::string folder_;
    std::unique_ptr<testing::TestDatabase> database_;
    std::unique_ptr<store::Database> db_;
    std::unique_ptr<store::Datasources> sources_;
    std::unique_ptr<engine::StepInstance> step_;
};
plugins::PluginRegistry* SourcingStepTest::registry_ = nullptr;

const std::string kOrder1 = "00000000-0000-4000-8000-000000000001";
const std::string kOrder2 = "00000000-0000-4000-8000-000000000002";

TEST_P(SourcingStepTest, ReservesEveryLineOnceEvenWhenRunAgain) {
    auto doc = order(R"([{"sku":"A-1","quantity":2},{"sku":"B-2","quantity":1},{"sku":"A-1","quantity":1}])");
    const ReportedOutcome first = call(doc, kOrder1);
    ASSERT_EQ(first.kind, OH_OUTCOME_CONTINUE) << first.code << ": " << first.message;
    EXPECT_EQ(at(doc, "/sourcing/reserved"), R"([{"sku":"A-1","warehouse":"WH-1","bin":"","quantity":3},)"
                                             R"({"sku":"B-2","warehouse":"WH-1","bin":"","quantity":1}])");
    EXPECT_EQ(reserved("A-1"), 3);
    EXPECT_EQ(reserved("B-2"), 1);
    EXPECT_EQ(call(doc, kOrder1).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(reserved("A-1"), 3) << "a second run reserved again";
    EXPECT_EQ(reservations(), 2);
}

TEST_P(SourcingStepTest, RejectsAShortageNamingTheSkuAndReservesNothing) {
    auto doc = order(R"([{"sku":"B-2","quantity":1},{"sku":"A-1","quantity":6}])");
    const ReportedOutcome outcome = call(doc, kOrder2);
    EXPECT_EQ(outcome.kind, OH_OUTCOME_REJECT);
    EXPECT_EQ(outcome.code, "out_of_stock");
    EXPECT_EQ(outcome.message, "out of stock: A-1 (requested 6, available 5)");
    EXPECT_EQ(at(doc, "/sourcing/status"), R"("out_of_stock")");
    EXPECT_EQ(reserved("B-2"), 0) << "the available line was reserved although the order was rejected";
    EXPECT_EQ(reservations(), 0);
}

TEST_P(SourcingStepTest, UnknownSkusRejectByDefaultAndAreSkippedWhenConfigured) {
    auto doc = order(R"([{"sku":"A-1","quantity":1},{"sku":"ZZ-9","quantity":1}])");
    const ReportedOutcome outcome = call(doc, kOrder1);
    EXPECT_EQ(outcome.kind, OH_OUTCOME_REJECT);
    EXPECT_EQ(outcome.code, "unknown_sku");
    EXPECT_EQ(reserved("A-1"), 0);
    step_ = makeStep(R"({"unknown_sku":"ignore"})");
    EXPECT_EQ(call(doc, kOrder1).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(reserved("A-1"), 1);
    EXPECT_EQ(at(doc, "/sourcing/unknown_skus"), R"(["ZZ-9"])");
    EXPECT_THROW(makeStep(R"({"unknown_sku":"maybe"})"), engine::StepCreateError);
}

TEST_P(SourcingStepTest, CompensateReleasesTheOrdersReservationsOnce) {
    auto doc = order(R"([{"sku":"A-1","quantity":2},{"sku":"B-2","quantity":3}])");
    ASSERT_EQ(call(doc, kOrder1).kind, OH_OUTCOME_CONTINUE);
    auto other = order(R"([{"sku":"A-1","quantity":1}])");
    ASSERT_EQ(call(other, kOrder2).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(reserved("A-1"), 3);
    EXPECT_EQ(call(doc, kOrder1, true).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(reserved("A-1"), 1) << "only order 1's reservation is released";
    EXPECT_EQ(reserved("B-2"), 0);
    EXPECT_EQ(at(doc, "/sourcing/status"), R"("released")");
    EXPECT_EQ(call(doc, kOrder1, true).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(reserved("A-1"), 1) << "a second compensate released again";
    EXPECT_EQ(reservations(), 1);
}

// Orders reserving the same SKU at once (issue 8, finding 3): the step reads before it
// writes, so on SQLite a deferred step transaction would have to upgrade a stale snapshot and
// fail with SQLITE_BUSY_SNAPSHOT (after the driver spins for its whole busy timeout).
TEST_P(SourcingStepTest, ConcurrentOrdersOnOneSkuAllReserveWithoutLockErrors) {
    receive("HOT-1", 1000);
    constexpr int kThreads = 8, kOrdersEach = 6;
    std::vector<std::string> problems;
    std::mutex mutex;
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kOrdersEach; ++i) {
                char id[40];
                std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", t * 100 + i);
                auto doc = order(R"([{"sku":"HOT-1","quantity":2}])");
                const ReportedOutcome outcome = call(doc, id);
                if (outcome.kind != OH_OUTCOME_CONTINUE) {
                    std::lock_guard<std::mutex> lock(mutex);
                    problems.push_back(std::string(id) + ": " + outcome.code + ": " + outcome.message);
                }
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_TRUE(problems.empty()) << problems.size() << " failed, first: " << problems.front();
    EXPECT_EQ(reserved("HOT-1"), 2 * kThreads * kOrdersEach);
    EXPECT_EQ(unreconciled(), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(8)) << "steps waited out lock timeouts";
}

// More orders than stock at once: each order either reserves in full or is rejected, the
// reservations add up to exactly the stock, and the ledger reconciles.
TEST_P(SourcingStepTest, ConcurrentOrdersNeverOversell) {
    receive("LAST-1", 25);
    constexpr int kThreads = 8, kOrdersEach = 6;
    std::atomic<int> accepted{0}, rejected{0}, other{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kOrdersEach; ++i) {
                char id[40];
                std::snprintf(id, sizeof id, "00000000-0000-4000-9000-%012d", t * 100 + i);
                auto doc = order(R"([{"sku":"LAST-1","quantity":2}])");
                ReportedOutcome outcome = call(doc, id);
                while (outcome.kind == OH_OUTCOME_RETRY) outcome = call(doc, id);  // as the runner would
                if (outcome.kind == OH_OUTCOME_CONTINUE)
                    ++accepted;
                else if (outcome.kind == OH_OUTCOME_REJECT && outcome.code == "out_of_stock")
                    ++rejected;
                else
                    ++other;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(accepted.load(), 12) << "25 units serve twelve orders of 2";
    EXPECT_EQ(rejected.load(), kThreads * kOrdersEach - 12);
    EXPECT_EQ(other.load(), 0);
    EXPECT_EQ(reserved("LAST-1"), 24);
    EXPECT_EQ(unreconciled(), 0);
}

TEST_P(SourcingStepTest, MigrationsAreAppliedOnlyOnce) {
    const auto again = applyPluginMigrations(*registry_, *sources_);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_TRUE(again[0].versions.empty());
    EXPECT_EQ(store::appliedPluginMigrations(*db_, "orderhost.sourcing"), (std::vector<int>{1, 2, 3}));
}

INSTANTIATE_TEST_SUITE_P(Backends, SourcingStepTest, ::testing::ValuesIn(testing::testBackends()),
                         testing::backendName);

}  // namespace
}  // namespace orderhost::services
