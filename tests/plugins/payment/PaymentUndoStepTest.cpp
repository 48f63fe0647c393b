// The undo of a captured card payment (authorize's compensate(), PaymentStep.h) after a person
// refunded part of it by hand at the gateway (a goodwill refund before a cancel): the undo stops
// before asking for money it could pay twice, records the refund once a manual action
// acknowledges it, and refunds only what is left, also when its key was asked before for more.
#include "RefundReturnFixture.h"

namespace orderhost::plugintests::refund_return_step {
namespace {

class PaymentUndoStepTest : public RefundReturnStepTest {
protected:
    // The held undo retried with `data` as its manual action's (the host stores it at
    // /signals/manual_action); `doc` becomes the document the undo left when it got through.
    services::ReportedOutcome undoFromHeld(document::JsonDocument& doc, const std::string& orderId,
                                           const std::string& data) {
        auto tried = parse(doc.toJson());
        if (!data.empty()) tried.set("/signals/manual_action", data);
        auto outcome = call(*pay_, tried, orderId, /*compensating=*/true);
        if (outcome.kind == OH_OUTCOME_CONTINUE) doc = std::move(tried);
        return outcome;
    }
};

// A goodwill refund made by hand before the cancel, not acknowledged: the undo asks for nothing
// and names the refund; acknowledged, it records it and refunds the rest. The books come out
// even: the gateway holds nothing, payment_records has the acknowledgment and the undo's refund,
// and the receivable moved by both (billing's cancel note, not run here, credits them).
TEST_P(PaymentUndoStepTest, AnUndoAfterAGoodwillRefundByHandWaitsForItsAcknowledgment) {
    auto doc = parse(kOrder);
    ASSERT_EQ(call(*pay_, doc, orderId(30)).kind, OH_OUTCOME_CONTINUE);
    const std::string goodwill = refundByHand(doc, 800, "dashboard-goodwill");
    const std::int64_t paid = receivables();

    const auto unplaced = undoFromHeld(doc, orderId(30), "");
    EXPECT_EQ(unplaced.code, "refund_unreconciled") << unplaced.message;
    EXPECT_NE(unplaced.message.find(goodwill + " (800 minor units, key dashboard-goodwill)"), std::string::npos)
        << unplaced.message;
    EXPECT_NE(unplaced.message.find("acknowledged_refunds"), std::string::npos) << unplaced.message;
    EXPECT_EQ(simulator_.count("refund"), 1) << "the goodwill refund only: the undo asked for nothing";

    const auto malformed = undoFromHeld(doc, orderId(30), R"({"acknowledged_refunds": [7]})");
    EXPECT_EQ(malformed.code, "refund_acknowledgment_unconfirmed") << malformed.message;
    const auto wrong = undoFromHeld(doc, orderId(30), R"({"acknowledged_refunds": ["re_nope"]})");
    EXPECT_EQ(wrong.code, "refund_acknowledgment_unconfirmed") << wrong.message;
    EXPECT_EQ(number("SELECT COUNT(*) FROM payment_records WHERE operation IN ('refund', 'acknowledged')"), 0);

    const auto undone = undoFromHeld(doc, orderId(30), R"({"acknowledged_refunds": [")" + goodwill + R"("]})");
    ASSERT_EQ(undone.kind, OH_OUTCOME_CONTINUE) << undone.code << ": " << undone.message;
    EXPECT_EQ(simulator_.netCaptured(), 0) << "everything went back, nothing twice";
    EXPECT_EQ(at(doc, "/payment/status"), "\"refunded\"");
    EXPECT_EQ(at(doc, "/payment/refunded_minor"), "10501") << "the undo's; the goodwill stays apart";
    EXPECT_EQ(at(doc, "/payment/acknowledged_refunds/0/refund_id"), "\"" + goodwill + "\"");
    EXPECT_EQ(number("SELECT SUM(amount_minor) FROM payment_records WHERE order_id = '" + orderId(30) +
                     "' AND operation = 'refund'"),
              10501);
    EXPECT_EQ(number("SELECT SUM(amount_minor) FROM payment_records WHERE order_id = '" + orderId(30) +
                     "' AND operation = 'acknowledged'"),
              800);
    EXPECT_EQ(receivables() - paid, 11301) << "every refund reopens the receivable by its amount";

    const auto again = undoFromHeld(doc, orderId(30), "");
    EXPECT_EQ(again.kind, OH_OUTCOME_CONTINUE) << again.code << ": " << again.message;
    EXPECT_EQ(simulator_.count("refund"), 2) << "a repeated undo asks for nothing more";
}

// The undo asked for the whole capture before the goodwill refund came to light (the gateway
// refused it: the issuer, or the goodwill already taken) and is held. Acknowledged, what is
// left is less, and the gateway answers the same key with another amount idempotency_key_reused:
// that key moved no money, so the undo goes on under the next key and is paid once.
TEST_P(PaymentUndoStepTest, AKeyAskedBeforeForMoreIsPassedWhenItMovedNoMoney) {
    auto doc = parse(kOrder);
    ASSERT_EQ(call(*pay_, doc, orderId(31)).kind, OH_OUTCOME_CONTINUE);
    simulator_.setFaults(R"({"refuse_refund_count": 1})");
    ASSERT_EQ(undoFromHeld(doc, orderId(31), "").code, "gateway_refused_refund");
    const std::string goodwill = refundByHand(doc, 300, "dashboard-later");

    const auto undone = undoFromHeld(doc, orderId(31), R"({"acknowledged_refunds": [")" + goodwill + R"("]})");
    ASSERT_EQ(undone.kind, OH_OUTCOME_CONTINUE) << undone.code << ": " << undone.message;
    EXPECT_EQ(simulator_.netCaptured(), 0);
    EXPECT_EQ(at(doc, "/payment/refunded_minor"), "11001");
    EXPECT_EQ(text("SELECT idempotency_key FROM payment_records WHERE order_id = '" + orderId(31) +
                   "' AND operation = 'refund'"),
              engine::ChainRunner::idempotencyKey(orderId(31), "authorize") + ":refund:again-1");
}

INSTANTIATE_TEST_SUITE_P(Backends, PaymentUndoStepTest, ::testing::ValuesIn(testing::testBackends()),
                         testing::backendName);

}  // namespace
}  // namespace orderhost::plugintests::refund_return_step
