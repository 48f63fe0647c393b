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
    definitions_[0].steps = {step("reserve", "{}", 1, "undoable"),
                             step("book", R"({"outcome":"suspend","compensate":"fail"})", 1, "undoable"),
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
    EXPECT_NE(refused.message.find("already undid step 'book'"), std::string::npos) << refused.message;
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

INSTANTIATE_TEST_SUITE_P(Backends, ResumeAfterCancelTest, ::testing::ValuesIn(testing::testBackends()),
                         testing::backendName);

}  // namespace
}  // namespace orderhost::engine
