// A cancel that came too late: the step that acted and then waited (a booked shipment waiting
// for the pickup) cannot be undone any more (the carrier picked the parcel up), so the order is
// held after its undo failed. The manual action `resume` abandons the cancel and runs the order
// on from that step; before it, no action moved such an order forward (fail left the payment
// authorized and the stock reserved; skip voided and released goods the carrier delivered).
#include "tests/host/engine/OrderCommandsFixture.h"

#include "host/engine/OrderCommands.h"
#include "host/engine/OrderSignals.h"

#include <Poco/Data/Session.h>

#include <algorithm>
#include <string>
#include <vector>

namespace orderhost::engine {
namespace {

class ResumeAfterCancelTest : public OrderCommandsTest {
protected:
    SignalResult manualAction(const std::string& orderId, const std::string& action) {
        OrderSignals signals(*engine_);
        return signals.deliver(orderId, "manual_action", R"({"action":")" + action + R"(","note":"picked up"})");
    }
};

TEST_P(ResumeAfterCancelTest, ACancelWhoseFirstUndoFailedIsAbandonedAndTheOrderRunsOnFromThatStep) {
    // Two attempts: a FAIL on the first is an undo that knows it did nothing.
    definitions_[0].steps = {step("reserve", "{}", 1, "undoable"),
                             step("book", R"({"outcome":"suspend","compensate":"fail"})", 2, "undoable"),
                             step("ship", "{}", 1, "undoable")};
    const auto waiting = placed("1");
    ASSERT_EQ(waiting.state, states::kOnHold);
    OrderCommands commands(*engine_);
    const CommandResult cancel = commands.cancel(waiting.id, "{}");
    ASSERT_EQ(cancel.kind, CommandResult::Kind::Accepted) << cancel.message;
    ASSERT_EQ(cancel.order.state, states::kOnHold);
    EXPECT_EQ(cancel.order.awaitingSignal, "manual_action");
    EXPECT_EQ(cancel.order.compensateTo, states::kCancelled);

    const SignalResult resumed = manualAction(waiting.id, "resume");
    ASSERT_EQ(resumed.kind, SignalResult::Kind::Resumed) << resumed.message;
    // The step runs again under its key and waits for its signal again; nothing was undone.
    EXPECT_EQ(resumed.order.state, states::kOnHold);
    EXPECT_EQ(resumed.order.awaitingSignal, "scripted_signal");
    EXPECT_EQ(resumed.order.compensateTo, "");
    OrderSignals signals(*engine_);
    const SignalResult done = signals.deliver(waiting.id, "scripted_signal", R"({"go":true})");
    EXPECT_EQ(done.order.state, states::kCompleted) << done.message;
    // (A failed undo's document change is not kept: no "book~undo#1".)
    EXPECT_EQ(trace(waiting.id), R"(["reserve#1","book#1","book#1","book#1","ship#1"])");
    // The ERP hears that the cancel it asked for was abandoned, then the order's news as usual.
    const std::vector<std::string> types = eventTypes(waiting.id);
    EXPECT_NE(std::find(types.begin(), types.end(), "order.cancel_abandoned"), types.end());
    EXPECT_EQ(types.back(), "order.completed");
    std::string abandonedAt;
    document::JsonDocument::parse(store_->findById(waiting.id)->document)
        .document->getJson("/cancellation/abandoned_at", abandonedAt);
    EXPECT_FALSE(abandonedAt.empty()) << "the document keeps the cancellation, marked abandoned";
}

// Once the cancel has undone a step, resuming would run that step again under a key whose
// effect was reversed (a voided authorization): refused, and the order stays held as it was.
TEST_P(ResumeAfterCancelTest, IsRefusedOnceTheCancelUndidAStepAndForAFailuresCompensation) {
    definitions_[0].steps = {step("reserve", R"({"compensate":"fail"})", 1, "undoable"),
                             step("book", R"({"outcome":"suspend"})", 1, "undoable"),
                             step("ship", "{}", 1, "undoable")};
    const auto waiting = placed("2");
    OrderCommands commands(*engine_);
    const CommandResult cancel = commands.cancel(waiting.id, "{}");
    ASSERT_EQ(cancel.order.state, states::kOnHold) << cancel.message;
    const SignalResult refused = manualAction(waiting.id, "resume");
    EXPECT_EQ(refused.kind, SignalResult::Kind::NotWaiting);
    EXPECT_NE(refused.message.find("not because the undo of the step the cancel found it at failed"), std::string::npos)
        << refused.message;
    EXPECT_EQ(store_->findById(waiting.id)->state, states::kOnHold);
    EXPECT_EQ(trace(waiting.id), R"(["reserve#1","book#1","book~undo#1"])");

    // A failure's compensation (not a cancel): resume does not apply.
    definitions_[0].steps = {step("reserve", R"({"compensate":"fail"})", 1, "undoable"),
                             step("judge", R"({"outcome":"reject"})")};
    const auto rejected = placed("3");
    ASSERT_EQ(rejected.state, states::kOnHold);
    const SignalResult notACancel = manualAction(rejected.id, "resume");
    EXPECT_EQ(notACancel.kind, SignalResult::Kind::NotWaiting);
    EXPECT_NE(notACancel.message.find("resume only abandons a cancel"), std::string::npos) << notACancel.message;
}

// Refused where going on from the held undo would repeat or lose an effect (found by review):
// the cancel of a completed order (it would restart a finished chain), an undo that gave up on
// its last attempt (its last answer may have been lost after it acted), and a cancel of an
// order whose failure was being undone (steps already undone would run again).
TEST_P(ResumeAfterCancelTest, IsRefusedForACompletedOrderAnUndoOutOfAttemptsAndAFailuresUndo) {
    // (OrderCommands is made after each placed(): it reads the chains placed() loads.)
    definitions_[0].steps = {step("reserve", "{}", 1, "undoable"),
                             step("ship", R"({"compensate":"fail"})", 2, "undoable")};
    const auto completed = placed("4");
    ASSERT_EQ(completed.state, states::kCompleted);
    ASSERT_EQ(OrderCommands(*engine_).cancel(completed.id, "{}").order.state, states::kOnHold);
    const SignalResult restart = manualAction(completed.id, "resume");
    EXPECT_EQ(restart.kind, SignalResult::Kind::NotWaiting);
    EXPECT_NE(restart.message.find("an order that was completed"), std::string::npos) << restart.message;

    definitions_[0].steps = {step("reserve", "{}", 1, "undoable"),
                             step("book", R"({"outcome":"suspend","compensate":"retry"})", 2, "undoable")};
    const auto waiting = placed("5");
    ASSERT_EQ(OrderCommands(*engine_).cancel(waiting.id, "{}").order.state, states::kOnHold);
    const SignalResult unknown = manualAction(waiting.id, "resume");
    EXPECT_EQ(unknown.kind, SignalResult::Kind::NotWaiting);
    EXPECT_NE(unknown.message.find("ended on its last attempt (2 of 2)"), std::string::npos) << unknown.message;

    definitions_[0].steps = {step("reserve", "{}", 1, "undoable"),
                             step("invoice", R"({"compensate":"fail"})", 2, "undoable"),
                             step("pay", R"({"outcome":"fail"})", 1, "undoable")};
    const auto failing = placed("6");
    ASSERT_EQ(failing.state, states::kOnHold);  // the failure's undo of invoice failed
    ASSERT_EQ(failing.compensateTo, states::kFailed);
    ASSERT_EQ(OrderCommands(*engine_).cancel(failing.id, "{}").order.state, states::kOnHold);
    const SignalResult overFailure = manualAction(failing.id, "resume");
    EXPECT_EQ(overFailure.kind, SignalResult::Kind::NotWaiting);
    EXPECT_NE(overFailure.message.find("being undone to end failed"), std::string::npos) << overFailure.message;
    EXPECT_EQ(trace(failing.id), R"(["reserve#1","invoice#1"])") << "nothing ran again";
}

INSTANTIATE_TEST_SUITE_P(Backends, ResumeAfterCancelTest, ::testing::ValuesIn(testing::testBackends()),
                         testing::backendName);

}  // namespace
}  // namespace orderhost::engine
