// orderhost.returns as the host runs it (PluginStepHarness.h), on every backend: an RMA from a
// gapless series, the rules that refuse a return (naming the line), several partial returns of
// one order, the goods-received signal, and idempotent re-runs and undo.
#include "PluginStepHarness.h"

namespace orderhost::plugintests::returns_step {
namespace {

constexpr char kConfig[] = R"({"rma_series": "RMA-", "number_width": 4, "return_window_days": 30,
  "non_returnable_skus": ["GIFT-CARD"]})";

constexpr std::int64_t kDay = 24LL * 3600 * 1000;
constexpr std::int64_t kCompleted = 1767225600000;  // the harness's clock, too

// An order delivered at kCompleted; `request` is what the host stores at /return.
std::string order(const std::string& request, std::int64_t requestedAt = kCompleted + kDay) {
    return R"({"currency": "EUR", "customer": {"id": "C-7"}, "completed_at": )" + std::to_string(kCompleted) +
           R"(, "lines": [{"sku": "DRILL", "quantity": 3, "unit_price": 2999},
                        {"sku": "GIFT-CARD", "quantity": 1, "unit_price": 5000},
                        {"sku": "SETUP", "quantity": 1, "unit_price": 900, "kind": "service"}],
              "return": )" +
           request.substr(0, request.size() - 1) + R"(, "requested_at": )" + std::to_string(requestedAt) + "}}";
}

class ReturnsStepTest : public PluginStepTest {
protected:
    void SetUp() override {
        PluginStepTest::SetUp();
        step_ = makeStep("orderhost.returns", "authorize-return", kConfig);
    }
    void TearDown() override {
        step_.reset();
        PluginStepTest::TearDown();
    }
    // Authorizes `request` for order n; the document as the step left it.
    document::JsonDocument authorize(int n, const std::string& request, services::ReportedOutcome& outcome,
                                     std::int64_t requestedAt = kCompleted + kDay) {
        auto doc = parse(order(request, requestedAt));
        outcome = call(*step_, doc, orderId(n));
        return doc;
    }
    // The goods arrive: the signal's payload at /signals/goods_received, then the re-run.
    services::ReportedOutcome receive(document::JsonDocument& doc, int n, const std::string& payload) {
        doc.set("/signals/goods_received", payload);
        return call(*step_, doc, orderId(n));
    }
    std::unique_ptr<engine::StepInstance> step_;
};

TEST_P(ReturnsStepTest, AuthorizesAnRmaAndWaitsForTheGoods) {
    services::ReportedOutcome outcome;
    auto doc = authorize(1, R"({"reason": "broken", "lines": [{"sku": "DRILL", "quantity": 2}]})", outcome);
    ASSERT_EQ(outcome.kind, OH_OUTCOME_SUSPEND) << outcome.code << ": " << outcome.message;
    EXPECT_EQ(outcome.signal, "goods_received");
    EXPECT_EQ(at(doc, "/return/rma"), R"({"number":"RMA-0001","lines":[{"sku":"DRILL","quantity":2,)"
                                      R"("unit_price":2999,"reason":"broken"}],"status":"authorized"})");
    EXPECT_EQ(text("SELECT status FROM returns_rmas WHERE rma_number = 'RMA-0001'"), "authorized");
    EXPECT_EQ(number("SELECT quantity FROM returns_rma_lines WHERE rma_number = 'RMA-0001'"), 2);
    ASSERT_EQ(outcome.events.size(), 1u);
    EXPECT_EQ(outcome.events[0].type, "return.authorized");

    const auto got = receive(doc, 1, R"({"lines": [{"sku": "DRILL", "quantity": 1, "condition": "resellable"},
                                                  {"sku": "DRILL", "quantity": 1, "condition": "damaged"}]})");
    ASSERT_EQ(got.kind, OH_OUTCOME_CONTINUE) << got.code << ": " << got.message;
    EXPECT_EQ(at(doc, "/return/received"),
              R"({"number":"RMA-0001","lines":[{"sku":"DRILL","quantity":1,"unit_price":2999,"reason":"broken",)"
              R"("condition":"resellable"},{"sku":"DRILL","quantity":1,"unit_price":2999,"reason":"broken",)"
              R"("condition":"damaged"}],"status":"received"})");
    EXPECT_EQ(at(doc, "/return/rma/status"), R"("received")");
    EXPECT_EQ(number("SELECT received_quantity FROM returns_rma_lines WHERE rma_number = 'RMA-0001'"), 2);
    // Run again (a restart before the next step): nothing new.
    EXPECT_EQ(call(*step_, doc, orderId(1)).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(number("SELECT COUNT(*) FROM returns_rmas"), 1);
}

