// The runner with real pieces: the scripted test plugin through the real loader, a real SQLite
// database through ODBC. Each test states what an administrator would see in the order.
#include "tests/host/engine/EngineTestFixture.h"

#include "host/engine/OrderRecovery.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <thread>

namespace orderhost::engine {

namespace {

TEST_P(ChainRunnerTest, EveryStepContinuingCompletesTheOrderAndCommitsEachStep) {
    const auto order = runChain({step("a", "{}"), step("b", "{}"), step("c", "{}")});
    EXPECT_EQ(order.state, states::kCompleted);
    EXPECT_EQ(order.currentStep, 3);
    EXPECT_EQ(outcomes(order.id), (Outcomes{"a:continue", "b:continue", "c:continue"}));
    const auto stored = store_->findById(order.id);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->state, states::kCompleted);
    EXPECT_EQ(stored->document, R"({"order_ref":"R-1","trace":["a#1","b#1","c#1"]})");
}

TEST_P(ChainRunnerTest, RetriesUpToTheStepsAttemptsAndKeepsOnlyTheSuccessfulAttemptsChanges) {
    const auto order =
        runChain({step("flaky", R"({"outcome":"retry","succeed_on_attempt":3})", 3), step("next", "{}")});
    EXPECT_EQ(order.state, states::kCompleted);
    EXPECT_EQ(outcomes(order.id), (Outcomes{"flaky:retry", "flaky:retry", "flaky:continue", "next:continue"}));
    EXPECT_EQ(store_->stepRuns(order.id)[2].attempt, 3);
    EXPECT_EQ(order.document, R"({"order_ref":"R-1","trace":["flaky#3","next#1"]})");
}

TEST_P(ChainRunnerTest, RunningOutOfAttemptsFailsTheOrder) {
    const auto order = runChain({step("flaky", R"({"outcome":"retry"})", 2), step("never", "{}")});
    EXPECT_EQ(order.state, states::kFailed);
    // The last run keeps the plugin's word (retry); its code says why the host gave up.
    EXPECT_EQ(outcomes(order.id), (Outcomes{"flaky:retry", "flaky:retry"}));
    EXPECT_EQ(store_->stepRuns(order.id)[1].code, "retries_exhausted");
    EXPECT_EQ(order.document, R"({"order_ref":"R-1"})");
}

TEST_P(ChainRunnerTest, AFailingStepStopsTheChainAndDiscardsItsChanges) {
    const auto order = runChain({step("ok", "{}"), step("broken", R"({"outcome":"fail"})"), step("never", "{}")});
    EXPECT_EQ(order.state, states::kFailed);
    EXPECT_EQ(order.currentStep, 1);
    EXPECT_EQ(outcomes(order.id), (Outcomes{"ok:continue", "broken:fail"}));
    EXPECT_EQ(store_->stepRuns(order.id)[1].code, "scripted_fail");
    EXPECT_EQ(order.document, R"({"order_ref":"R-1","trace":["ok#1"]})");
}

TEST_P(ChainRunnerTest, AnExceptionInThePluginBecomesAFailureWithItsMessage) {
    const auto order = runChain({step("thrower", R"({"outcome":"throw"})")});
    EXPECT_EQ(order.state, states::kFailed);
    const auto runs = store_->stepRuns(order.id);
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].code, "plugin_error");
    EXPECT_EQ(runs[0].message, "thrown as asked");
}

TEST_P(ChainRunnerTest, ARejectionIsFinalAndKeepsTheStepsChanges) {
    const auto order = runChain({step("judge", R"({"outcome":"reject"})"), step("never", "{}")});
    EXPECT_EQ(order.state, states::kRejected);
    EXPECT_EQ(store_->stepRuns(order.id)[0].code, "scripted_reject");
    EXPECT_EQ(order.document, R"({"order_ref":"R-1","trace":["judge#1"]})");
}

TEST_P(ChainRunnerTest, ASuspensionHoldsTheOrderAtThatStep) {
    const auto order = runChain({step("ok", "{}"), step("wait", R"({"outcome":"suspend"})"), step("later", "{}")});
    EXPECT_EQ(order.state, states::kOnHold);
    EXPECT_EQ(order.currentStep, 1);
    EXPECT_EQ(outcomes(order.id), (Outcomes{"ok:continue", "wait:suspend"}));
}

TEST_P(ChainRunnerTest, AStepKindThatIsNotThreadSafeIsNeverEnteredTwiceAtOnce) {
    chains::ChainDefinition definition;
    definition.name = "serial-chain";
    definition.version = 1;
    definition.trigger = "place_order";
    definition.steps = {step("one", "{}", 1, "serial")};
    const ChainSet set = buildChains({definition}, *registry_, services::systemClockMs);
    ASSERT_TRUE(set.errors.empty());
    StepInstance& instance = *set.latest("serial-chain")->steps[0];
    std::vector<std::thread> threads;
    std::atomic<std::int64_t> maxSeen{0};
    for (int t = 0; t < 6; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 10; ++i) {
                auto doc = document::JsonDocument::parse("{}");
                instance.run(*doc.document, StepCallInfo{"o", 1, "o/one"});
                std::int64_t seen = 0;
                doc.document->getInt("/max_concurrent", seen);
                maxSeen = std::max(maxSeen.load(), seen);
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(maxSeen.load(), 1);
}

TEST_P(ChainRunnerTest, BindingReportsUnknownPluginsKindsAndRefusedConfigWithTheirLocation) {
    chains::ChainDefinition definition;
    definition.name = "broken";
    definition.version = 1;
    auto unknownPlugin = step("p", "{}");
    unknownPlugin.plugin = "no.such.plugin";
    unknownPlugin.location = {"broken.yaml", 7, 5};
    auto unknownKind = step("k", "{}", 1, "nope");
    auto refused = step("c", R"({"outcome":"refuse-config"})");
    refused.configLocation = {"broken.yaml", 12, 9};
    definition.steps = {unknownPlugin, unknownKind, refused};
    const ChainSet set = buildChains({definition}, *registry_, services::systemClockMs);
    EXPECT_EQ(set.latest("broken"), nullptr);
    ASSERT_EQ(set.errors.size(), 3u);
    EXPECT_EQ(set.errors[0].toString(),
              "broken.yaml:7:5: step 'p': unknown plugin 'no.such.plugin' (loaded plugins: test.scripted)");
    EXPECT_NE(set.errors[1].toString().find(
                  "has no step kind 'nope' (it has: scripted, internal, serial, undoable, quoting)"),
              std::string::npos);
    // The plugin's file too: an administrator finds the build that refused (an integrator's probe).
    EXPECT_EQ(set.errors[2].toString(), "broken.yaml:12:9: step 'c': plugin test.scripted (" +
                                            registry_->find("test.scripted")->manifest.file +
                                            ") refused the step: config field 'outcome' refused as asked");
    EXPECT_NE(set.errors[2].toString().find("scripted.so) refused"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, ChainRunnerTest, ::testing::ValuesIn(testing::testBackends()), testing::backendName);

TEST(OrderStateTest, OnlyTheDrawnTransitionsAreAllowed) {
    EXPECT_NO_THROW(states::requireTransition(states::kReceived, states::kInProgress));
    EXPECT_NO_THROW(states::requireTransition(states::kInProgress, states::kCompleted));
    EXPECT_NO_THROW(states::requireTransition(states::kCompleted, states::kInProgress));  // a return chain
    EXPECT_THROW(states::requireTransition(states::kCompleted, states::kRejected), std::logic_error);
    EXPECT_THROW(states::requireTransition(states::kCancelled, states::kInProgress), std::logic_error);
    EXPECT_THROW(states::requireTransition(states::kRejected, states::kCompleted), std::logic_error);
    EXPECT_THROW(states::requireTransition(states::kFailed, states::kReceived), std::logic_error);
}

}  // namespace
}  // namespace orderhost::engine

namespace orderhost::engine {
namespace {

TEST_P(ChainRunnerTest, NewOrdersTakeTheLatestVersionAndUnfinishedOrdersResumeOnTheirOwn) {
    chains::ChainDefinition v1;
    v1.name = "versioned";
    v1.version = 1;
    v1.steps = {step("old-a", "{}"), step("old-b", "{}")};
    chains::ChainDefinition v2 = v1;
    v2.version = 2;
    v2.steps = {step("new-a", "{}")};
    useChains(buildChains({v2, v1}, *registry_, services::systemClockMs));
    const ChainSet& set = chains_;
    ASSERT_TRUE(set.errors.empty());
    ASSERT_NE(set.latest("versioned"), nullptr);
    EXPECT_EQ(set.latest("versioned")->definition.version, 2);
    ASSERT_NE(set.find("versioned", 1), nullptr);

    // An order a killed host left after v1's first step.
    store::OrderRecord order;
    order.id = "00000000-0000-4000-8000-00000000beef";
    order.orderRef = "R-OLD";
    order.chain = "versioned";
    order.chainVersion = 1;
    order.state = states::kInProgress;
    order.currentStep = 1;
    order.document = R"({"trace":["old-a#1"]})";
    order.requestHash = "h";
    ASSERT_EQ(store_->insertOrder(order), store::InsertResult::Inserted);

    const RecoveryReport report = resumeUnfinishedOrders(*engine_);
    EXPECT_EQ(report.resumed, 1u);
    EXPECT_EQ(report.skipped, 0u);
    const auto resumed = store_->findById(order.id);
    ASSERT_TRUE(resumed);
    EXPECT_EQ(resumed->state, states::kCompleted);
    EXPECT_EQ(resumed->document, R"({"trace":["old-a#1","old-b#1"]})");
}

TEST_P(ChainRunnerTest, AnOrderWhoseChainVersionIsGoneIsLeftAsItWas) {
    store::OrderRecord order;
    order.id = "00000000-0000-4000-8000-00000000dead";
    order.orderRef = "R-GONE";
    order.chain = "retired";
    order.chainVersion = 7;
    order.state = states::kReceived;
    order.document = "{}";
    order.requestHash = "h";
    ASSERT_EQ(store_->insertOrder(order), store::InsertResult::Inserted);
    useChains(ChainSet{});
    const RecoveryReport report = resumeUnfinishedOrders(*engine_);
    EXPECT_EQ(report.resumed, 0u);
    EXPECT_EQ(report.skipped, 1u);
    EXPECT_EQ(store_->findById(order.id)->state, states::kReceived);
}

}  // namespace
}  // namespace orderhost::engine

#include "host/engine/OrderSignals.h"

namespace orderhost::engine {
namespace {

TEST_P(ChainRunnerTest, TheAwaitedSignalResumesTheHeldStepWithItsPayload) {
    const auto held = runChain({step("wait", R"({"outcome":"suspend"})"), step("after", "{}")});
    ASSERT_EQ(held.state, states::kOnHold);
    EXPECT_EQ(store_->findById(held.id)->awaitingSignal, "scripted_signal");

    now_ = 43;
    OrderSignals signals(*engine_);
    EXPECT_EQ(signals.deliver(held.id, "other_signal", "{}").kind, SignalResult::Kind::NotWaiting);
    EXPECT_EQ(signals.deliver(held.id, "scripted_signal", "[1]").kind, SignalResult::Kind::InvalidPayload);
    EXPECT_EQ(signals.deliver("00000000-0000-4000-8000-000000000000", "scripted_signal", "{}").kind,
              SignalResult::Kind::UnknownOrder);

    const SignalResult resumed = signals.deliver(held.id, "scripted_signal", R"({"go":true})");
    ASSERT_EQ(resumed.kind, SignalResult::Kind::Resumed) << resumed.message;
    EXPECT_EQ(resumed.order.state, states::kCompleted);
    EXPECT_EQ(resumed.order.awaitingSignal, "");
    EXPECT_EQ(outcomes(held.id), (Outcomes{"wait:suspend", "wait:signal", "wait:continue", "after:continue"}));
    EXPECT_EQ(resumed.order.document,
              R"({"order_ref":"R-1","trace":["wait#1","wait#1","after#1"],"signals":{"scripted_signal":{"go":true}}})");
    // Delivered twice: the order is completed and waits for nothing (the API's 409, or 202 when
    // the sender asked for an acknowledgement).
    EXPECT_EQ(signals.deliver(held.id, "scripted_signal", "{}").kind, SignalResult::Kind::Finished);
}

TEST_P(ChainRunnerTest, ASignalPayloadCanEndTheOrder) {
    const auto held = runChain({step("wait", R"({"outcome":"suspend"})"), step("after", "{}")});
    OrderSignals signals(*engine_);
    const SignalResult result = signals.deliver(held.id, "scripted_signal", R"({"go":false})");
    ASSERT_EQ(result.kind, SignalResult::Kind::Resumed);
    EXPECT_EQ(result.order.state, states::kRejected);
}

TEST_P(ChainRunnerTest, SuspendingOnASignalNobodyCanSendFailsTheOrder) {
    const auto order = runChain({step("odd", R"({"outcome":"bad-signal"})")});
    EXPECT_EQ(order.state, states::kFailed);
    EXPECT_EQ(store_->stepRuns(order.id)[0].code, "invalid_signal");
}

}  // namespace
}  // namespace orderhost::engine

#include "host/engine/OrderPoller.h"

namespace orderhost::engine {
namespace {

TEST_P(ChainRunnerTest, ABackoffMakesTheOrderWaitDurablyUntilTheTimerRunsItOn) {
    auto flaky = step("flaky", R"({"outcome":"retry","succeed_on_attempt":3})", 3);
    flaky.backoffMs = 1000;
    flaky.maxBackoffMs = 1500;
    const auto waiting = runChain({flaky, step("next", "{}")});
    ASSERT_EQ(waiting.state, states::kRetryWait);
    EXPECT_EQ(waiting.nextAttempt, 2);
    EXPECT_GE(waiting.wakeAtMs, 42 + 500);  // first delay: 1000 ms with jitter down to half
    EXPECT_LE(waiting.wakeAtMs, 42 + 1000);

    std::int64_t now = 42;
    OrderPoller timer(*engine_, std::chrono::milliseconds(10));
    EXPECT_EQ(timer.runDue(), 0u);  // not due yet
    now = now_ = waiting.wakeAtMs;
    EXPECT_EQ(timer.runDue(), 1u);
    auto second = store_->findById(waiting.id);
    ASSERT_EQ(second->state, states::kRetryWait);  // attempt 2 retried again: doubled, capped
    EXPECT_EQ(second->nextAttempt, 3);
    EXPECT_GE(second->wakeAtMs - now, 750);
    EXPECT_LE(second->wakeAtMs - now, 1500);

    now = now_ = second->wakeAtMs;
    EXPECT_EQ(timer.runDue(), 1u);
    const auto done = store_->findById(waiting.id);
    EXPECT_EQ(done->state, states::kCompleted);
    EXPECT_EQ(outcomes(waiting.id), (Outcomes{"flaky:retry", "flaky:retry", "flaky:continue", "next:continue"}));
    const auto runs = store_->stepRuns(waiting.id);
    EXPECT_EQ(runs[1].attempt, 2);
    EXPECT_EQ(runs[2].attempt, 3);
    EXPECT_EQ(done->document, R"({"order_ref":"R-1","trace":["flaky#3","next#1"]})");
}

TEST_P(ChainRunnerTest, APluginsRetryHintIsALowerBoundOnTheDelay) {
    const auto waiting = runChain({step("gateway", R"({"outcome":"retry","retry_after_ms":5000})", 2)});
    ASSERT_EQ(waiting.state, states::kRetryWait);
    EXPECT_EQ(waiting.wakeAtMs, 42 + 5000);
}

TEST_P(ChainRunnerTest, TheTimerThreadRunsDueOrdersOnItsOwn) {
    auto flaky = step("flaky", R"({"outcome":"retry","succeed_on_attempt":2})", 2);
    flaky.backoffMs = 20;  // at least 10 ms after jitter: never an immediate retry
    const auto waiting = runChain({flaky});
    ASSERT_EQ(waiting.state, states::kRetryWait);
    now_ = services::systemClockMs();
    OrderPoller timer(*engine_, std::chrono::milliseconds(10));
    timer.start();
    for (int i = 0; i < 200 && store_->findById(waiting.id)->state != states::kCompleted; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    timer.stop();
    EXPECT_EQ(store_->findById(waiting.id)->state, states::kCompleted);
}

}  // namespace
}  // namespace orderhost::engine
