// The crash breaker counts plugin calls that died with their host, and only those: a call that
// returned but whose checkpoint failed (the database unavailable or full) is not a crash.
// Real databases, both backends; the checkpoint fails through a trigger on step_runs, as it
// does when the disk is full (the host stays alive, the transaction rolls back).
#include "tests/host/engine/EngineTestFixture.h"

#include "host/store/StoreError.h"

using namespace Poco::Data::Keywords;

namespace orderhost::engine {
namespace {

class CrashBreakerTest : public ChainRunnerTest {
protected:
    // An order as OrderIntake stores it: leased to this host by its first claim (epoch 1), its
    // first plugin call counted before it is made.
    store::OrderRecord received(const std::string& ref) {
        chains::ChainDefinition definition;
        definition.name = "test-chain";
        definition.version = 1;
        definition.trigger = "place_order";
        definition.steps = {step("a", "{}"), step("b", "{}")};
        useChains(buildChains({definition}, *registry_, [this] { return now_.load(); }));
        store::OrderRecord order;
        order.id = "00000000-0000-4000-8000-" + std::string(12 - ref.size(), '0') + ref;
        order.orderRef = ref;
        order.chain = "test-chain";
        order.chainVersion = 1;
        order.state = states::kReceived;
        order.document = R"({"order_ref":")" + ref + R"("})";
        order.requestHash = "h";
        order.leaseOwner = "test-host";
        order.leaseUntilMs = now_ + 60000;
        order.leaseEpoch = 1;
        order.callsPending = 1;
        EXPECT_EQ(store_->insertOrder(order), store::InsertResult::Inserted);
        return order;
    }

    // Every checkpoint fails from now on, until healCheckpoints().
    void breakCheckpoints() {
        if (db_->backend() == store::Backend::SQLite) {
            exec(
                "CREATE TRIGGER no_checkpoint BEFORE INSERT ON step_runs BEGIN SELECT RAISE(ABORT, 'no space left'); "
                "END");
        } else {
            exec(
                "CREATE FUNCTION no_checkpoint() RETURNS trigger LANGUAGE plpgsql AS "
                "'BEGIN RAISE EXCEPTION ''no space left''; END'");
            exec(
                "CREATE TRIGGER no_checkpoint BEFORE INSERT ON step_runs FOR EACH ROW EXECUTE FUNCTION "
                "no_checkpoint()");
        }
    }
    void healCheckpoints() {
        exec(db_->backend() == store::Backend::SQLite ? "DROP TRIGGER no_checkpoint"
                                                      : "DROP TRIGGER no_checkpoint ON step_runs");
    }
    void exec(const std::string& sql) {
        db_->withSession("test setup", [&](Poco::Data::Session& s) { s << sql, now; });
    }

    // What the poller does once the lease ran out: claim the order again and run it.
    store::OrderRecord takeOver(const std::string& id) {
        now_ += 200000;  // past any lease
        const auto claimed = store_->claimExpired({states::kReceived, states::kInProgress}, "test-host", now_ + 30000,
                                                  now_, 1, true, {"test-chain"});
        EXPECT_EQ(claimed.size(), 1u);
        auto order = store_->findById(id);
        EXPECT_TRUE(order);
        return *order;
    }
};

TEST_P(CrashBreakerTest, CheckpointsThatFailedOnTheDatabaseAreNotCountedAsCrashes) {
    const store::OrderRecord order = received("R-1");
    ChainRunner runner(*engine_);
    breakCheckpoints();
    // The intake's run and then four take-overs: each call returns, each checkpoint fails.
    EXPECT_THROW(runner.run(order), store::StoreError);
    for (int i = 0; i < 4; ++i) EXPECT_THROW(runner.run(takeOver(order.id)), store::StoreError);
    healCheckpoints();

    const store::OrderRecord finished = runner.run(takeOver(order.id));
    EXPECT_EQ(finished.state, states::kCompleted) << "held as crashed: " << store_->stepRuns(order.id).back().message;
    EXPECT_EQ(outcomes(order.id), (Outcomes{"a:continue", "b:continue"}));
}

TEST_P(CrashBreakerTest, AnExcuseHoldsOnlyForTheNextClaimAndCallsThatNeverReturnedStillCount) {
    const store::OrderRecord order = received("R-2");
    ChainRunner runner(*engine_);
    breakCheckpoints();
    EXPECT_THROW(runner.run(order), store::StoreError);  // excused: the host saw it fail
    healCheckpoints();
    // Then the host dies during each of crash_limit calls: claimed, never checkpointed.
    for (int i = 0; i < engine_->crashLimit(); ++i) takeOver(order.id);
    const store::OrderRecord held = runner.run(takeOver(order.id));
    EXPECT_EQ(held.state, states::kOnHold);
    EXPECT_EQ(store_->stepRuns(order.id).back().code, "plugin_crashed");
}

INSTANTIATE_TEST_SUITE_P(Backends, CrashBreakerTest, ::testing::ValuesIn(testing::testBackends()),
                         testing::backendName);

}  // namespace
}  // namespace orderhost::engine