TEST_P(ReturnsStepTest, RefusalsNameTheLine) {
    struct Case {
        const char* request;
        const char* code;
        const char* named;
    };
    for (const Case& c : {
             Case{R"({"lines": [{"sku": "DRILL", "quantity": 4}]})", "return_quantity_exceeded", "SKU DRILL"},
             Case{R"({"lines": [{"sku": "GIFT-CARD", "quantity": 1}]})", "return_sku_not_returnable", "GIFT-CARD"},
             Case{R"({"lines": [{"line": 2, "quantity": 1}]})", "return_line_not_goods", "SETUP"},
             Case{R"({"lines": [{"sku": "NOPE", "quantity": 1}]})", "return_line_unknown", "NOPE"},
             // An index out of range is named as such, also beside an "sku" (it named the SKU).
             Case{R"({"lines": [{"line": 9, "sku": "DRILL", "quantity": 1}]})", "return_line_unknown",
                  "return line 0: \"line\" 9 is not a line of this order (it has 3, from 0)"},
             // Both given and disagreeing: said so (it read "(SKU SETUP) is not a line of this order").
             Case{R"({"lines": [{"line": 0, "sku": "SETUP", "quantity": 1}]})", "return_line_unknown",
                  "return line 0: \"line\" 0 is SKU DRILL, not \"sku\" SETUP"},
             Case{R"({"lines": [{"sku": "DRILL", "quantity": 0}]})", "return_quantity_invalid", "return line 0"},
             // Two entries for one line whose sum would wrap to a negative quantity.
             Case{R"({"lines": [{"line": 0, "quantity": 4611686018427387904},
                               {"line": 0, "quantity": 4611686018427387904}]})",
                  "return_quantity_exceeded", "return line 1 (SKU DRILL): the requested quantities add up"},
             Case{R"({"lines": []})", "return_lines_missing", "/return/lines"},
         }) {
        services::ReportedOutcome outcome;
        authorize(2, c.request, outcome);
        EXPECT_EQ(outcome.kind, OH_OUTCOME_REJECT) << c.request;
        EXPECT_EQ(outcome.code, c.code) << c.request;
        EXPECT_NE(outcome.message.find(c.named), std::string::npos) << outcome.message;
    }
    services::ReportedOutcome late;
    authorize(2, R"({"lines": [{"sku": "DRILL", "quantity": 1}]})", late, kCompleted + 31 * kDay);
    EXPECT_EQ(late.code, "return_window_expired");
    EXPECT_EQ(number("SELECT COUNT(*) FROM returns_rmas"), 0);
    EXPECT_EQ(number("SELECT COUNT(*) FROM returns_series"), 0) << "a refusal took an RMA number";
}

