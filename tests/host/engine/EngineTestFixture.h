// The engine test fixture: the scripted test plugin (tests/fixtures/plugins/scripted_plugin.cpp)
// through the real loader, a real database per test (SQLite file or PostgreSQL database), and
// an Engine with a clock the test controls (now_).
#pragma once

#include "host/engine/ChainRunner.h"
#include "host/engine/OrderState.h"
#include "host/plugins/PluginRegistry.h"
#include "host/services/HostServices.h"
#include "host/store/Database.h"
#include "tests/support/TestDatabase.h"

#include <Poco/Data/Session.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>

namespace orderhost::engine {
namespace fs = std::filesystem;

inline chains::StepDefinition step(const std::string& name, const std::string& configJson, int attempts = 1,
                                   const std::string& kind = "scripted") {
    chains::StepDefinition s;
    s.name = name;
    s.plugin = "test.scripted";
    s.stepKind = kind;
    s.configJson = configJson;
    s.attempts = attempts;
    s.location = s.configLocation = {"test.yaml", 1, 1};
    return s;
}

class ChainRunnerTest : public ::testing::TestWithParam<testing::TestBackend> {
protected:
    static void SetUpTestSuite() {
        if (registry_ != nullptr) return;  // shared by every suite of the binary (never dlclose)
        registry_ = new plugins::PluginRegistry(services::hostInfo(), {});
        ASSERT_NE(registry_->loadFile(fs::path(ORDERHOST_SCRIPTED_PLUGIN_DIR) / "scripted.so"), nullptr);
    }

    void SetUp() override {
        folder_ = testing::makeTempDir("orderhost-engine");
        database_ = std::make_unique<testing::TestDatabase>(GetParam(), folder_.string());
        db_ = std::make_unique<store::Database>(database_->connectionString());
        store_ = std::make_unique<store::OrderStore>(*db_);
    }
    void TearDown() override {
        engine_.reset();
        store_.reset();
        db_.reset();
        database_.reset();
        fs::remove_all(folder_);
    }

    // Builds a chain of `steps`, stores a new order and runs it. `document` replaces the
    // default order document ({"order_ref": ref}) when given.
    store::OrderRecord runChain(std::vector<chains::StepDefinition> steps, const std::string& ref = "R-1",
                                const std::string& document = "") {
        const store::OrderRecord order = insertChainOrder(std::move(steps), ref, document);
        ChainRunner runner(*engine_);
        return runner.run(order);
    }

    // runChain without the run: the chain built and served, the order stored.
    store::OrderRecord insertChainOrder(std::vector<chains::StepDefinition> steps, const std::string& ref = "R-1",
                                        const std::string& document = "") {
        chains::ChainDefinition definition;
        definition.name = "test-chain";
        definition.version = 1;
        definition.trigger = "place_order";
        definition.steps = std::move(steps);
        useChains(buildChains({definition}, *registry_, [] { return std::int64_t{42}; }));
        EXPECT_TRUE(chains_.errors.empty()) << chains_.errors.front().toString();
        store::OrderRecord order;
        order.id = "00000000-0000-4000-8000-" + std::string(12 - ref.size(), '0') + ref.substr(2);
        order.orderRef = ref;
        order.chain = "test-chain";
        order.chainVersion = 1;
        order.state = states::kReceived;
        order.document = document.empty() ? R"({"order_ref":")" + ref + R"("})" : document;
        order.requestHash = "h";
        order.leaseOwner = "test-host";
        order.leaseUntilMs = now_ + 60000;
        EXPECT_EQ(store_->insertOrder(order), store::InsertResult::Inserted);
        return order;
    }

    // An order a host left mid-chain (after step "a" of the two-step chain "a", "b"; `secondStep`
    // is b's config), leased to `owner` until `until`, with `callsPending` calls counted.
    store::OrderRecord leftBy(const std::string& owner, std::int64_t until, const std::string& ref,
                              const std::string& secondStep = "{}", int callsPending = 0) {
        chains::ChainDefinition definition;
        definition.name = "test-chain";
        definition.version = 1;
        definition.trigger = "place_order";
        definition.steps = {step("a", "{}"), step("b", secondStep)};
        if (chains_.chains.empty()) useChains(buildChains({definition}, *registry_, services::systemClockMs));
        store::OrderRecord order;
        order.id = "00000000-0000-4000-8000-" + std::string(12 - ref.size(), '0') + ref;
        order.orderRef = ref;
        order.chain = "test-chain";
        order.chainVersion = 1;
        order.state = states::kInProgress;
        order.currentStep = 1;
        order.document = R"({"trace":["a#1"]})";
        order.requestHash = "h";
        order.leaseOwner = owner;
        order.leaseUntilMs = until;
        order.callsPending = callsPending;
        EXPECT_EQ(store_->insertOrder(order), store::InsertResult::Inserted);
        return order;
    }

    // The chains the engine runs from now on (an Engine is built over them).
    void useChains(ChainSet chains) {
        engine_.reset();
        chains_ = std::move(chains);
        catalog_.replace(std::make_shared<const ChainSet>(chains_));  // shares the chains
        EngineSettings settings{"test-host", 30000, 8};
        settings.stepsPerCommit = stepsPerCommit_;
        engine_ = std::make_unique<Engine>(
            *store_, catalog_, [this] { return now_.load(); }, settings);
    }

    // The outbox's event types of an order, oldest first.
    std::vector<std::string> eventTypes(const std::string& orderId) {
        Poco::Data::Session s = db_->session();
        std::vector<std::string> types;
        s << "SELECT event_type FROM outbox WHERE order_id = ? ORDER BY id", Poco::Data::Keywords::bind(orderId),
            Poco::Data::Keywords::into(types), Poco::Data::Keywords::now;
        return types;
    }

    std::vector<std::string> outcomes(const std::string& orderId) const {
        std::vector<std::string> result;
        for (const auto& run : store_->stepRuns(orderId)) result.push_back(run.stepName + ":" + run.outcome);
        return result;
    }

    static inline plugins::PluginRegistry* registry_ = nullptr;
    fs::path folder_;
    std::unique_ptr<testing::TestDatabase> database_;
    std::unique_ptr<store::Database> db_;
    std::unique_ptr<store::OrderStore> store_;
    ChainSet chains_;       // what the test built
    ChainCatalog catalog_;  // what the engine serves: a copy of chains_
    std::atomic<std::int64_t> now_{42};
    int stepsPerCommit_ = 16;  // EngineSettings::stepsPerCommit of the next useChains()
    std::unique_ptr<Engine> engine_;
};

using Outcomes = std::vector<std::string>;

}  // namespace orderhost::engine
