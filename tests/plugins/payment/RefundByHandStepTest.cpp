// refund-return and refunds a person made at the gateway by hand (HandRefund.h): named for
// their return (manual_action data refunded_by_hand), acknowledged as no return's
// (acknowledged_refunds), and never paid a second time, before or after a refusal.
#include "RefundReturnFixture.h"

namespace orderhost::plugintests::refund_return_step {
namespace {

using RefundByHandStepTest = RefundReturnStepTest;

// After a refusal a person refunds by hand at the gateway and names the refund in a manual action
// (data refunded_by_hand, which the host stores at /signals/manual_action): the step records it
// only as the gateway lists it — on the authorization, for the amount owed, not made by the step
// itself, not recorded for another return — and never asks for the money again.
TEST_P(RefundByHandStepTest, ARefundMadeByHandIsRecordedOnlyAsTheGatewayListsIt) {
    auto doc = parse(kOrder);
    refusedOnce(doc, orderId(11), "RMA-1", 3569);
    const auto claim = [&](const std::string& rma, const std::string& refundId) {
        doc.set("/signals/manual_action",
                R"({"refunded_by_hand": {"rma_number": ")" + rma + R"(", "refund_id": ")" + refundId + R"("}})");
        return call(*refund_, doc, orderId(11));
    };
    const std::string tooLittle = refundByHand(doc, 1000, "dashboard-1");
    const std::string owed = refundByHand(doc, 3569, "dashboard-2");
    for (const auto& [refundId, why] : {std::pair<std::string, std::string>{"re_nope", "has no refund with that id"},
                                        {tooLittle, "refunded 1000 minor units where the return is owed 3569"}}) {
        const auto refused = claim("RMA-1", refundId);
        EXPECT_EQ(refused.code, "refund_by_hand_unconfirmed") << refused.message;
        EXPECT_NE(refused.message.find(why), std::string::npos) << refused.message;
    }
    EXPECT_EQ(number("SELECT COUNT(*) FROM payment_records WHERE operation = 'refund'"), 0);

    const auto recorded = claim("RMA-1", owed);
    ASSERT_EQ(recorded.kind, OH_OUTCOME_CONTINUE) << recorded.code << ": " << recorded.message;
    EXPECT_EQ(at(doc, "/payment/refunds/0"),
              R"({"rma_number":"RMA-1","amount_minor":3569,"refund_id":")" + owed + R"(","by_hand":true})");
    EXPECT_EQ(at(doc, "/payment/refunded_minor"), "3569");
    ASSERT_EQ(call(*refund_, doc, orderId(11)).kind, OH_OUTCOME_CONTINUE) << "a re-run finds it recorded";
    const auto another = claim("RMA-1", tooLittle);  // a second refund named for a return paid already
    EXPECT_EQ(another.code, "refund_by_hand_unconfirmed");
    EXPECT_NE(another.message.find("refund " + owed + " is recorded for it"), std::string::npos) << another.message;
    EXPECT_EQ(number("SELECT COUNT(*) FROM payment_records WHERE operation = 'refund'"), 1);
    EXPECT_EQ(simulator_.count("refund"), 2) << "the two refunds by hand; the step asked for none";

    // The same refund named for the next return, and a refund the step made itself, are refused.
    startReturn(doc, "RMA-2", 3569);
    EXPECT_NE(claim("RMA-2", owed).message.find("records it already, for RMA RMA-1"), std::string::npos);
    auto other = parse(kOrder);
    ASSERT_EQ(call(*pay_, other, orderId(12)).kind, OH_OUTCOME_CONTINUE);
    startReturn(other, "RMA-1", 500);
    ASSERT_EQ(call(*refund_, other, orderId(12)).kind, OH_OUTCOME_CONTINUE);
    const std::string own = parse(at(other, "/payment/refunds/0")).root()->getValue<std::string>("refund_id");
    startReturn(other, "RMA-2", 500);
    other.set("/signals/manual_action",
              R"({"refunded_by_hand": {"rma_number": "RMA-2", "refund_id": ")" + own + R"("}})");
    const auto ownClaim = call(*refund_, other, orderId(12));
    EXPECT_EQ(ownClaim.code, "refund_by_hand_unconfirmed");
    EXPECT_NE(ownClaim.message.find("was made by this step"), std::string::npos) << ownClaim.message;
    EXPECT_EQ(simulator_.count("refund"), 3);

    // The step's own refund went through with its answer lost, and a person refunded by hand too:
    // recording the hand refund would hide the step's; the claim is refused. A plain retry stops
    // at the hand refund, which the order does not account for (the customer was paid twice: a
    // person must know); acknowledged, the retry records the step's own refund, replayed.
    auto lost = parse(kOrder);
    ASSERT_EQ(call(*pay_, lost, orderId(14)).kind, OH_OUTCOME_CONTINUE);
    startReturn(lost, "RMA-1", 700);
    simulator_.setFaults(R"({"lose_response_count": 1})");
    ASSERT_EQ(call(*refund_, lost, orderId(14)).kind, OH_OUTCOME_RETRY);
    const std::string byHand = refundByHand(lost, 700, "dashboard-3");
    lost.set("/signals/manual_action",
             R"({"refunded_by_hand": {"rma_number": "RMA-1", "refund_id": ")" + byHand + R"("}})");
    const auto twice = call(*refund_, lost, orderId(14));
    EXPECT_EQ(twice.code, "refund_by_hand_unconfirmed");
    EXPECT_NE(twice.message.find("this step's own refund"), std::string::npos) << twice.message;
    lost.remove("/signals/manual_action");
    const auto unplaced = call(*refund_, lost, orderId(14));
    EXPECT_EQ(unplaced.code, "refund_unreconciled");
    EXPECT_NE(unplaced.message.find(byHand + " (700 minor units, key dashboard-3)"), std::string::npos)
        << unplaced.message;
    lost.set("/signals/manual_action", R"({"acknowledged_refunds": [")" + byHand + R"("]})");
    const auto replayed = call(*refund_, lost, orderId(14));
    ASSERT_EQ(replayed.kind, OH_OUTCOME_CONTINUE) << replayed.code << ": " << replayed.message;
    EXPECT_EQ(at(lost, "/payment/refunds/0/by_hand"), "") << "the step's own refund, replayed";
    EXPECT_EQ(at(lost, "/payment/acknowledged_refunds"),
              R"([{"refund_id":")" + byHand + R"(","amount_minor":700,"currency":"EUR"}])");
    EXPECT_EQ(simulator_.count("refund"), 5);
}

// A person refunded a return by hand before the step asked: the step stops instead of paying it
// a second time, and records the refund once it is named for its return.
TEST_P(RefundByHandStepTest, ARefundByHandBeforeTheStepAskedIsNeverPaidTwice) {
    auto doc = parse(kOrder);
    ASSERT_EQ(call(*pay_, doc, orderId(15)).kind, OH_OUTCOME_CONTINUE);
    startReturn(doc, "RMA-1", 3569);
    const std::string early = refundByHand(doc, 3569, "dashboard-early");
    const auto stopped = call(*refund_, doc, orderId(15));
    EXPECT_EQ(stopped.code, "refund_unreconciled") << stopped.message;
    EXPECT_NE(stopped.message.find("has refunded 3569 minor units"), std::string::npos) << stopped.message;
    EXPECT_NE(stopped.message.find(early), std::string::npos) << stopped.message;
    EXPECT_EQ(simulator_.count("refund"), 1) << "the hand refund only";

    doc.set("/signals/manual_action",
            R"({"refunded_by_hand": [{"rma_number": "RMA-1", "refund_id": ")" + early + R"("}]})");
    const auto recorded = call(*refund_, doc, orderId(15));
    ASSERT_EQ(recorded.kind, OH_OUTCOME_CONTINUE) << recorded.code << ": " << recorded.message;
    EXPECT_EQ(at(doc, "/payment/refunds/0/by_hand"), "true");
    EXPECT_EQ(at(doc, "/payment/refunded_minor"), "3569");
    EXPECT_EQ(simulator_.count("refund"), 1) << "never asked again";
    EXPECT_EQ(number("SELECT COUNT(*) FROM payment_records WHERE operation = 'refund'"), 1);
}

// A refund at the gateway that is no return's (goodwill) stops the next refund until it is
// acknowledged; acknowledged once, it stops no later return, moves no receivable and counts in
// no refund total. Acknowledging what the gateway does not list, or a return's recorded refund,
// or a malformed list, is refused and records nothing.
TEST_P(RefundByHandStepTest, AGoodwillRefundIsAcknowledgedOnceAndLaterReturnsAreRefunded) {
    auto doc = parse(kOrder);
    ASSERT_EQ(call(*pay_, doc, orderId(16)).kind, OH_OUTCOME_CONTINUE);
    const std::string goodwill = refundByHand(doc, 500, "dashboard-goodwill");
    startReturn(doc, "RMA-1", 1000);
    EXPECT_EQ(call(*refund_, doc, orderId(16)).code, "refund_unreconciled");
    for (const std::string& wrong : {std::string(R"(["re_nope"])"), std::string("[]"), std::string("7"),
                                     std::string(R"([""])"), std::string(R"(["re_1", 2])")}) {
        doc.set("/signals/manual_action", R"({"acknowledged_refunds": )" + wrong + "}");
        const auto refused = call(*refund_, doc, orderId(16));
        EXPECT_EQ(refused.code, "refund_acknowledgment_unconfirmed") << wrong << ": " << refused.message;
    }
    EXPECT_EQ(simulator_.count("refund"), 1) << "the goodwill refund only";
    EXPECT_EQ(number("SELECT COUNT(*) FROM payment_records WHERE order_id = '" + orderId(16) +
                     "'"
                     " AND operation IN ('refund', 'acknowledged')"),
              0);

    doc.set("/signals/manual_action", R"({"acknowledged_refunds": ")" + goodwill + R"("})");
    const auto first = call(*refund_, doc, orderId(16));
    ASSERT_EQ(first.kind, OH_OUTCOME_CONTINUE) << first.code << ": " << first.message;
    EXPECT_EQ(at(doc, "/payment/refunded_minor"), "1000") << "the goodwill refund is no return's";
    EXPECT_EQ(at(doc, "/payment/acknowledged_refunds/0/amount_minor"), "500");
    EXPECT_EQ(text("SELECT status FROM payment_records WHERE operation = 'acknowledged'"), "acknowledged");
    const std::string own = parse(at(doc, "/payment/refunds/0")).root()->getValue<std::string>("refund_id");

    doc.remove("/signals/manual_action");
    startReturn(doc, "RMA-2", 800);
    const auto second = call(*refund_, doc, orderId(16));
    ASSERT_EQ(second.kind, OH_OUTCOME_CONTINUE) << second.code << ": " << second.message;
    EXPECT_EQ(at(doc, "/payment/refunded_minor"), "1800");
    EXPECT_EQ(simulator_.count("refund"), 3);
    EXPECT_EQ(number("SELECT COUNT(*) FROM payment_records WHERE operation = 'refund'"), 2);

    startReturn(doc, "RMA-3", 500);  // a return's recorded refund is not the goodwill one
    doc.set("/signals/manual_action", R"({"acknowledged_refunds": [")" + own + R"("]})");
    EXPECT_EQ(call(*refund_, doc, orderId(16)).code, "refund_acknowledgment_unconfirmed");
    doc.set("/signals/manual_action",
            R"({"refunded_by_hand": {"rma_number": "RMA-3", "refund_id": ")" + goodwill + R"("}})");
    const auto claimed = call(*refund_, doc, orderId(16));
    EXPECT_EQ(claimed.code, "refund_by_hand_unconfirmed");
    EXPECT_NE(claimed.message.find("acknowledged it as no return's"), std::string::npos) << claimed.message;
    EXPECT_EQ(simulator_.count("refund"), 3);
}

// The first return's refund was refused and refunded by hand (outstanding), and the second was
// refunded by hand too: named alone, the second is recorded but the first's walk then finds more
// money at the gateway than the order records; one manual action names both. A malformed claim, or one for a
// return the order owes nothing for, stops the step before any gateway call.
TEST_P(RefundByHandStepTest, RefundsByHandOfTwoReturnsAreNamedInOneAction) {
    auto doc = parse(kOrder);
    refusedOnce(doc, orderId(13), "RMA-0", 1000);
    const std::string first = refundByHand(doc, 1000, "dashboard-0");
    startReturn(doc, "RMA-1", 2000);  // RMA-0's note stays, its refund outstanding
    const std::string second = refundByHand(doc, 2000, "dashboard-1");
    const std::string held = doc.toJson();
    const auto attempt = [&](const std::string& claims) { return claimFromHeld(held, claims, orderId(13), doc); };
    const std::string claimFirst = R"({"rma_number": "RMA-0", "refund_id": ")" + first + R"("})";
    const std::string claimSecond = R"({"rma_number": "RMA-1", "refund_id": ")" + second + R"("})";
    EXPECT_EQ(attempt(claimSecond).code, "refund_unreconciled");
    const std::string notOwed = R"({"rma_number": "RMA-9", "refund_id": ")" + second + R"("})";
    for (const std::string& wrong :
         {std::string(R"([{"rma_number": "RMA-1"}])"), std::string(R"({"rma_number": "RMA-1", "refund_id": 7})"),
          notOwed, std::string("[]"), std::string("null"), std::string(R"(["re_1"])")}) {
        const auto refused = attempt(wrong);
        EXPECT_EQ(refused.code, "refund_by_hand_unconfirmed") << wrong << ": " << refused.message;
    }
    EXPECT_EQ(simulator_.count("refund"), 2) << "the two by hand; the step asked for none";
    const auto both = attempt("[" + claimFirst + ", " + claimSecond + "]");
    ASSERT_EQ(both.kind, OH_OUTCOME_CONTINUE) << both.code << ": " << both.message;
    EXPECT_EQ(at(doc, "/payment/refunded_minor"), "3000");
    EXPECT_EQ(number("SELECT COUNT(*) FROM payment_records WHERE operation = 'refund'"), 2);
    EXPECT_EQ(simulator_.count("refund"), 2);
}

// One action names a return's refund made by hand and acknowledges a goodwill refund: both are
// recorded although the return takes the claim's path (no refund asked); an unknown id beside a
// claim is still refused. The goodwill refund took its part of what the gateway can refund, so
// a return of everything then refunds the rest and the payment is refunded in full.
TEST_P(RefundByHandStepTest, AClaimAndAnAcknowledgmentInOneActionAreBothRecordedAndCapTheRefund) {
    auto doc = parse(kOrder);
    ASSERT_EQ(call(*pay_, doc, orderId(17)).kind, OH_OUTCOME_CONTINUE);
    const std::string goodwill = refundByHand(doc, 301, "dashboard-goodwill");
    startReturn(doc, "RMA-1", 1000);
    const std::string byHand = refundByHand(doc, 1000, "dashboard-rma-1");
    EXPECT_EQ(call(*refund_, doc, orderId(17)).code, "refund_unreconciled");
    const std::string claim = R"("refunded_by_hand": {"rma_number": "RMA-1", "refund_id": ")" + byHand + R"("})";
    doc.set("/signals/manual_action", "{" + claim + R"(, "acknowledged_refunds": ["re_nope"]})");
    EXPECT_EQ(call(*refund_, doc, orderId(17)).code, "refund_acknowledgment_unconfirmed");
    doc.set("/signals/manual_action", "{" + claim + R"(, "acknowledged_refunds": [")" + goodwill + R"("]})");
    const auto both = call(*refund_, doc, orderId(17));
    ASSERT_EQ(both.kind, OH_OUTCOME_CONTINUE) << both.code << ": " << both.message;
    EXPECT_EQ(at(doc, "/payment/acknowledged_refunds/0/refund_id"), "\"" + goodwill + "\"");
    EXPECT_EQ(at(doc, "/payment/refunds/0/by_hand"), "true");
    EXPECT_EQ(simulator_.count("refund"), 2) << "the two made by hand; the step asked for none";

    doc.remove("/signals/manual_action");
    startReturn(doc, "RMA-2", 11301 - 1000);  // everything else: more than the gateway has left
    const auto rest = call(*refund_, doc, orderId(17));
    ASSERT_EQ(rest.kind, OH_OUTCOME_CONTINUE) << rest.code << ": " << rest.message;
    EXPECT_EQ(at(doc, "/payment/refunds/1/amount_minor"), "10000") << "11301 captured - 1000 - 301 goodwill";
    EXPECT_EQ(at(doc, "/payment/status"), "\"refunded\"");
    EXPECT_EQ(simulator_.netCaptured(), 0);
}

// A person refunded two returns with one refund: named for both in one action, it is recorded as
// each return's part; named for one of them alone, its amount is not what that one is owed.
TEST_P(RefundByHandStepTest, OneRefundByHandForTwoReturnsIsRecordedAsTheirParts) {
    auto doc = parse(kOrder);
    refusedOnce(doc, orderId(18), "RMA-0", 1000);
    startReturn(doc, "RMA-1", 2000);  // RMA-0's note stays, its refund outstanding
    const std::string both = refundByHand(doc, 3000, "dashboard-both");
    const std::string held = doc.toJson();
    const auto attempt = [&](const std::string& claims) { return claimFromHeld(held, claims, orderId(18), doc); };
    const auto claimOf = [&](const std::string& rma) {
        return R"({"rma_number": ")" + rma + R"(", "refund_id": ")" + both + R"("})";
    };
    const auto alone = attempt(claimOf("RMA-1"));
    EXPECT_EQ(alone.code, "refund_by_hand_unconfirmed");
    EXPECT_NE(alone.message.find("name every return a refund paid"), std::string::npos) << alone.message;
    const auto together = attempt("[" + claimOf("RMA-0") + ", " + claimOf("RMA-1") + "]");
    ASSERT_EQ(together.kind, OH_OUTCOME_CONTINUE) << together.code << ": " << together.message;
    EXPECT_EQ(at(doc, "/payment/refunded_minor"), "3000");
    EXPECT_EQ(at(doc, "/payment/refunds/0"),
              R"({"rma_number":"RMA-0","amount_minor":1000,"refund_id":")" + both + R"(","by_hand":true})");
    EXPECT_EQ(at(doc, "/payment/refunds/1"),
              R"({"rma_number":"RMA-1","amount_minor":2000,"refund_id":")" + both + R"(","by_hand":true})");
    EXPECT_EQ(number("SELECT COUNT(*) FROM payment_records WHERE operation = 'refund'"), 2);
    doc.remove("/signals/manual_action");
    ASSERT_EQ(call(*refund_, doc, orderId(18)).kind, OH_OUTCOME_CONTINUE) << "a re-run finds both recorded";
    EXPECT_EQ(simulator_.count("refund"), 1) << "the one made by hand; the step asked for none";

    // Named again for a recorded return and a new one whose amounts add up to it: RMA-1's part was
    // counted already, so RMA-3 would be recorded as paid by money that paid RMA-0.
    startReturn(doc, "RMA-3", 1000);
    doc.set("/signals/manual_action", R"({"refunded_by_hand": [)" + claimOf("RMA-1") + ", " + claimOf("RMA-3") + "]}");
    const auto again = call(*refund_, doc, orderId(18));
    EXPECT_EQ(again.code, "refund_by_hand_unconfirmed");
    EXPECT_NE(again.message.find("recorded already for some of the returns"), std::string::npos) << again.message;
    EXPECT_EQ(at(doc, "/payment/refunded_minor"), "3000");
}

// Everything captured went back as goodwill: acknowledged, the payment is refunded, and a return
// then has nothing left to refund.
TEST_P(RefundByHandStepTest, AGoodwillRefundOfEverythingLeavesThePaymentRefunded) {
    auto doc = parse(kOrder);
    ASSERT_EQ(call(*pay_, doc, orderId(19)).kind, OH_OUTCOME_CONTINUE);
    const std::string goodwill = refundByHand(doc, 11301, "dashboard-all");
    startReturn(doc, "RMA-1", 1000);
    doc.set("/signals/manual_action", R"({"acknowledged_refunds": [")" + goodwill + R"("]})");
    const auto outcome = call(*refund_, doc, orderId(19));
    ASSERT_EQ(outcome.kind, OH_OUTCOME_CONTINUE) << outcome.code << ": " << outcome.message;
    EXPECT_EQ(at(doc, "/payment/status"), "\"refunded\"");
    EXPECT_EQ(at(doc, "/payment/refunded_minor"), "") << "no return's refund";
    EXPECT_EQ(simulator_.count("refund"), 1);
}

// The order undone (a cancel) after a goodwill refund was acknowledged and a return refunded:
// the undo refunds only what is left at the gateway. Asking for captured − refunded would ask
// for the goodwill money again, the gateway would refuse, and the cancel would stick.
TEST_P(RefundByHandStepTest, AnUndoAfterAnAcknowledgedGoodwillRefundRefundsOnlyWhatIsLeft) {
    auto doc = parse(kOrder);
    ASSERT_EQ(call(*pay_, doc, orderId(20)).kind, OH_OUTCOME_CONTINUE);
    const std::string goodwill = refundByHand(doc, 500, "dashboard-goodwill");
    startReturn(doc, "RMA-1", 1000);
    doc.set("/signals/manual_action", R"({"acknowledged_refunds": [")" + goodwill + R"("]})");
    const std::int64_t paid = receivables();
    ASSERT_EQ(call(*refund_, doc, orderId(20)).kind, OH_OUTCOME_CONTINUE);
    doc.remove("/signals/manual_action");
    ASSERT_EQ(simulator_.netCaptured(), 11301 - 500 - 1000);
    const std::int64_t receivableBefore = receivables();
    // Every refund reopens the receivable by its amount, the goodwill one too (billing's credit
    // notes, not run here, settle it: RMA-1's −1000, the cancel's −10301, and the sum is even).
    EXPECT_EQ(receivableBefore - paid, 1000 + 500);

    const auto undone = call(*pay_, doc, orderId(20), /*compensating=*/true);
    ASSERT_EQ(undone.kind, OH_OUTCOME_CONTINUE) << undone.code << ": " << undone.message;
    EXPECT_EQ(simulator_.netCaptured(), 0) << "everything went back, nothing twice";
    EXPECT_EQ(at(doc, "/payment/status"), "\"refunded\"");
    EXPECT_EQ(at(doc, "/payment/refunded_minor"), "10801") << "returns and the undo; the goodwill stays apart";
    EXPECT_EQ(receivables() - receivableBefore, 9801) << "the undo's refund moves the receivable";
    EXPECT_EQ(receivables() - paid - 1000 - 10301, 0) << "with billing's two credit notes the account is even";
    EXPECT_EQ(number("SELECT SUM(amount_minor) FROM payment_records WHERE order_id = '" + orderId(20) +
                     "' AND operation = 'refund'"),
              10801);
    const auto again = call(*pay_, doc, orderId(20), /*compensating=*/true);
    EXPECT_EQ(again.kind, OH_OUTCOME_CONTINUE) << again.code << ": " << again.message;
    EXPECT_EQ(simulator_.netCaptured(), 0);
}

// A person paid one return back in two refunds at the dashboard: the claim lists both, each is
// recorded as a part of the return's refund, and the order's other refunds go on (the parts no
// longer stop them at refund_unreconciled). A part is never also another return's refund.
TEST_P(RefundByHandStepTest, OneReturnRefundedByHandInPartsIsRecordedAsItsRefund) {
    auto doc = parse(kOrder);
    ASSERT_EQ(call(*pay_, doc, orderId(21)).kind, OH_OUTCOME_CONTINUE);
    startReturn(doc, "RMA-2", 500);  // its credit note stands, its refund is outstanding
    startReturn(doc, "RMA-1", 1000);
    const std::string a = refundByHand(doc, 300, "dashboard-1"), b = refundByHand(doc, 700, "dashboard-2");
    const std::int64_t receivableBefore = receivables();
    EXPECT_EQ(call(*refund_, doc, orderId(21)).code, "refund_unreconciled");
    const auto parts = [](const std::string& ids) { return R"([{"rma_number": "RMA-1", "refund_id": )" + ids + "}]"; };
    const std::string both = "[\"" + a + "\", \"" + b + "\"]";
    for (const std::string& wrong :
         {"[\"" + a + "\"]", "[\"" + a + "\", \"" + a + "\"]", std::string("[]"), "[\"" + a + "\", \"re_nope\"]"}) {
        auto held = parse(doc.toJson());
        const auto refused = claimFromHeld(doc.toJson(), parts(wrong), orderId(21), held);
        EXPECT_EQ(refused.code, "refund_by_hand_unconfirmed") << wrong << ": " << refused.message;
    }
    auto held = parse(doc.toJson());
    const auto mixed = claimFromHeld(doc.toJson(),
                                     R"([{"rma_number": "RMA-1", "refund_id": )" + both +
                                         R"(}, {"rma_number": "RMA-2", "refund_id": ")" + a + R"("}])",
                                     orderId(21), held);
    EXPECT_NE(mixed.message.find("not both at once"), std::string::npos) << mixed.code << ": " << mixed.message;
    EXPECT_EQ(simulator_.count("refund"), 2) << "the two parts only";

    const auto recorded = claimFromHeld(doc.toJson(), parts(both), orderId(21), doc);
    ASSERT_EQ(recorded.kind, OH_OUTCOME_CONTINUE) << recorded.code << ": " << recorded.message;
    EXPECT_EQ(at(doc, "/payment/refunded_minor"), "1500") << "the parts, then RMA-2's refund by the step";
    EXPECT_EQ(at(doc, "/payment/refunds/1/amount_minor"), "700");
    EXPECT_EQ(simulator_.count("refund"), 3);
    EXPECT_EQ(simulator_.netCaptured(), 11301 - 1500);
    EXPECT_EQ(receivables() - receivableBefore, 1500);
    EXPECT_EQ(number("SELECT COUNT(*) FROM payment_records WHERE order_id = '" + orderId(21) +
                     "' AND operation = 'refund' AND idempotency_key LIKE '%:by-hand%'"),
              2);
    const auto again = claimFromHeld(doc.toJson(), parts(both), orderId(21), doc);  // the action delivered again
    ASSERT_EQ(again.kind, OH_OUTCOME_CONTINUE) << again.code << ": " << again.message;
    EXPECT_EQ(simulator_.count("refund"), 3);
    EXPECT_EQ(at(doc, "/payment/refunded_minor"), "1500");
}

INSTANTIATE_TEST_SUITE_P(Backends, RefundByHandStepTest, ::testing::ValuesIn(testing::testBackends()),
                         testing::backendName);

}  // namespace
}  // namespace orderhost::plugintests::refund_return_step