TEST_P(ReturnsStepTest, SeveralPartialReturnsNeverExceedWhatWasDelivered) {
    services::ReportedOutcome first, second, third;
    auto one = authorize(3, R"({"lines": [{"sku": "DRILL", "quantity": 2}]})", first, kCompleted + kDay);
    ASSERT_EQ(first.kind, OH_OUTCOME_SUSPEND);
    ASSERT_EQ(receive(one, 3, R"({"lines": [{"sku": "DRILL", "quantity": 1, "condition": "resellable"}]})").kind,
              OH_OUTCOME_CONTINUE);  // one of the two came back: one counts as returned
    authorize(3, R"({"lines": [{"line": 0, "quantity": 3}]})", second, kCompleted + 2 * kDay);
    EXPECT_EQ(second.code, "return_quantity_exceeded");
    EXPECT_NE(second.message.find("3 requested, 2 returnable (3 delivered, 1 returned before)"), std::string::npos)
        << second.message;
    auto two = authorize(3, R"({"lines": [{"line": 0, "quantity": 2}]})", third, kCompleted + 3 * kDay);
    ASSERT_EQ(third.kind, OH_OUTCOME_SUSPEND) << third.message;
    EXPECT_EQ(at(two, "/return/rma/number"), R"("RMA-0002")");
    // Undone (a later step of the return chain gave up): its quantities are returnable again.
    ASSERT_EQ(call(*step_, two, orderId(3), /*compensating=*/true).kind, OH_OUTCOME_CONTINUE);
    ASSERT_EQ(call(*step_, two, orderId(3), true).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(at(two, "/return/rma/status"), R"("cancelled")");
    EXPECT_EQ(text("SELECT status FROM returns_rmas WHERE rma_number = 'RMA-0002'"), "cancelled");
    services::ReportedOutcome fourth;
    authorize(3, R"({"lines": [{"sku": "DRILL", "quantity": 2}]})", fourth, kCompleted + 4 * kDay);
    EXPECT_EQ(fourth.kind, OH_OUTCOME_SUSPEND) << fourth.message;
    EXPECT_EQ(number("SELECT MAX(number) FROM returns_rmas"), 3) << "numbers are consecutive";
}

// The same SKU on two order lines at two prices (a discounted second line): goods received by
// SKU are priced per RMA line they fill, not all at the first line's price (the refund without
// billing is quantity x unit_price of the received lines).
TEST_P(ReturnsStepTest, GoodsOfOneSkuOnTwoPricedLinesKeepEachLinesPrice) {
    auto doc = parse(R"({"currency": "EUR", "customer": {"id": "C-7"}, "completed_at": )" + std::to_string(kCompleted) +
                     R"(, "lines": [{"sku": "DRILL", "quantity": 1, "unit_price": 2999},
        {"sku": "DRILL", "quantity": 2, "unit_price": 1999}],
        "return": {"reason": "broken", "lines": [{"line": 0, "quantity": 1}, {"line": 1, "quantity": 2}],
                   "requested_at": )" +
                     std::to_string(kCompleted + kDay) + "}}");
    const auto authorized = call(*step_, doc, orderId(8));
    ASSERT_EQ(authorized.kind, OH_OUTCOME_SUSPEND) << authorized.code << ": " << authorized.message;
    const auto got = receive(doc, 8, R"({"lines": [{"sku": "DRILL", "quantity": 3, "condition": "resellable"}]})");
    ASSERT_EQ(got.kind, OH_OUTCOME_CONTINUE) << got.code << ": " << got.message;
    EXPECT_EQ(at(doc, "/return/received/lines"),
              R"([{"sku":"DRILL","quantity":1,"unit_price":2999,"reason":"broken","condition":"resellable"},)"
              R"({"sku":"DRILL","quantity":2,"unit_price":1999,"reason":"broken","condition":"resellable"}])");
    EXPECT_EQ(number("SELECT SUM(received_quantity * unit_price_minor) FROM returns_rma_lines"), 2999 + 2 * 1999);
}

