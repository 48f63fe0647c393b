// Cancel and return through the engine: the ERP's requests about an order it placed, with the
// scripted plugin's chains on real databases (SQLite and PostgreSQL).
#include "tests/host/engine/OrderCommandsFixture.h"

#include "host/engine/OrderCommands.h"
#include "host/engine/OrderSignals.h"

#include <atomic>
#include <thread>

namespace orderhost::engine {
namespace {

TEST_P(OrderCommandsTest, CancellingAHeldOrderUndoesItsStepsThenRunsTheCancelChain) {
    const auto held = placed("1");
    ASSERT_EQ(held.state, states::kOnHold);
    OrderCommands commands(*engine_);
    const CommandResult result = commands.cancel(held.id, R"({"reason":"customer changed their mind"})");
    ASSERT_EQ(result.kind, CommandResult::Kind::Accepted) << result.message;
    EXPECT_EQ(result.order.state, states::kCancelled);
    EXPECT_EQ(result.order.chain, "cancel-order");
    // Stored too: a restarted host must go on with the cancel chain (issue 8, finding 1).
    EXPECT_EQ(store_->findById(held.id)->chain, "cancel-order");
    EXPECT_EQ(store_->findById(held.id)->chainVersion, 3);
    EXPECT_EQ(trace(held.id), R"(["reserve#1","wait#1","reserve~undo#1","refund#1"])");
    EXPECT_NE(result.order.document.find(R"("reason":"customer changed their mind")"), std::string::npos);
    // The ERP asking again gets the order as it is.
    EXPECT_EQ(commands.cancel(held.id, "").kind, CommandResult::Kind::AlreadyDone);
    EXPECT_EQ(commands.requestReturn(held.id, "{}").kind, CommandResult::Kind::NotAllowed);
}

// A signal or manual action that claimed the held order runs it on; until its checkpoint the
// order is still on_hold. A cancel then is refused as for a running order (before, it went
// ahead and the signal's run failed as stale); once the claimer's lease expired (it died), the
// cancel goes ahead.
TEST_P(OrderCommandsTest, ACancelWaitsWhileASignalThatClaimedTheHeldOrderHasNotCheckpointed) {
    const auto held = placed("9");
    ASSERT_EQ(held.state, states::kOnHold);
    const auto read = store_->findById(held.id);
    ASSERT_TRUE(
        store_->claim(held.id, states::kOnHold, states::kOnHold, "test-host", now_ + 30000, now_, read->leaseEpoch));
    OrderCommands commands(*engine_);
    const CommandResult refused = commands.cancel(held.id, "{}");
    EXPECT_EQ(refused.kind, CommandResult::Kind::NotAllowed);
    EXPECT_EQ(refused.message, "order " + held.id + " is being resumed right now; it stops soon: ask again then");
    EXPECT_EQ(store_->findById(held.id)->compensateTo, "") << "nothing written";
    now_ += 30001;
    const CommandResult cancelled = commands.cancel(held.id, "{}");
    ASSERT_EQ(cancelled.kind, CommandResult::Kind::Accepted) << cancelled.message;
    EXPECT_EQ(cancelled.order.state, states::kCancelled);
}

// Two identical cancels at once: the one whose write loses the race decides again on the order
// as it is now (being cancelled) and answers 200 as for any repeat, not 409 "changed meanwhile"
// (found by a black-box probe: 7 of 8 concurrent pairs over HTTP). Each order cancelled once.
TEST_P(OrderCommandsTest, TwoIdenticalCancelsAtOnceAreBothAnswered) {
    for (int round = 0; round < 12; ++round) {
        const auto held = placed("3" + std::to_string(round));
        ASSERT_EQ(held.state, states::kOnHold);
        std::atomic<int> ready{0};
        CommandResult results[2];
        auto cancel = [&](int which) {
            OrderCommands commands(*engine_);
            for (++ready; ready.load() < 2;) std::this_thread::yield();
            results[which] = commands.cancel(held.id, R"({"reason":"twice"})");
        };
        std::thread first(cancel, 0), second(cancel, 1);
        first.join();
        second.join();
        for (const CommandResult& result : results)
            EXPECT_TRUE(result.kind == CommandResult::Kind::Accepted || result.kind == CommandResult::Kind::AlreadyDone)
                << "round " << round << ": " << result.message;
        EXPECT_EQ(store_->findById(held.id)->state, states::kCancelled);
        EXPECT_EQ(trace(held.id), R"(["reserve#1","wait#1","reserve~undo#1","refund#1"])")
            << "undone and cancelled once";
    }
}

TEST_P(OrderCommandsTest, ACompletedOrderCanBeReturnedButNotWhileItRuns) {
    definitions_[0].steps = {step("reserve", "{}", 1, "undoable")};
    const auto done = placed("2");
    ASSERT_EQ(done.state, states::kCompleted);
    OrderCommands commands(*engine_);
    EXPECT_EQ(commands.requestReturn(done.id, "[1]").kind, CommandResult::Kind::InvalidPayload);
    // return_ref is client text (step history, replies): no control characters, at most 255 bytes.
    const CommandResult forged = commands.requestReturn(done.id, R"({"return_ref":"R-1\n\u001b[2J"})");
    EXPECT_EQ(forged.kind, CommandResult::Kind::InvalidPayload);
    EXPECT_NE(forged.message.find("\"return_ref\" contains the control character U+001B at byte 4"), std::string::npos)
        << forged.message;
    // Every return stays in the document (4 MiB): a body past 256 KiB is refused, saying so.
    const CommandResult huge =
        commands.requestReturn(done.id, R"({"return_ref":"R-big","note":")" + std::string(256 * 1024, 'n') + "\"}");
    EXPECT_EQ(huge.kind, CommandResult::Kind::InvalidPayload);
    EXPECT_NE(huge.message.find("bytes; at most 262144"), std::string::npos) << huge.message;
    EXPECT_EQ(commands.requestReturn(done.id, R"({"return_ref":")" + std::string(256, 'r') + "\"}").kind,
              CommandResult::Kind::InvalidPayload);
    EXPECT_EQ(store_->findById(done.id)->state, states::kCompleted);
    const CommandResult result = commands.requestReturn(done.id, R"({"lines":[{"sku":"A","quantity":1}]})");
    ASSERT_EQ(result.kind, CommandResult::Kind::Accepted) << result.message;
    EXPECT_EQ(result.order.state, states::kReturned);
    EXPECT_EQ(store_->findById(done.id)->chain, "return-order");
    EXPECT_EQ(trace(done.id), R"(["reserve#1","restock#1","credit-note#1"])");
    EXPECT_NE(result.order.document.find(R"("return":{"lines":[{"sku":"A","quantity":1}])"), std::string::npos);
    EXPECT_EQ(commands.requestReturn(done.id, "{}").kind, CommandResult::Kind::AlreadyDone);
    const CommandResult cancelled = commands.cancel(done.id, "{}");
    EXPECT_EQ(cancelled.kind, CommandResult::Kind::NotAllowed);  // returned is final
    EXPECT_NE(cancelled.message.find("was returned"), std::string::npos) << cancelled.message;
}

// Several partial returns (issue 11): a new return_ref runs the return chain again after a
// return ended, or after one was refused; the same return_ref is the same request; one return
// at a time; the previous return and its signals move to /returns.
TEST_P(OrderCommandsTest, ANewReturnRefStartsAFurtherReturnAfterAReturnedOrARefusedOne) {
    definitions_[0].steps = {step("reserve", "{}", 1, "undoable")};
    definitions_[2].steps = {step("gate", R"({"outcome":"suspend"})")};  // the signal's "go" decides
    const auto done = placed("8");
    ASSERT_EQ(done.state, states::kCompleted);
    OrderCommands commands(*engine_);
    OrderSignals signals(*engine_);
    auto returnWith = [&](const std::string& ref) {
        return commands.requestReturn(done.id, R"({"return_ref":")" + ref + R"(","lines":[]})");
    };
    ASSERT_EQ(returnWith("R1").order.state, states::kOnHold);
    EXPECT_EQ(returnWith("R1").kind, CommandResult::Kind::AlreadyDone);
    EXPECT_EQ(returnWith("R2").kind, CommandResult::Kind::NotAllowed) << "one return at a time";
    // A refused return ends the return, not the order: it is completed again (ReturnSettlement.h).
    const auto refusedOne = signals.deliver(done.id, "scripted_signal", R"({"go":false})");
    EXPECT_EQ(refusedOne.order.state, states::kCompleted);
    EXPECT_EQ(refusedOne.order.chain, "test-chain");
    EXPECT_EQ(returnWith("R1").kind, CommandResult::Kind::AlreadyDone) << "the refused return asked again";

    const CommandResult second = returnWith("R2");  // the refused return does not end the order's returns
    ASSERT_EQ(second.kind, CommandResult::Kind::Accepted) << second.message;
    ASSERT_EQ(second.order.state, states::kOnHold) << "the refused return's signal was taken for the new one";
    EXPECT_EQ(signals.deliver(done.id, "scripted_signal", R"({"go":true})").order.state, states::kReturned);
    EXPECT_EQ(returnWith("R2").kind, CommandResult::Kind::AlreadyDone);
    ASSERT_EQ(returnWith("R3").kind, CommandResult::Kind::Accepted);

    auto doc = document::JsonDocument::parse(store_->findById(done.id)->document);
    std::string json;
    std::int64_t completedAt = 0;
    EXPECT_EQ(doc.document->getInt("/completed_at", completedAt), document::Status::Ok);
    EXPECT_EQ(completedAt, done.updatedAtMs);
    doc.document->getJson("/returns/0/signals", json);
    EXPECT_EQ(json, R"({"scripted_signal":{"go":false}})");
    doc.document->getJson("/returns/0/status", json);
    EXPECT_EQ(json, R"("refused")");
    doc.document->getJson("/returns/1/return_ref", json);
    EXPECT_EQ(json, R"("R2")");
    doc.document->getJson("/returns/1/status", json);
    EXPECT_EQ(json, R"("returned")");
    doc.document->getJson("/return/return_ref", json);
    EXPECT_EQ(json, R"("R3")");
    EXPECT_EQ(commands.requestReturn(done.id, R"({"return_ref":7})").kind, CommandResult::Kind::InvalidPayload);
    EXPECT_EQ(trace(done.id), R"(["reserve#1","gate#1","gate#1","gate#1","gate#1","gate#1"])");

    // An earlier return's return_ref is that return asked again, not a new one (it made a second
    // RMA, note and refund for the same goods; found by a black-box probe), also once later ones ended.
    EXPECT_EQ(returnWith("R2").kind, CommandResult::Kind::AlreadyDone) << "R3 is running; R2 ended before it";
    EXPECT_EQ(signals.deliver(done.id, "scripted_signal", R"({"go":true})").order.state, states::kReturned);
    for (const char* earlier : {"R1", "R2"}) EXPECT_EQ(returnWith(earlier).kind, CommandResult::Kind::AlreadyDone);
    std::size_t archived = 0;
    document::JsonDocument::parse(store_->findById(done.id)->document).document->getSize("/returns", archived);
    EXPECT_EQ(archived, 2u) << "no return began";
    EXPECT_EQ(trace(done.id), R"(["reserve#1","gate#1","gate#1","gate#1","gate#1","gate#1","gate#1"])");
}

// A return whose later step fails (issue 11): the return's completed steps are undone, and the
// order is completed again on its own chain — not failed — with the failure recorded at /return;
// a new return may start, and a cancel undoes the placement's steps, not the return's.
TEST_P(OrderCommandsTest, AFailedReturnLeavesTheOrderAsItWasWithTheFailureRecorded) {
    definitions_[0].steps = {step("reserve", "{}", 1, "undoable")};
    definitions_[2].steps = {step("restock", "{}", 1, "undoable"), step("credit-note", R"({"outcome":"fail"})")};
    const auto done = placed("A");
    ASSERT_EQ(done.state, states::kCompleted);
    OrderCommands commands(*engine_);
    const CommandResult failed = commands.requestReturn(done.id, R"({"return_ref":"R1","lines":[]})");
    ASSERT_EQ(failed.kind, CommandResult::Kind::Accepted) << failed.message;
    EXPECT_EQ(failed.order.state, states::kCompleted);
    const auto stored = store_->findById(done.id);
    EXPECT_EQ(stored->state, states::kCompleted);
    EXPECT_EQ(stored->chain, "test-chain");
    EXPECT_EQ(stored->currentStep, 1);
    EXPECT_TRUE(stored->compensateTo.empty());
    auto doc = document::JsonDocument::parse(stored->document);
    std::string status, step, json;
    doc.document->getString("/return/status", status);
    doc.document->getString("/return/failure/step", step);
    EXPECT_EQ(status, "failed");
    EXPECT_EQ(step, "credit-note");
    EXPECT_NE(doc.document->getJson("/return/order_before", json), document::Status::Ok) << "settled: removed";
    EXPECT_EQ(trace(done.id), R"(["reserve#1","restock#1","restock~undo#1"])");  // a FAIL keeps no change
    EXPECT_EQ(store_->stepRuns(done.id).back().outcome, "compensated");

    EXPECT_EQ(commands.requestReturn(done.id, R"({"return_ref":"R1"})").kind, CommandResult::Kind::AlreadyDone);
    EXPECT_EQ(commands.requestReturn(done.id, R"({"return_ref":"R2"})").order.state, states::kCompleted)
        << "a new return runs (and fails the same way)";
    const CommandResult cancelled = commands.cancel(done.id, "{}");
    ASSERT_EQ(cancelled.kind, CommandResult::Kind::Accepted) << cancelled.message;
    EXPECT_EQ(cancelled.order.state, states::kCancelled);
    EXPECT_EQ(trace(done.id), R"(["reserve#1","restock#1","restock~undo#1",)"
                              R"("restock#1","restock~undo#1","reserve~undo#1","refund#1"])");
}

TEST_P(OrderCommandsTest, CancellingACompletedOrderUndoesEveryStep) {
    definitions_[0].steps = {step("reserve", "{}", 1, "undoable"), step("ship", "{}", 1, "undoable")};
    const auto done = placed("3");
    ASSERT_EQ(done.state, states::kCompleted);
    const CommandResult result = OrderCommands(*engine_).cancel(done.id, "{}");
    ASSERT_EQ(result.kind, CommandResult::Kind::Accepted) << result.message;
    EXPECT_EQ(result.order.state, states::kCancelled);
    EXPECT_EQ(trace(done.id), R"(["reserve#1","ship#1","ship~undo#1","reserve~undo#1","refund#1"])");
}

TEST_P(OrderCommandsTest, WithoutACancelChainTheOrderEndsCancelledAfterTheUndo) {
    definitions_.erase(definitions_.begin() + 1);
    const auto held = placed("4");
    const CommandResult result = OrderCommands(*engine_).cancel(held.id, "{}");
    ASSERT_EQ(result.kind, CommandResult::Kind::Accepted) << result.message;
    EXPECT_EQ(result.order.state, states::kCancelled);
    EXPECT_EQ(trace(held.id), R"(["reserve#1","wait#1","reserve~undo#1"])");
}

// A step that acted and then waits (a booked shipment waiting for the pickup) is undone by a
// cancel too, first, then the completed steps before it; and only once on a repeated cancel.
TEST_P(OrderCommandsTest, CancellingAnOrderWaitingAtAStepThatActedUndoesThatStepFirst) {
    definitions_[0].steps = {step("reserve", "{}", 1, "undoable"),
                             step("book", R"({"outcome":"suspend"})", 1, "undoable"),
                             step("ship", "{}", 1, "undoable")};
    const auto held = placed("8");
    ASSERT_EQ(held.state, states::kOnHold);
    OrderCommands commands(*engine_);
    const CommandResult result = commands.cancel(held.id, "{}");
    ASSERT_EQ(result.kind, CommandResult::Kind::Accepted) << result.message;
    EXPECT_EQ(result.order.state, states::kCancelled);
    EXPECT_EQ(trace(held.id), R"(["reserve#1","book#1","book~undo#1","reserve~undo#1","refund#1"])");
    EXPECT_EQ(commands.cancel(held.id, "").kind, CommandResult::Kind::AlreadyDone);
    EXPECT_EQ(trace(held.id), R"(["reserve#1","book#1","book~undo#1","reserve~undo#1","refund#1"])");
}

// A failed order keeps what its completed steps did (a manual "fail", on_failure: fail):
// cancelling it undoes them, so its stock is released (issue 8, finding 6).
TEST_P(OrderCommandsTest, AFailedOrderCanBeCancelledAndItsCompletedStepsAreUndone) {
    auto pay = step("pay", R"({"outcome":"fail"})");
    pay.onFailure = chains::FailurePolicy::Fail;
    definitions_[0].steps = {step("reserve", "{}", 1, "undoable"), pay};
    const auto failed = placed("6");
    ASSERT_EQ(failed.state, states::kFailed);
    const CommandResult result = OrderCommands(*engine_).cancel(failed.id, "{}");
    ASSERT_EQ(result.kind, CommandResult::Kind::Accepted) << result.message;
    EXPECT_EQ(result.order.state, states::kCancelled);
    EXPECT_EQ(trace(failed.id), R"(["reserve#1","reserve~undo#1","refund#1"])");  // a FAIL keeps no change
}

// A failure that compensated already undid the steps: a later cancel does not undo them twice.
TEST_P(OrderCommandsTest, CancellingAFailedOrderThatCompensatedUndoesNothingTwice) {
    definitions_[0].steps = {step("reserve", "{}", 1, "undoable"), step("pay", R"({"outcome":"fail"})")};
    const auto failed = placed("7");
    ASSERT_EQ(failed.state, states::kFailed);
    ASSERT_EQ(trace(failed.id), R"(["reserve#1","reserve~undo#1"])");
    const CommandResult result = OrderCommands(*engine_).cancel(failed.id, "{}");
    ASSERT_EQ(result.kind, CommandResult::Kind::Accepted) << result.message;
    EXPECT_EQ(result.order.state, states::kCancelled);
    EXPECT_EQ(trace(failed.id), R"(["reserve#1","reserve~undo#1","refund#1"])");
}

TEST_P(OrderCommandsTest, RequestsForUnknownOrdersOrWithBadBodiesAreRefused) {
    const auto held = placed("5");
    OrderCommands commands(*engine_);
    EXPECT_EQ(commands.cancel("00000000-0000-4000-8000-000000000999", "{}").kind, CommandResult::Kind::UnknownOrder);
    EXPECT_EQ(commands.cancel(held.id, R"({"reason":5})").kind, CommandResult::Kind::InvalidPayload);
    EXPECT_EQ(commands.cancel(held.id, "{nope").kind, CommandResult::Kind::InvalidPayload);
    // The reason is client text: no control characters but tab and line breaks, at most 1000
    // bytes (refused, not cut: 999 ASCII bytes and a two-byte character were cut in half).
    const CommandResult control = commands.cancel(held.id, R"({"reason":"late\u001b[31m"})");
    EXPECT_EQ(control.kind, CommandResult::Kind::InvalidPayload);
    EXPECT_NE(control.message.find("\"reason\" contains the control character U+001B at byte 4"), std::string::npos)
        << control.message;
    const CommandResult longer = commands.cancel(held.id, R"({"reason":")" + std::string(999, 'x') + "\u00e9\"}");
    EXPECT_EQ(longer.kind, CommandResult::Kind::InvalidPayload);
    EXPECT_NE(longer.message.find("\"reason\" is 1001 bytes; at most 1000"), std::string::npos) << longer.message;
    EXPECT_EQ(store_->findById(held.id)->state, states::kOnHold);  // nothing changed
    EXPECT_EQ(commands.cancel("00000000-0000-4000-8000-000000000999", R"({"reason":"\u0007"})").kind,
              CommandResult::Kind::UnknownOrder);  // the order first, as before
    const CommandResult fine = commands.cancel(held.id, R"({"reason":"called twice\n\tthen wrote"})");
    EXPECT_EQ(fine.kind, CommandResult::Kind::Accepted) << fine.message;
    // A repeat is answered as the order is (api.md), whatever its reason.
    EXPECT_EQ(commands.cancel(held.id, R"({"reason":")" + std::string(2000, 'x') + "\"}").kind,
              CommandResult::Kind::AlreadyDone);
}

// cancellable_until: past that step a cancel is a return; nothing is undone or written.
TEST_P(OrderCommandsTest, ACancelIsRefusedOnceTheChainsCancellableUntilStepCompleted) {
    definitions_[0].cancellableUntil = "reserve";
    const auto held = placed("8");
    ASSERT_EQ(held.state, states::kOnHold);
    const CommandResult result = OrderCommands(*engine_).cancel(held.id, R"({"reason":"late"})");
    ASSERT_EQ(result.kind, CommandResult::Kind::NotAllowed);
    // The message names the step passed and the step reached, with plugin and step kind.
    EXPECT_EQ(result.message, "order " + held.id +
                                  " already passed step 'reserve' (test.scripted undoable), its chain's "
                                  "cancellable_until, and is on_hold at step 'wait' (test.scripted scripted): "
                                  "return it instead");
    const auto after = store_->findById(held.id);
    EXPECT_EQ(after->state, states::kOnHold);
    EXPECT_EQ(after->document, held.document);
    EXPECT_EQ(after->leaseEpoch, held.leaseEpoch);
    EXPECT_EQ(store_->stepRuns(held.id).size(), 2u);
}

TEST_P(OrderCommandsTest, ACancelOfACompletedOrderPastCancellableUntilNamesItsLastStep) {
    definitions_[0].steps = {step("reserve", "{}", 1, "undoable"), step("ship", "{}", 1, "undoable")};
    definitions_[0].cancellableUntil = "reserve";
    const auto done = placed("B");
    ASSERT_EQ(done.state, states::kCompleted);
    const CommandResult result = OrderCommands(*engine_).cancel(done.id, "{}");
    ASSERT_EQ(result.kind, CommandResult::Kind::NotAllowed);
    EXPECT_EQ(result.message, "order " + done.id +
                                  " already passed step 'reserve' (test.scripted undoable), its chain's "
                                  "cancellable_until, and is completed after its last step 'ship' (test.scripted "
                                  "undoable): return it instead");
    EXPECT_EQ(result.message.find("shipped"), std::string::npos) << "no kind it did not reach";
}

TEST_P(OrderCommandsTest, ACancelBeforeTheCancellableUntilStepGoesAhead) {
    definitions_[0].cancellableUntil = "ship";
    const auto held = placed("9");
    const CommandResult result = OrderCommands(*engine_).cancel(held.id, "{}");
    ASSERT_EQ(result.kind, CommandResult::Kind::Accepted) << result.message;
    EXPECT_EQ(result.order.state, states::kCancelled);
}

INSTANTIATE_TEST_SUITE_P(Backends, OrderCommandsTest, ::testing::ValuesIn(testing::testBackends()),
                         testing::backendName);

}  // namespace
}  // namespace orderhost::engine
