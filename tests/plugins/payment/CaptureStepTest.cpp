// orderhost.payment's capture step when the gateway's answers are lost, against the gateway
// simulator process on every backend: the host undoes a capture step that gave up not knowing
// what it did. The order still says "authorized", so the undo voids; the gateway refuses (it
// did capture) and the undo then refunds what it captured, once. Nothing stays charged.
#include "PluginStepHarness.h"
#include "tests/support/GatewaySimulator.h"

namespace orderhost::plugintests::capture_step {
namespace {

using orderhost::testing::GatewaySimulator;

constexpr char kOrder[] = R"({"currency": "EUR", "customer": {"id": "C-7"}, "attributes": {"card_token": "tok_visa"},
  "lines": [{"sku": "DRILL", "quantity": 1, "total": 4999}], "totals": {"net": 4999}})";

class CaptureStepTest : public PluginStepTest {
protected:
    void SetUp() override {
        PluginStepTest::SetUp();
        const std::string gateway = R"({"base_url": ")" + simulator_.url() + R"(", "timeout_ms": 5000)";
        authorize_ = makeStep("orderhost.payment", "authorize", gateway + R"(, "capture": "later"})");
        capture_ = makeStep("orderhost.payment", "capture", gateway + "}");
    }
    void TearDown() override {
        authorize_.reset();
        capture_.reset();
        PluginStepTest::TearDown();
    }
    std::int64_t records(const std::string& operation) {
        return number("SELECT COUNT(*) FROM payment_records WHERE operation = '" + operation + "'");
    }

    GatewaySimulator simulator_;
    std::unique_ptr<engine::StepInstance> authorize_, capture_;
};

TEST_P(CaptureStepTest, AnUndoneCaptureWhoseAnswersWereLostIsRefundedOnce) {
    auto doc = parse(kOrder);
    ASSERT_EQ(call(*authorize_, doc, orderId(1)).kind, OH_OUTCOME_CONTINUE);
    ASSERT_EQ(at(doc, "/payment/status"), R"("authorized")");
    simulator_.setFaults(R"({"drop_count": 4})");  // two attempts, each a capture and its repeat
    EXPECT_EQ(call(*capture_, doc, orderId(1)).kind, OH_OUTCOME_RETRY);
    EXPECT_EQ(call(*capture_, doc, orderId(1)).kind, OH_OUTCOME_RETRY);
    EXPECT_EQ(simulator_.netCaptured(), 4999) << "captured by the first call, nobody heard it";
    EXPECT_EQ(at(doc, "/payment/status"), R"("authorized")") << "nothing of the attempts committed";

    simulator_.setFaults(R"({"fail_count": 1, "fail_status": 503})");
    EXPECT_EQ(call(*capture_, doc, orderId(1), /*compensating=*/true).kind, OH_OUTCOME_RETRY) << "the gateway is away";
    // The host killed after the gateway refunded, before the undo's checkpoint: nothing of it
    // committed, and the next undo starts again from "authorized".
    auto lost = parse(doc.toJson());
    ASSERT_EQ(call(*capture_, lost, orderId(1), /*compensating=*/true, /*keep=*/false).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(simulator_.netCaptured(), 0);
    EXPECT_EQ(records("refund"), 0) << "rolled back with the crash";
    const auto undone = call(*capture_, doc, orderId(1), /*compensating=*/true);
    ASSERT_EQ(undone.kind, OH_OUTCOME_CONTINUE) << undone.code << ": " << undone.message;
    EXPECT_EQ(at(doc, "/payment/status"), R"("refunded")");
    EXPECT_EQ(at(doc, "/payment/captured_minor"), "4999");
    EXPECT_EQ(at(doc, "/payment/refunded_minor"), "4999");
    EXPECT_EQ(simulator_.netCaptured(), 0);
    EXPECT_EQ(simulator_.count("refund"), 1) << "the second undo's refund was replayed, not repeated";
    EXPECT_EQ(records("capture"), 1) << "the capture the order never heard of is on record";
    EXPECT_EQ(records("refund"), 1);

    // Undone again (nothing left to do), then the authorize step's own undo.
    ASSERT_EQ(call(*capture_, doc, orderId(1), /*compensating=*/true).kind, OH_OUTCOME_CONTINUE);
    ASSERT_EQ(call(*authorize_, doc, orderId(1), /*compensating=*/true).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(simulator_.count("refund"), 1);
    EXPECT_EQ(simulator_.count("void"), 0);
    EXPECT_EQ(simulator_.netCaptured(), 0);
    EXPECT_EQ(simulator_.openAuthorizations(), 0);
}

// The capture's answers were lost but the capture never arrived: the undo's void works.
TEST_P(CaptureStepTest, AnUndoneCaptureThatNeverHappenedVoidsTheAuthorization) {
    auto doc = parse(kOrder);
    ASSERT_EQ(call(*authorize_, doc, orderId(2)).kind, OH_OUTCOME_CONTINUE);
    simulator_.setFaults(R"({"fail_count": 2, "fail_status": 503})");
    EXPECT_EQ(call(*capture_, doc, orderId(2)).kind, OH_OUTCOME_RETRY);
    const auto undone = call(*capture_, doc, orderId(2), /*compensating=*/true);
    ASSERT_EQ(undone.kind, OH_OUTCOME_CONTINUE) << undone.code << ": " << undone.message;
    EXPECT_EQ(at(doc, "/payment/status"), R"("voided")");
    EXPECT_EQ(simulator_.count("void"), 1);
    EXPECT_EQ(simulator_.count("refund"), 0);
    EXPECT_EQ(simulator_.netCaptured(), 0);
    EXPECT_EQ(simulator_.openAuthorizations(), 0);
}

// The undo cannot reach the gateway to learn what happened: RETRY, never a guess.
TEST_P(CaptureStepTest, AnUndoThatCannotLookTheAuthorizationUpRetries) {
    auto doc = parse(kOrder);
    ASSERT_EQ(call(*authorize_, doc, orderId(3)).kind, OH_OUTCOME_CONTINUE);
    simulator_.setFaults(R"({"drop_count": 2})");
    EXPECT_EQ(call(*capture_, doc, orderId(3)).kind, OH_OUTCOME_RETRY);
    simulator_.setFaults(R"({"lookup_fail_count": 1})");  // the void is refused (captured), the lookup unanswered
    const auto undone = call(*capture_, doc, orderId(3), /*compensating=*/true);
    EXPECT_EQ(undone.kind, OH_OUTCOME_RETRY) << undone.code << ": " << undone.message;
    EXPECT_EQ(simulator_.count("refund"), 0);
    EXPECT_EQ(at(doc, "/payment/status"), R"("authorized")");
}

INSTANTIATE_TEST_SUITE_P(Backends, CaptureStepTest, ::testing::ValuesIn(testing::testBackends()), testing::backendName);

}  // namespace
}  // namespace orderhost::plugintests::capture_step