TEST_P(ReturnsStepTest, AWrongGoodsSignalKeepsWaitingAndATimeoutCancelsTheRma) {
    services::ReportedOutcome outcome;
    auto doc = authorize(4, R"({"lines": [{"sku": "DRILL", "quantity": 1}]})", outcome);
    const auto tooMany = receive(doc, 4, R"({"lines": [{"sku": "DRILL", "quantity": 2, "condition": "resellable"}]})");
    EXPECT_EQ(tooMany.kind, OH_OUTCOME_SUSPEND);
    EXPECT_EQ(tooMany.code, "goods_received_exceeds_rma");
    EXPECT_NE(tooMany.message.find("2 received, only 1 authorized"), std::string::npos) << tooMany.message;
    // Quantities that would wrap a 64-bit sum negative (and so pass the check) are refused too.
    const auto wrapped = receive(doc, 4, R"({"lines": [{"sku": "DRILL", "quantity": 1, "condition": "damaged"},
        {"sku": "DRILL", "quantity": 9223372036854775807, "condition": "resellable"},
        {"sku": "DRILL", "quantity": 2, "condition": "damaged"}]})");
    EXPECT_EQ(wrapped.kind, OH_OUTCOME_SUSPEND);
    EXPECT_EQ(wrapped.code, "goods_received_exceeds_rma");
    EXPECT_NE(wrapped.message.find("received line 1 (SKU DRILL): more than"), std::string::npos) << wrapped.message;
    EXPECT_EQ(number("SELECT received_quantity FROM returns_rma_lines"), 0);
    const auto badCondition = receive(doc, 4, R"({"lines": [{"sku": "DRILL", "quantity": 1, "condition": "wet"}]})");
    EXPECT_EQ(badCondition.code, "goods_received_invalid");
    // A line without its SKU says so.
    const auto noSku = receive(doc, 4, R"({"lines": [{"line": 0, "quantity": 1, "condition": "resellable"}]})");
    EXPECT_EQ(noSku.message, R"(RMA RMA-0001: received line 0: "sku" is missing; send the signal again)");
    EXPECT_EQ(text("SELECT status FROM returns_rmas"), "authorized");
    const auto timedOut = receive(doc, 4, R"({"timed_out": true})");
    EXPECT_EQ(timedOut.kind, OH_OUTCOME_REJECT);
    EXPECT_EQ(timedOut.code, "return_goods_not_received");
    EXPECT_EQ(text("SELECT status FROM returns_rmas"), "cancelled");
}

// The warehouse received nothing (no line, or every quantity 0): the return ends as when its
// goods do not come in time — RMA cancelled, REJECT return_goods_not_received — not "returned"
// with nothing restocked, credited or refunded (found by a black-box probe), and not waiting
// for ever either (the shipped chain sets no goods timeout).
TEST_P(ReturnsStepTest, GoodsReceivedNamingNoUnitEndsTheReturnLikeATimeout) {
    int order = 30;
    for (const char* nothing :
         {R"({"lines": []})", R"({"lines": [{"sku": "DRILL", "quantity": 0, "condition": "damaged"}]})"}) {
        services::ReportedOutcome outcome;
        auto doc = authorize(order, R"({"lines": [{"sku": "DRILL", "quantity": 1}]})", outcome);
        const auto none = receive(doc, order, nothing);
        EXPECT_EQ(none.kind, OH_OUTCOME_REJECT) << nothing;
        EXPECT_EQ(none.code, "return_goods_not_received") << nothing;
        EXPECT_NE(none.message.find(
                      "were not received (/signals/goods_received/lines names no unit received); the RMA is cancelled"),
                  std::string::npos)
            << none.message;
        EXPECT_EQ(at(doc, "/return/rma/status"), R"("cancelled")");
        EXPECT_EQ(at(doc, "/return/received"), "");
        ++order;
    }
    EXPECT_EQ(number("SELECT COUNT(*) FROM returns_rmas WHERE status = 'cancelled'"), 2);
}

TEST_P(ReturnsStepTest, ARolledBackAuthorizationConsumesNoNumber) {
    auto doc = parse(order(R"({"lines": [{"sku": "DRILL", "quantity": 1}]})"));
    call(*step_, doc, orderId(5), false, /*keep=*/false);  // the host died before its checkpoint
    services::ReportedOutcome outcome;
    auto again = authorize(5, R"({"lines": [{"sku": "DRILL", "quantity": 1}]})", outcome);
    EXPECT_EQ(at(again, "/return/rma/number"), R"("RMA-0001")");
    EXPECT_EQ(number("SELECT COUNT(*) FROM returns_rmas"), 1);
}

TEST_P(ReturnsStepTest, RefusesBadConfigNamingTheField) {
    for (const char* config :
         {R"({})", R"({"rma_series": ""})", R"({"rma_series": "R-", "return_window_days": -1})",
          R"({"rma_series": "R-", "non_returnable_skus": "X"})", R"({"rma_series": "R-", "non_returnable_skus": [1]})"})
        EXPECT_THROW(makeStep("orderhost.returns", "authorize-return", config), engine::StepCreateError) << config;
}

INSTANTIATE_TEST_SUITE_P(Backends, ReturnsStepTest, ::testing::ValuesIn(testing::testBackends()), testing::backendName);

}  // namespace
}  // namespace orderhost::plugintests::returns_step
