// Orders waiting on a chain this host does not load (issue 8, finding 6): reported once, and
// withdrawn once none is left. Real databases, both backends.
#include "tests/host/engine/EngineTestFixture.h"

#include "host/engine/UnloadedChainCheck.h"

namespace orderhost::engine {
namespace {

class UnloadedChainCheckTest : public ChainRunnerTest {
protected:
    store::OrderRecord stored(const std::string& ref, const std::string& chain, int version, const std::string& state) {
        store::OrderRecord order;
        order.id = "00000000-0000-4000-8000-" + std::string(12 - ref.size(), '0') + ref;
        order.orderRef = "R-" + ref;
        order.chain = chain;
        order.chainVersion = version;
        order.state = state;
        order.document = "{}";
        order.requestHash = "h";
        EXPECT_EQ(store_->insertOrder(order), store::InsertResult::Inserted);
        return order;
    }
};

TEST_P(UnloadedChainCheckTest, OrdersOnAChainThisHostDoesNotLoadAreReportedUntilNoneIsLeft) {
    chains::ChainDefinition loaded;
    loaded.name = "test-chain";
    loaded.version = 1;
    loaded.trigger = "place_order";
    loaded.steps = {step("a", "{}")};
    useChains(buildChains({loaded}, *registry_, services::systemClockMs));
    stored("1", "test-chain", 1, states::kReceived);  // loaded: fine
    stored("2", "test-chain", 2, states::kOnHold);    // a version this host does not have
    const auto gone = stored("3", "retired-chain", 4, states::kReceived);
    stored("4", "retired-chain", 4, states::kInProgress);
    stored("5", "other-chain", 1, states::kCompleted);  // finished: nothing waits

    EXPECT_EQ(checkUnloadedChains(*engine_), 3);
    auto problems = engine_->problems().descriptions();
    ASSERT_EQ(problems.size(), 2u);
    EXPECT_EQ(problems[0],
              "2 unfinished order(s) on chain retired-chain v4, which this host does not load: "
              "they wait for a host that does");
    EXPECT_NE(problems[1].find("chain test-chain v2"), std::string::npos) << problems[1];
    // Checked again: the same problems, each still reported once.
    EXPECT_EQ(checkUnloadedChains(*engine_), 3);
    EXPECT_FALSE(engine_->problems().report("unloaded-chain:retired-chain v4", problems[0]));
    EXPECT_EQ(engine_->problems().descriptions().size(), 2u);

    // Another host ran them: the problem is withdrawn.
    for (const auto& id : {gone.id, std::string("00000000-0000-4000-8000-000000000004")}) {
        store::OrderRecord done = store_->findById(id).value();
        const std::string from = done.state;
        done.state = states::kCompleted;
        store::StepRunRecord run;
        run.outcome = "continue";
        store_->recordStep(done, from, run);
    }
    EXPECT_EQ(checkUnloadedChains(*engine_), 1);
    problems = engine_->problems().descriptions();
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_NE(problems[0].find("chain test-chain v2"), std::string::npos) << problems[0];
}

INSTANTIATE_TEST_SUITE_P(Backends, UnloadedChainCheckTest, ::testing::ValuesIn(testing::testBackends()),
                         testing::backendName);

}  // namespace
}  // namespace orderhost::engine
