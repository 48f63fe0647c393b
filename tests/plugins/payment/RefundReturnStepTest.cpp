// orderhost.payment's refund-return and the receivables of card payments, as the host runs
// them (PluginStepHarness.h) against the gateway simulator process, on every backend: partial
// refunds per RMA exactly once, never more than captured, nothing for orders paid by invoice,
// and an invoiced order's receivables settled by the capture and reopened by refunds.
#include "RefundReturnFixture.h"

namespace orderhost::plugintests::refund_return_step {
namespace {

TEST_P(RefundReturnStepTest, PartialRefundsPerRmaExactlyOnceAndNeverMoreThanCaptured) {
    auto doc = parse(kOrder);
    ASSERT_EQ(call(*pay_, doc, orderId(1)).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(simulator_.netCaptured(), 11301);
    EXPECT_EQ(receivables(), 0) << "the card paid the invoice";

    startReturn(doc, "RMA-1", 3569);  // the credit note reduced the receivables by as much
    exec("UPDATE billing_accounts SET open_minor = open_minor - 3569");
    const auto first = call(*refund_, doc, orderId(1));
    ASSERT_EQ(first.kind, OH_OUTCOME_CONTINUE) << first.code << ": " << first.message;
    EXPECT_EQ(at(doc, "/payment/status"), R"("partially_refunded")");
    EXPECT_EQ(at(doc, "/payment/refunded_minor"), "3569");
    EXPECT_EQ(at(doc, "/payment/refunds/0/rma_number"), R"("RMA-1")");
    EXPECT_EQ(simulator_.netCaptured(), 11301 - 3569);
    EXPECT_EQ(receivables(), 0);
    // Run again (a restart after the checkpoint): no second refund.
    ASSERT_EQ(call(*refund_, doc, orderId(1)).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(simulator_.count("refund"), 1);

    startReturn(doc, "RMA-2", 99999);  // more than is left: only what was captured and not refunded
    const auto second = call(*refund_, doc, orderId(1));
    ASSERT_EQ(second.kind, OH_OUTCOME_CONTINUE) << second.message;
    EXPECT_EQ(at(doc, "/payment/status"), R"("refunded")");
    EXPECT_EQ(at(doc, "/payment/refunded_minor"), "11301");
    EXPECT_EQ(simulator_.netCaptured(), 0);
    EXPECT_EQ(simulator_.count("refund"), 2);
    // Undoing the payment afterwards refunds nothing more.
    ASSERT_EQ(call(*pay_, doc, orderId(1), /*compensating=*/true).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(simulator_.count("refund"), 2);
}

TEST_P(RefundReturnStepTest, ALostGatewayAnswerIsRetriedWithTheSameKey) {
    auto doc = parse(kOrder);
    ASSERT_EQ(call(*pay_, doc, orderId(2)).kind, OH_OUTCOME_CONTINUE);
    startReturn(doc, "RMA-1", 1000);
    simulator_.setFaults(R"({"lose_response_count": 1})");
    const auto lost = call(*refund_, doc, orderId(2));  // refunded at the gateway, answer lost
    ASSERT_EQ(lost.kind, OH_OUTCOME_RETRY);
    ASSERT_EQ(call(*refund_, doc, orderId(2)).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(simulator_.count("refund"), 1);
    EXPECT_EQ(simulator_.uses(simulator_.keyOf("refund")), 2);
    EXPECT_EQ(simulator_.netCaptured(), 11301 - 1000);
}

// Issue 11: the gateway refunded RMA-1 but its answer never came back, the return ended
// (undone around its credit note, which stays). The next return's run pays RMA-1's note as
// outstanding under RMA-1's own key (the gateway replays it: refunded once) and then its own
// notes, summed over the invoices they credit.
TEST_P(RefundReturnStepTest, ACreditNoteWhoseRefundFailedIsRefundedOnceByTheNextRun) {
    auto doc = parse(kOrder);
    ASSERT_EQ(call(*pay_, doc, orderId(4)).kind, OH_OUTCOME_CONTINUE);
    startReturn(doc, "RMA-1", 3569);
    exec("UPDATE billing_accounts SET open_minor = open_minor - 3569");
    simulator_.setFaults(R"({"drop_count": 1})");
    ASSERT_EQ(call(*refund_, doc, orderId(4)).kind, OH_OUTCOME_RETRY);  // the step's writes roll back
    EXPECT_EQ(simulator_.count("refund"), 1) << "the gateway refunded although nobody heard it";
    EXPECT_EQ(at(doc, "/payment/refunds"), "");

    startReturn(doc, "RMA-2", 2000);  // two notes for RMA-2 (two shipment invoices)
    doc.set("/billing/return_credits/-", R"({"rma_number": "RMA-2", "total_minor": 500})");
    exec("UPDATE billing_accounts SET open_minor = open_minor - 2500");
    const auto next = call(*refund_, doc, orderId(4));
    ASSERT_EQ(next.kind, OH_OUTCOME_CONTINUE) << next.code << ": " << next.message;
    EXPECT_EQ(at(doc, "/payment/refunds/0/rma_number"), R"("RMA-1")");
    EXPECT_EQ(at(doc, "/payment/refunds/0/amount_minor"), "3569");
    EXPECT_EQ(at(doc, "/payment/refunds/1/rma_number"), R"("RMA-2")");
    EXPECT_EQ(at(doc, "/payment/refunds/1/amount_minor"), "2500");
    EXPECT_EQ(simulator_.count("refund"), 2) << "RMA-1's refund replayed, not repeated";
    EXPECT_EQ(simulator_.uses(simulator_.keyOf("refund")), 2);
    EXPECT_EQ(simulator_.netCaptured(), 11301 - 3569 - 2500);
    EXPECT_EQ(receivables(), 0) << "credit notes = refunds: nothing outstanding";
    // Nothing is outstanding any more: a further run refunds nothing.
    ASSERT_EQ(call(*refund_, doc, orderId(4)).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(simulator_.count("refund"), 2);
}

// Issue 9/11: the refund gave up not knowing (the gateway refunded, every answer lost), so the
// host undoes the return. Its credit note stands, so the undo pays it: RETRY while the gateway
// is away (the host holds the order after the step's attempts), then the refund under the
// return's own key, replayed by the gateway: once. Repeating the undo pays nothing more.
TEST_P(RefundReturnStepTest, UndoingAReturnWhoseRefundGaveUpPaysItsCreditNoteOnce) {
    auto doc = parse(kOrder);
    ASSERT_EQ(call(*pay_, doc, orderId(6)).kind, OH_OUTCOME_CONTINUE);
    startReturn(doc, "RMA-1", 3569);
    exec("UPDATE billing_accounts SET open_minor = open_minor - 3569");
    simulator_.setFaults(R"({"drop_count": 1})");
    ASSERT_EQ(call(*refund_, doc, orderId(6)).kind, OH_OUTCOME_RETRY);  // refunded, nobody heard it
    simulator_.setFaults(R"({"fail_count": 1, "fail_status": 503})");
    ASSERT_EQ(call(*refund_, doc, orderId(6), /*compensating=*/true).kind, OH_OUTCOME_RETRY) << "the gateway is away";
    const auto undone = call(*refund_, doc, orderId(6), /*compensating=*/true);
    ASSERT_EQ(undone.kind, OH_OUTCOME_CONTINUE) << undone.code << ": " << undone.message;
    EXPECT_EQ(at(doc, "/payment/refunds/0/rma_number"), R"("RMA-1")");
    EXPECT_EQ(at(doc, "/payment/refunds/0/amount_minor"), "3569");
    EXPECT_EQ(simulator_.count("refund"), 1) << "replayed, not repeated";
    EXPECT_EQ(simulator_.netCaptured(), 11301 - 3569);
    EXPECT_EQ(receivables(), 0) << "credit note = refund";
    ASSERT_EQ(call(*refund_, doc, orderId(6), /*compensating=*/true).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(simulator_.count("refund"), 1);
}

// The gateway stores a refusal under its key (as Stripe stores a decline), so asking again with
// the same key is refused forever, after the cause is gone too. A replayed refusal moved no
// money: the next run asks under the key's next generation — while the gateway has refunded
// exactly what the order records; otherwise a new key could refund twice, and a person decides.
TEST_P(RefundReturnStepTest, ARefusedRefundIsAskedAgainUnderANewKeyButNeverTwice) {
    auto doc = parse(kOrder);
    ASSERT_EQ(call(*pay_, doc, orderId(7)).kind, OH_OUTCOME_CONTINUE);
    startReturn(doc, "RMA-1", 3569);
    simulator_.setFaults(R"({"refuse_refund_count": 1})");
    const auto refused = call(*refund_, doc, orderId(7));
    ASSERT_EQ(refused.kind, OH_OUTCOME_FAIL);
    EXPECT_EQ(refused.code, "gateway_refused_refund");
    EXPECT_EQ(simulator_.count("refund"), 0);

    // Before a new key the gateway is asked what it refunded: without an answer, RETRY.
    simulator_.setFaults(R"({"lookup_fail_count": 1})");
    const auto unknown = call(*refund_, doc, orderId(7));
    EXPECT_EQ(unknown.kind, OH_OUTCOME_RETRY) << unknown.code << ": " << unknown.message;
    EXPECT_EQ(simulator_.count("refund"), 0);
    // An administrator's retry once the issuer would say yes: paid under the second key.
    const auto paid = call(*refund_, doc, orderId(7));
    ASSERT_EQ(paid.kind, OH_OUTCOME_CONTINUE) << paid.code << ": " << paid.message;
    EXPECT_EQ(at(doc, "/payment/refunds/0/amount_minor"), "3569");
    EXPECT_EQ(simulator_.count("refund"), 1);
    const std::string second = simulator_.keyOf("refund");
    EXPECT_EQ(second.substr(second.size() - 8), ":again-1") << second;
    EXPECT_EQ(text("SELECT idempotency_key FROM payment_records WHERE operation = 'refund'"), second);
    EXPECT_EQ(simulator_.netCaptured(), 11301 - 3569);
    // Recorded under the second key: a further run asks nothing.
    ASSERT_EQ(call(*refund_, doc, orderId(7)).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(simulator_.uses(second), 1);
}

// The undo of a captured payment (a cancel) walks the same keys: the issuer refused its refund
// once, the host held the order, and an administrator's retry is asked under the next key and
// refunds, once (found by a black-box probe: the undo asked the refused key forever, so the
// customer could only be left unrefunded with manual_action skip).
TEST_P(RefundReturnStepTest, TheUndoOfAPaymentWhoseRefundWasRefusedOnceIsPaidUnderTheNextKey) {
    auto doc = parse(kOrder);
    ASSERT_EQ(call(*pay_, doc, orderId(21)).kind, OH_OUTCOME_CONTINUE);
    simulator_.setFaults(R"({"refuse_refund_count": 1})");
    const auto refused = call(*pay_, doc, orderId(21), /*compensating=*/true);
    ASSERT_EQ(refused.kind, OH_OUTCOME_FAIL);
    EXPECT_EQ(refused.code, "gateway_refused_refund");
    EXPECT_EQ(simulator_.netCaptured(), 11301);
    const auto paid = call(*pay_, doc, orderId(21), /*compensating=*/true);
    ASSERT_EQ(paid.kind, OH_OUTCOME_CONTINUE) << paid.code << ": " << paid.message;
    EXPECT_EQ(simulator_.netCaptured(), 0);
    EXPECT_EQ(at(doc, "/payment/status"), R"("refunded")");
    EXPECT_EQ(at(doc, "/payment/refunded_minor"), "11301");
    const std::string second = simulator_.keyOf("refund");
    EXPECT_EQ(second.substr(second.size() - 8), ":again-1") << second;
    EXPECT_EQ(text("SELECT idempotency_key FROM payment_records WHERE operation = 'refund'"), second);
    ASSERT_EQ(call(*pay_, doc, orderId(21), /*compensating=*/true).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(simulator_.count("refund"), 1) << "undone again: nothing refunded twice";
}

// After a refusal, money the order does not record at the gateway stops the walk when none of
// it was refunded under the refund's keys (by hand): no new key, no second refund. Refunded
// under a later key whose answer was lost, the walk replays up to that key: refunded once.
TEST_P(RefundReturnStepTest, AfterARefusalMoneyTheOrderDoesNotRecordIsNeverRefundedTwice) {
    auto doc = parse(kOrder);
    refusedOnce(doc, orderId(9), "RMA-1", 3569);
    // A person refunds by hand at the gateway and the step is retried (or the next return runs).
    std::string body;
    ASSERT_EQ(simulator_.request("POST", "/v1/refunds",
                                 R"({"authorization_id": ")" + at(doc, "/payment/authorization_id").substr(1) +
                                     R"(, "amount_minor": 3569, "idempotency_key": "by-hand-1"})",
                                 body),
              201)
        << body;
    const auto stopped = call(*refund_, doc, orderId(9));
    EXPECT_EQ(stopped.kind, OH_OUTCOME_FAIL);
    EXPECT_EQ(stopped.code, "refund_unreconciled") << stopped.message;
    EXPECT_NE(stopped.message.find("has refunded 3569"), std::string::npos) << stopped.message;
    EXPECT_EQ(simulator_.count("refund"), 1) << "refunded by hand only, never twice";

    // The second key refunded and its answer was lost: the next run replays it.
    auto other = parse(kOrder);
    refusedOnce(other, orderId(10), "RMA-2", 1000);
    simulator_.setFaults(R"({"lose_response_count": 1})");
    ASSERT_EQ(call(*refund_, other, orderId(10)).kind, OH_OUTCOME_RETRY);
    const auto replayed = call(*refund_, other, orderId(10));
    ASSERT_EQ(replayed.kind, OH_OUTCOME_CONTINUE) << replayed.code << ": " << replayed.message;
    EXPECT_EQ(at(other, "/payment/refunds/0/amount_minor"), "1000");
    EXPECT_EQ(simulator_.count("refund"), 2) << "one by hand on the first order, one here";
    EXPECT_EQ(number("SELECT COUNT(*) FROM payment_records WHERE operation = 'refund'"), 1);
}

// Without credit notes the amount is quantity x unit_price of the returned lines; the order schema
// allows any price, so a product past 2^63 fails the step by name instead of wrapping negative
// (which refunded nothing and went on).
TEST_P(RefundReturnStepTest, ReturnedLinesPastSixtyFourBitsFailByName) {
    auto doc = parse(kOrder);
    ASSERT_EQ(call(*pay_, doc, orderId(8)).kind, OH_OUTCOME_CONTINUE);
    doc.set("/return", R"({"rma": {"number": "RMA-1", "lines": [{"sku": "DRILL", "quantity": 2,
                           "unit_price": 4611686018427387904}]}})");
    const auto refused = call(*refund_, doc, orderId(8));
    EXPECT_EQ(refused.kind, OH_OUTCOME_FAIL);
    EXPECT_EQ(refused.code, "refund_amount_out_of_range") << refused.message;
    EXPECT_EQ(simulator_.count("refund"), 0);
}

TEST_P(RefundReturnStepTest, AnOrderPaidByInvoiceHasNothingToRefund) {
    auto doc = parse(R"({"currency": "EUR", "customer": {"id": "C-5"}, "return": {"rma": {"number": "RMA-1",
                         "lines": [{"sku": "DRILL", "quantity": 1, "unit_price": 2999}]}}})");
    EXPECT_EQ(call(*refund_, doc, orderId(3)).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(at(doc, "/payment"), "");
    EXPECT_EQ(simulator_.count("refund"), 0);
    auto noRma = parse(kOrder);
    EXPECT_EQ(call(*refund_, noRma, orderId(3)).code, "rma_missing");
}

// A chain that captures before it invoices: the capture closes the order's credit exposure
// (state paid), the invoice then owes only what the card did not pay, and the undo of all
// three leaves nothing owed and nothing charged.
TEST_P(RefundReturnStepTest, ACaptureBeforeTheInvoiceClosesTheExposureAndTheInvoiceOwesOnlyTheRest) {
    auto credit = makeStep("orderhost.credit", "check-credit", R"({"default_limit": 100000000})");
    auto billing =
        makeStep("orderhost.billing", "issue-invoice",
                 R"({"series": "INV-", "credit_note_series": "CN-", "tax_rates": {"DE": {"standard": 1900}},)"
                 R"( "default_tax_class": "standard", "default_country": "DE"})");
    auto doc = parse(R"({"currency": "EUR", "customer": {"id": "C-6"}, "attributes": {"card_token": "tok_visa"},
      "lines": [{"sku": "DRILL", "quantity": 1, "total": 10000}], "totals": {"net": 10000}})");
    ASSERT_EQ(call(*credit, doc, orderId(1)).kind, OH_OUTCOME_CONTINUE);
    ASSERT_EQ(call(*pay_, doc, orderId(1)).kind, OH_OUTCOME_CONTINUE);  // the net, before any invoice
    EXPECT_EQ(simulator_.netCaptured(), 10000);
    EXPECT_EQ(text("SELECT state FROM credit_exposures WHERE customer_id = 'C-6'"), "paid");
    ASSERT_EQ(call(*billing, doc, orderId(1)).kind, OH_OUTCOME_CONTINUE);  // 100.00 + 19.00 tax
    EXPECT_EQ(number("SELECT open_minor FROM billing_accounts WHERE customer_id = 'C-6'"), 1900)
        << "the invoice owes what the card paid already";
    EXPECT_EQ(text("SELECT state FROM credit_exposures WHERE customer_id = 'C-6'"), "paid");
    // Undone in reverse: the credit note, the refund, the exposure.
    ASSERT_EQ(call(*billing, doc, orderId(1), true).kind, OH_OUTCOME_CONTINUE);
    ASSERT_EQ(call(*pay_, doc, orderId(1), true).kind, OH_OUTCOME_CONTINUE);
    ASSERT_EQ(call(*credit, doc, orderId(1), true).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(number("SELECT open_minor FROM billing_accounts WHERE customer_id = 'C-6'"), 0);
    EXPECT_EQ(simulator_.netCaptured(), 0);
    EXPECT_EQ(text("SELECT state FROM credit_exposures WHERE customer_id = 'C-6'"), "released");
}

INSTANTIATE_TEST_SUITE_P(Backends, RefundReturnStepTest, ::testing::ValuesIn(testing::testBackends()),
                         testing::backendName);

}  // namespace
}  // namespace orderhost::plugintests::refund_return_step
