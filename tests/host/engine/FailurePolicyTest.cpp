// What happens when steps fail, reject, time out or wait too long: compensation in reverse
// order, the on_failure policies, manual actions, timeouts and signal timeouts — each through
// the real scripted plugin on a real database (SQLite and PostgreSQL).
#include "tests/host/engine/EngineTestFixture.h"

#include "host/chains/ChainFileParser.h"
#include "host/engine/OrderPoller.h"
#include "host/engine/OrderSignals.h"

#include <Poco/Data/Session.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace orderhost::engine {
namespace {

using chains::FailurePolicy;
using chains::SignalTimeoutPolicy;

chains::StepDefinition undoable(const std::string& name, const std::string& configJson = "{}", int attempts = 1) {
    return step(name, configJson, attempts, "undoable");
}

chains::StepDefinition withPolicy(chains::StepDefinition s, FailurePolicy policy) {
    s.onFailure = policy;
    return s;
}

class FailurePolicyTest : public ChainRunnerTest {
protected:
    std::string trace(const std::string& orderId) {
        std::string json;
        auto doc = document::JsonDocument::parse(store_->findById(orderId)->document);
        doc.document->getJson("/trace", json);
        return json;
    }

    SignalResult manualAction(const std::string& orderId, const std::string& action) {
        OrderSignals signals(*engine_);
        return signals.deliver(orderId, "manual_action", R"({"action":")" + action + R"(","note":"by test"})");
    }
};

TEST_P(FailurePolicyTest, ARejectionUndoesTheCompletedStepsInReverseOrder) {
    const auto order = runChain({undoable("reserve"), step("plain", "{}"), undoable("invoice"),
                                 step("judge", R"({"outcome":"reject"})"), undoable("never")});
    EXPECT_EQ(order.state, states::kRejected);
    EXPECT_EQ(order.compensateTo, "");
    EXPECT_EQ(trace(order.id), R"(["reserve#1","plain#1","invoice#1","judge#1","invoice~undo#1","reserve~undo#1"])");
    EXPECT_EQ(outcomes(order.id), (Outcomes{"reserve:continue", "plain:continue", "invoice:continue", "judge:reject",
                                            "invoice:compensated", "reserve:compensated"}));
    EXPECT_EQ(eventTypes(order.id), (Outcomes{"order.compensating", "order.rejected"}));
    EXPECT_EQ(order.leaseOwner, "");  // stopped orders hold no lease
}

TEST_P(FailurePolicyTest, AFailureCompensatesByDefaultAndTheOrderEndsFailed) {
    const auto order = runChain({undoable("reserve"), step("broken", R"({"outcome":"fail"})")});
    EXPECT_EQ(order.state, states::kFailed);
    EXPECT_EQ(trace(order.id), R"(["reserve#1","reserve~undo#1"])");
}

TEST_P(FailurePolicyTest, NothingToUndoEndsAtOnceWithoutPassingThroughCompensating) {
    const auto order = runChain({step("plain", "{}"), step("judge", R"({"outcome":"reject"})")});
    EXPECT_EQ(order.state, states::kRejected);
    EXPECT_EQ(eventTypes(order.id), (Outcomes{"order.rejected"}));
}

TEST_P(FailurePolicyTest, FailPolicyUndoesNothing) {
    const auto order =
        runChain({undoable("reserve"), withPolicy(step("broken", R"({"outcome":"fail"})"), FailurePolicy::Fail)});
    EXPECT_EQ(order.state, states::kFailed);
    EXPECT_EQ(trace(order.id), R"(["reserve#1"])");
}

TEST_P(FailurePolicyTest, ContinuePolicyRecordsTheFailureAndGoesOn) {
    const auto order =
        runChain({withPolicy(step("optional", R"({"outcome":"fail"})"), FailurePolicy::Continue), step("next", "{}")});
    EXPECT_EQ(order.state, states::kCompleted);
    EXPECT_EQ(outcomes(order.id), (Outcomes{"optional:fail", "next:continue"}));
    EXPECT_EQ(trace(order.id), R"(["next#1"])");  // the failed step's change was not kept
}

TEST_P(FailurePolicyTest, HoldPolicyWaitsForAManualActionThatCanSkipTheStep) {
    const auto held =
        runChain({withPolicy(step("broken", R"({"outcome":"fail"})"), FailurePolicy::Hold), step("next", "{}")});
    ASSERT_EQ(held.state, states::kOnHold);
    EXPECT_EQ(held.awaitingSignal, "manual_action");
    EXPECT_EQ(manualAction(held.id, "dance").kind, SignalResult::Kind::InvalidPayload);
    // Members of the wrong type, a note the rule for client text refuses (a NUL cut it short,
    // {"action": 5} was a retry; found by a black-box probe), or a member no manual action has
    // ({"acton": "fail"} was a retry that paid a held refund), change nothing.
    OrderSignals signals(*engine_);
    for (const std::string& wrong : {std::string(R"({"action":5})"), std::string(R"({"action":"retry","note":7})"),
                                     std::string(R"({"action":"retry","note":"a\u0000b"})"),
                                     std::string(R"({"action":"retry","note":"a\u0085b"})"),
                                     std::string(R"({"action":"retry","note":")") + std::string(1001, 'n') + "\"}",
                                     std::string(R"({"acton":"fail","note":"a typo was a retry"})"),
                                     std::string(R"({"action":"skip","Note":"x"})")}) {
        const SignalResult refused = signals.deliver(held.id, "manual_action", wrong);
        EXPECT_EQ(refused.kind, SignalResult::Kind::InvalidPayload) << wrong.substr(0, 60) << ": " << refused.message;
    }
    EXPECT_EQ(signals.deliver(held.id, "manual_action", R"({"acton":"fail"})").message,
              R"(unknown member "acton": a manual action takes "action", "note" and "data")");
    EXPECT_EQ(store_->findById(held.id)->awaitingSignal, "manual_action") << "still held, nothing claimed";
    const SignalResult retried = manualAction(held.id, "retry");  // fails again: held again
    ASSERT_EQ(retried.kind, SignalResult::Kind::Resumed) << retried.message;
    EXPECT_EQ(retried.order.state, states::kOnHold);
    const SignalResult skipped = manualAction(held.id, "skip");
    ASSERT_EQ(skipped.kind, SignalResult::Kind::Resumed) << skipped.message;
    EXPECT_EQ(skipped.order.state, states::kCompleted);
    EXPECT_EQ(outcomes(held.id), (Outcomes{"broken:fail", "broken:manual_action", "broken:fail", "broken:manual_action",
                                           "next:continue"}));
}

// Manual actions sent at once (two administrators, a client's retry): each request claims the
// order as it read it, so exactly the ones that won ran, each once, and the others were told
// another request took it up. Before, a host could claim its own order again: several requests
// claimed, the earlier ones' checkpoints were stale and a later one wrote the order it had read.
TEST_P(FailurePolicyTest, ManualActionsSentAtOnceRunOnceEachOrAreToldAnotherRequestWon) {
    const auto held = runChain({withPolicy(step("broken", R"({"outcome":"fail"})"), FailurePolicy::Hold)});
    ASSERT_EQ(held.state, states::kOnHold);
    constexpr int kRequests = 6;
    std::vector<SignalResult> results(kRequests);
    std::vector<std::string> thrown(kRequests);
    std::vector<std::thread> threads;
    // Another transaction holds the order's row (PostgreSQL) or the write lock (SQLite): every
    // request reads the held order, then waits at its claim; released, they claim in turn.
    std::atomic<bool> locked{false}, release{false};
    std::thread blocker([&] {
        db_->withTransaction("hold the order's row", [&](Poco::Data::Session& s) {
            s << "UPDATE orders SET updated_at = updated_at WHERE id = ?", Poco::Data::Keywords::bind(held.id),
                Poco::Data::Keywords::now;
            locked = true;
            while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        });
    });
    while (!locked) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    for (int i = 0; i < kRequests; ++i)
        threads.emplace_back([&, i] {
            try {
                results[i] = manualAction(held.id, "retry");
            } catch (const std::exception& e) {
                thrown[i] = e.what();
            }
        });
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    release = true;
    blocker.join();
    for (auto& t : threads) t.join();
    int resumed = 0;
    for (int i = 0; i < kRequests; ++i) {
        EXPECT_EQ(thrown[i], "") << "request " << i;
        if (results[i].kind == SignalResult::Kind::Resumed) {
            ++resumed;
            EXPECT_EQ(results[i].order.state, states::kOnHold) << "the retry failed again and was held again";
        } else {
            EXPECT_EQ(results[i].kind, SignalResult::Kind::NotWaiting) << results[i].message;
        }
    }
    EXPECT_GE(resumed, 1);
    Outcomes expected{"broken:fail"};
    for (int i = 0; i < resumed; ++i) expected.insert(expected.end(), {"broken:manual_action", "broken:fail"});
    EXPECT_EQ(outcomes(held.id), expected);
    const auto now = store_->findById(held.id);
    EXPECT_EQ(now->state, states::kOnHold);
    EXPECT_EQ(now->awaitingSignal, "manual_action");
}

// "data" of a manual action is what the administrator tells the step (a refund made by hand):
// stored at /signals/manual_action for the step's next run; an action without it clears it.
TEST_P(FailurePolicyTest, AManualActionsDataIsStoredForTheStepAndClearedByTheNextAction) {
    const auto held = runChain({withPolicy(step("broken", R"({"outcome":"fail"})"), FailurePolicy::Hold)});
    ASSERT_EQ(held.state, states::kOnHold);
    const auto stored = [&] {
        std::string json;
        document::JsonDocument::parse(store_->findById(held.id)->document)
            .document->getJson("/signals/manual_action", json);
        return json;
    };
    OrderSignals signals(*engine_);
    const SignalResult notAnObject =
        signals.deliver(held.id, "manual_action", R"({"action":"retry","data":["refunded_by_hand"]})");
    EXPECT_EQ(notAnObject.kind, SignalResult::Kind::InvalidPayload);
    EXPECT_EQ(notAnObject.message, R"("data" must be a JSON object)");
    EXPECT_EQ(store_->findById(held.id)->awaitingSignal, "manual_action") << "still held, nothing claimed";
    // null is as good as absent: it clears nothing that is not there and is no error.
    const SignalResult withNull =
        signals.deliver(held.id, "manual_action", R"({"action":null,"note":null,"data":null})");
    ASSERT_EQ(withNull.kind, SignalResult::Kind::Resumed) << withNull.message;
    ASSERT_EQ(withNull.order.state, states::kOnHold);  // retried, failed again

    const SignalResult told = signals.deliver(held.id, "manual_action",
                                              R"({"action":"retry","data":{"refunded_by_hand":{"refund_id":"re_1"}}})");
    ASSERT_EQ(told.kind, SignalResult::Kind::Resumed) << told.message;
    EXPECT_EQ(told.order.state, states::kOnHold);  // the step failed again
    EXPECT_EQ(stored(), R"({"refunded_by_hand":{"refund_id":"re_1"}})");
    ASSERT_EQ(manualAction(held.id, "retry").kind, SignalResult::Kind::Resumed);
    EXPECT_EQ(stored(), "") << "an older action's data must not reach a later run";
}

TEST_P(FailurePolicyTest, AManualCompensateUndoesWhatWasDone) {
    const auto held =
        runChain({undoable("reserve"), withPolicy(step("broken", R"({"outcome":"fail"})"), FailurePolicy::Hold)});
    const SignalResult result = manualAction(held.id, "compensate");
    ASSERT_EQ(result.kind, SignalResult::Kind::Resumed) << result.message;
    EXPECT_EQ(result.order.state, states::kFailed);
    EXPECT_EQ(trace(held.id), R"(["reserve#1","reserve~undo#1"])");
}

TEST_P(FailurePolicyTest, ACompensationThatFailsHoldsTheOrderAndASkipFinishesTheUndo) {
    const auto held = runChain({undoable("reserve"), undoable("invoice", R"({"compensate":"fail"})"),
                                step("judge", R"({"outcome":"reject"})")});
    ASSERT_EQ(held.state, states::kOnHold);
    EXPECT_EQ(held.awaitingSignal, "manual_action");
    EXPECT_EQ(held.compensateTo, states::kRejected);
    const SignalResult result = manualAction(held.id, "skip");
    ASSERT_EQ(result.kind, SignalResult::Kind::Resumed) << result.message;
    EXPECT_EQ(result.order.state, states::kRejected);
    // The failed undo's change is not kept; the skip leaves "invoice" as it is.
    EXPECT_EQ(trace(held.id), R"(["reserve#1","invoice#1","judge#1","reserve~undo#1"])");
    EXPECT_EQ(outcomes(held.id).at(3), "invoice:undo_failed");
}

TEST_P(FailurePolicyTest, ACompensationRetriesWithinItsStepsAttempts) {
    const auto order = runChain({undoable("reserve", R"({"compensate":"retry","compensate_succeed_on_attempt":2})", 2),
                                 step("judge", R"({"outcome":"reject"})")});
    EXPECT_EQ(order.state, states::kRejected);
    EXPECT_EQ(trace(order.id), R"(["reserve#1","judge#1","reserve~undo#2"])");  // attempt 1's change dropped
    EXPECT_EQ(outcomes(order.id),
              (Outcomes{"reserve:continue", "judge:reject", "reserve:undo_retry", "reserve:compensated"}));
}

// Issue 9: a step that may act outside (no OH_STEP_NO_EXTERNAL_EFFECTS) and gave up not
// knowing what it did (RETRY out of attempts) is undone with the completed ones: a gateway may
// hold what its lost answers said. Its compensate() sees the order as before that run.
TEST_P(FailurePolicyTest, AStepThatGaveUpNotKnowingWhatItDidIsUndoneToo) {
    const auto order = runChain({undoable("reserve"), undoable("pay", R"({"outcome":"retry"})", 2)});
    EXPECT_EQ(order.state, states::kFailed);
    EXPECT_EQ(trace(order.id), R"(["reserve#1","pay~undo#1","reserve~undo#1"])");
    EXPECT_EQ(outcomes(order.id),
              (Outcomes{"reserve:continue", "pay:retry", "pay:retry", "pay:compensated", "reserve:compensated"}));
}

// A step that said what happened (FAIL) is not undone.
TEST_P(FailurePolicyTest, AStepThatFailedKnowinglyIsNotUndone) {
    const auto failed = runChain({undoable("reserve"), undoable("pay", R"({"outcome":"fail"})")});
    EXPECT_EQ(failed.state, states::kFailed);
    EXPECT_EQ(trace(failed.id), R"(["reserve#1","reserve~undo#1"])");
}

// One held after giving up not knowing is undone when a person chooses compensate.
TEST_P(FailurePolicyTest, AStepHeldAfterGivingUpNotKnowingIsUndoneOnAManualCompensate) {
    const auto held =
        runChain({undoable("reserve"), withPolicy(undoable("pay", R"({"outcome":"retry"})"), FailurePolicy::Hold)});
    ASSERT_EQ(held.state, states::kOnHold);
    const SignalResult result = manualAction(held.id, "compensate");
    ASSERT_EQ(result.kind, SignalResult::Kind::Resumed) << result.message;
    EXPECT_EQ(result.order.state, states::kFailed);
    EXPECT_EQ(trace(held.id), R"(["reserve#1","pay~undo#1","reserve~undo#1"])");
}

// A person who skips it has said it is left as it is (admin guide, manual actions): a later
// compensation does not undo it, only what completed before it.
TEST_P(FailurePolicyTest, AStepSkippedAfterGivingUpNotKnowingIsNotUndoneByALaterCompensation) {
    const auto held =
        runChain({undoable("reserve"), withPolicy(undoable("pay", R"({"outcome":"retry"})"), FailurePolicy::Hold),
                  step("judge", R"({"outcome":"reject"})")});
    ASSERT_EQ(held.state, states::kOnHold);
    const SignalResult result = manualAction(held.id, "skip");
    ASSERT_EQ(result.kind, SignalResult::Kind::Resumed) << result.message;
    EXPECT_EQ(result.order.state, states::kRejected);  // judge rejected; the undo ran
    EXPECT_EQ(trace(held.id), R"(["reserve#1","judge#1","reserve~undo#1"])");
    EXPECT_EQ(outcomes(held.id),
              (Outcomes{"reserve:continue", "pay:retry", "pay:manual_action", "judge:reject", "reserve:compensated"}));
}

TEST_P(FailurePolicyTest, CompensationInterruptedByACrashGoesOnFromItsCheckpoint) {
    // As a killed host leaves it: "invoice" undone, "reserve" not yet, lease expired.
    const auto held = runChain({undoable("reserve"), undoable("invoice", R"({"compensate":"fail"})"),
                                step("judge", R"({"outcome":"reject"})")});
    ASSERT_EQ(held.state, states::kOnHold);
    ASSERT_TRUE(store_->claim(held.id, states::kOnHold, states::kCompensating, "dead-host", 50, now_));
    auto order = *store_->findById(held.id);
    order.currentStep = 1;  // what the undo of "invoice" (index 1) committed
    store::StepRunRecord run;
    run.stepName = "invoice";
    run.outcome = "compensated";
    store::CheckpointExtras extras;
    extras.expectedLeaseOwner = "dead-host";
    extras.expectedLeaseEpoch = order.leaseEpoch;  // the dead host's claim
    store_->recordStep(order, states::kCompensating, run, extras);
    now_ = 100;
    OrderPoller poller(*engine_, std::chrono::milliseconds(10));
    EXPECT_EQ(poller.runDue(), 1u);  // takes over the expired lease
    const auto done = store_->findById(held.id);
    EXPECT_EQ(done->state, states::kRejected);
    // Only "reserve" was left to undo ("invoice" counted as undone by the simulated checkpoint).
    EXPECT_EQ(trace(held.id), R"(["reserve#1","invoice#1","judge#1","reserve~undo#1"])");
}

TEST_P(FailurePolicyTest, AStepThatOverrunsItsTimeoutCountsAsAFailedAttempt) {
    auto slow = step("slow", R"({"sleep_ms":400})", 1);
    slow.timeoutMs = 50;
    slow.onFailure = FailurePolicy::Fail;
    const auto order = runChain({slow, step("never", "{}")});
    EXPECT_EQ(order.state, states::kFailed);
    const auto runs = store_->stepRuns(order.id);
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].outcome, "timeout");
    EXPECT_EQ(runs[0].code, "timeout");
    EXPECT_EQ(order.document, R"({"order_ref":"R-1"})");  // the late call's change is dropped
}

// Issue 9: the run's call overran its timeout and has not returned (it may still charge a
// card): the step's undo waits for it rather than running beside it, without using up the
// undo's attempts, and runs once the call has returned.
TEST_P(FailurePolicyTest, TheUndoOfAStepWhoseCallOverranItsTimeoutWaitsUntilTheCallReturns) {
    auto slow = undoable("pay", R"({"sleep_ms":600})");
    slow.timeoutMs = 50;
    const auto waiting = runChain({undoable("reserve"), slow});
    EXPECT_EQ(waiting.state, states::kRetryWait);
    EXPECT_EQ(outcomes(waiting.id), (Outcomes{"reserve:continue", "pay:timeout", "pay:undo_retry"}));
    EXPECT_EQ(store_->stepRuns(waiting.id).back().code, "call_still_running");
    EXPECT_EQ(trace(waiting.id), R"(["reserve#1"])") << "nothing undone beside the running call";
    EXPECT_EQ(waiting.nextAttempt, 1) << "waiting is no attempt of the undo";
    EXPECT_EQ(waiting.leaseOwner, engine_->hostId()) << "only this host knows the call: no other may undo it";
    EXPECT_GT(waiting.leaseUntilMs, waiting.wakeAtMs);
    std::this_thread::sleep_for(std::chrono::milliseconds(900));  // the abandoned call returns
    now_ = waiting.wakeAtMs;
    OrderPoller poller(*engine_, std::chrono::milliseconds(10));
    EXPECT_EQ(poller.runDue(), 1u);
    EXPECT_EQ(store_->findById(waiting.id)->state, states::kFailed);
    EXPECT_EQ(trace(waiting.id), R"(["reserve#1","pay~undo#1","reserve~undo#1"])");
}

TEST_P(FailurePolicyTest, ASignalThatDoesNotComeInTimeTakesTheTimeoutPath) {
    auto wait = undoable("wait", R"({"outcome":"suspend"})");
    wait.signalTimeoutMs = 5000;
    const auto held = runChain({undoable("reserve"), wait, step("after", "{}")});
    ASSERT_EQ(held.state, states::kOnHold);
    EXPECT_EQ(held.wakeAtMs, 42 + 5000);
    OrderPoller poller(*engine_, std::chrono::milliseconds(10));
    EXPECT_EQ(poller.runDue(), 0u);
    now_ = 42 + 5000;
    EXPECT_EQ(poller.runDue(), 1u);
    const auto done = store_->findById(held.id);
    EXPECT_EQ(done->state, states::kFailed);  // on_signal_timeout: failure → on_failure: compensate
    // The waiting step suspended, so it may have acted (a booking): it is undone too, first.
    EXPECT_EQ(trace(held.id), R"(["reserve#1","wait#1","wait~undo#1","reserve~undo#1"])");
    EXPECT_EQ(outcomes(held.id).at(2), "wait:signal_timeout");
}

TEST_P(FailurePolicyTest, ARerunAfterASignalTimeoutLetsTheStepDecide) {
    auto wait = step("wait", R"({"outcome":"suspend"})");
    wait.signalTimeoutMs = 10;
    wait.onSignalTimeout = SignalTimeoutPolicy::Rerun;
    const auto held = runChain({wait, step("after", "{}")});
    now_ = 1000;
    OrderPoller poller(*engine_, std::chrono::milliseconds(10));
    EXPECT_EQ(poller.runDue(), 1u);
    const auto done = store_->findById(held.id);
    EXPECT_EQ(done->state, states::kRejected);  // the scripted step rejects a payload without "go"
    EXPECT_NE(done->document.find(R"("scripted_signal":{"timed_out":true})"), std::string::npos);
}

TEST_P(FailurePolicyTest, AStepWhoseConditionIsFalseIsSkippedAndNeverUndone) {
    auto onlyServices = undoable("provision");
    const auto parsed = chains::parseChainText(
        "name: c\nversion: 1\ntrigger: place_order\nsteps:\n  - name: s\n    plugin: p\n    step: k\n"
        "    when: {path: /lines/*/kind, equals: service}\n",
        "c.yaml");
    ASSERT_TRUE(parsed.chain) << parsed.errors.at(0).toString();
    onlyServices.when = parsed.chain->steps.at(0).when;
    const auto order = runChain({undoable("reserve"), onlyServices, step("judge", R"({"outcome":"reject"})")});
    EXPECT_EQ(order.state, states::kRejected);
    EXPECT_EQ(outcomes(order.id),
              (Outcomes{"reserve:continue", "provision:skipped", "judge:reject", "reserve:compensated"}));
    EXPECT_NE(store_->stepRuns(order.id)[1].message.find("/lines/*/kind"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, FailurePolicyTest, ::testing::ValuesIn(testing::testBackends()),
                         testing::backendName);

}  // namespace
}  // namespace orderhost::engine
