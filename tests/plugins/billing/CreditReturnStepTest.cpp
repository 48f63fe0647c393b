// orderhost.billing's credit-return as the host runs it (PluginStepHarness.h), on every
// backend: partial credit notes per RMA that add up to the invoice to the cent, one gapless
// credit-note series with the invoice's undo, receivables, idempotent re-runs and refusals.
#include "PluginStepHarness.h"

namespace orderhost::plugintests::credit_return_step {
namespace {

constexpr char kInvoiceConfig[] = R"({"series": "INV-", "credit_note_series": "CN-",
  "tax_rates": {"DE": {"standard": 1900}}, "default_tax_class": "standard", "default_country": "DE"})";
constexpr char kCreditConfig[] = R"({"credit_note_series": "CN-"})";

// 3 x 29.99 = 89.97 net; 19 % = 17.0943 -> 17.09 tax; 107.06 total.
constexpr char kOrder[] = R"({"currency": "EUR", "customer": {"id": "C-9"}, "lines": [
  {"sku": "DRILL", "quantity": 3, "unit_price": 2999, "total": 8997},
  {"sku": "BITS", "quantity": 1, "unit_price": 500, "total": 500}]})";

// The order's document during the return of `quantity` drills under `rma` (what authorize-return wrote).
std::string returning(const std::string& rma, int quantity, const std::string& linesAt = "rma") {
    const std::string lines = R"({"number": ")" + rma + R"(", "lines": [{"sku": "DRILL", "quantity": )" +
                              std::to_string(quantity) + R"(, "unit_price": 2999, "reason": "broken"}]})";
    return std::string(kOrder).substr(0, std::string(kOrder).size() - 1) + R"(, "return": {"rma": )" +
           (linesAt == "rma" ? lines : R"({"number": ")" + rma + R"(", "lines": []})") +
           (linesAt == "received" ? R"(, "received": )" + lines : std::string()) + "}}";
}

class CreditReturnStepTest : public PluginStepTest {
protected:
    void SetUp() override {
        PluginStepTest::SetUp();
        invoice_ = makeStep("orderhost.billing", "issue-invoice", kInvoiceConfig);
        credit_ = makeStep("orderhost.billing", "credit-return", kCreditConfig);
    }
    void TearDown() override {
        invoice_.reset();
        credit_.reset();
        PluginStepTest::TearDown();
    }
    void invoiceOrder(int n) {
        auto doc = parse(kOrder);
        ASSERT_EQ(call(*invoice_, doc, orderId(n)).kind, OH_OUTCOME_CONTINUE);
    }
    services::ReportedOutcome credit(int n, const std::string& json, document::JsonDocument* out = nullptr) {
        auto doc = parse(json);
        auto outcome = call(*credit_, doc, orderId(n));
        if (out) *out = std::move(doc);
        return outcome;
    }
    std::int64_t receivables() {
        return number("SELECT COALESCE(SUM(open_minor), 0) FROM billing_accounts WHERE customer_id = 'C-9'");
    }
    std::unique_ptr<engine::StepInstance> invoice_, credit_;
};

TEST_P(CreditReturnStepTest, PartialCreditNotesAddUpToTheInvoiceToTheCent) {
    invoiceOrder(1);
    ASSERT_EQ(receivables(), 8997 + 1709 + 500 + 95);
    document::JsonDocument first;
    const auto one = credit(1, returning("RMA-1", 1), &first);
    ASSERT_EQ(one.kind, OH_OUTCOME_CONTINUE) << one.code << ": " << one.message;
    // 29.99 x 19 % = 5.6981 -> 5.70 (per line, half away from zero).
    EXPECT_EQ(at(first, "/billing/return_credits"),
              R"([{"credit_note_number":"CN-000001","rma_number":"RMA-1","invoice_number":"INV-000001",)"
              R"("currency":"EUR","net_minor":2999,"tax_minor":570,"total_minor":3569}])");
    ASSERT_EQ(one.events.size(), 1u);
    EXPECT_EQ(one.events[0].type, "credit_note.issued");
    // The rest of the line: 89.97 - 29.99 and 17.09 - 5.70, not 59.98 x 19 % = 11.3962 -> 11.40.
    document::JsonDocument second;
    ASSERT_EQ(credit(1, returning("RMA-2", 2, "received"), &second).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(at(second, "/billing/return_credits/0/total_minor"), "7137");
    EXPECT_EQ(number("SELECT SUM(total_minor) FROM billing_return_credits"), 8997 + 1709);
    EXPECT_EQ(number("SELECT SUM(total_minor) FROM billing_return_credit_lines"), 8997 + 1709);
    EXPECT_EQ(receivables(), 500 + 95);
    // A third drill was never invoiced.
    const auto over = credit(1, returning("RMA-3", 1));
    EXPECT_EQ(over.kind, OH_OUTCOME_REJECT);
    EXPECT_EQ(over.code, "credit_exceeds_invoice");
    EXPECT_NE(over.message.find("SKU DRILL"), std::string::npos) << over.message;
}

TEST_P(CreditReturnStepTest, ARerunOfTheSameRmaIssuesNothingNew) {
    invoiceOrder(2);
    ASSERT_EQ(credit(2, returning("RMA-1", 1)).kind, OH_OUTCOME_CONTINUE);
    const auto again = credit(2, returning("RMA-1", 1));
    ASSERT_EQ(again.kind, OH_OUTCOME_CONTINUE);
    EXPECT_TRUE(again.events.empty());
    EXPECT_EQ(number("SELECT COUNT(*) FROM billing_return_credits"), 1);
    EXPECT_EQ(number("SELECT next_number FROM billing_series WHERE series = 'CN-'"), 2);
    // Rolled back (the host died before its checkpoint): no number consumed.
    auto doc = parse(returning("RMA-2", 1));
    call(*credit_, doc, orderId(2), false, /*keep=*/false);
    EXPECT_EQ(number("SELECT next_number FROM billing_series WHERE series = 'CN-'"), 2);
}

TEST_P(CreditReturnStepTest, UndoingTheInvoiceCreditsOnlyWhatReturnsDidNotAndSharesTheSeries) {
    invoiceOrder(3);
    ASSERT_EQ(credit(3, returning("RMA-1", 1)).kind, OH_OUTCOME_CONTINUE);
    auto doc = parse(kOrder);
    ASSERT_EQ(call(*invoice_, doc, orderId(3)).kind, OH_OUTCOME_CONTINUE);
    ASSERT_EQ(call(*invoice_, doc, orderId(3), /*compensating=*/true).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(at(doc, "/billing/credit_note_number"), R"("CN-000002")");
    EXPECT_EQ(number("SELECT total_minor FROM billing_credit_notes"), 8997 + 1709 + 500 + 95 - 3569);
    EXPECT_EQ(receivables(), 0);
}

// Issue 11: RMA-1 was credited, then its return was undone (the refund failed; the RMA
// cancelled, the note stands). The same drills returned again are claimed on that note — no
// second note — until a return that claimed them went through; beyond that, refused.
TEST_P(CreditReturnStepTest, UnitsAStandingNoteOfAnUndoneReturnCreditsAreClaimedNotCreditedAgain) {
    invoiceOrder(5);
    ASSERT_EQ(credit(5, returning("RMA-1", 3)).kind, OH_OUTCOME_CONTINUE);
    const auto undone = [](const std::string& json, const std::string& rmas) {
        return json.substr(0, json.size() - 1) + R"(, "returns": [)" + rmas + "]}";
    };
    const std::string rma1 = R"({"rma": {"number": "RMA-1", "status": "cancelled"}, "status": "failed"})";
    document::JsonDocument second;
    const auto claimed = credit(5, undone(returning("RMA-2", 3), rma1), &second);
    ASSERT_EQ(claimed.kind, OH_OUTCOME_CONTINUE) << claimed.code << ": " << claimed.message;
    EXPECT_TRUE(claimed.events.empty()) << "no second credit note";
    EXPECT_EQ(at(second, "/billing/return_claims"),
              R"([{"rma_number":"RMA-2","credit_note_number":"CN-000001","claimed_rma":"RMA-1","sku":"DRILL",)"
              R"("quantity":3}])");
    EXPECT_EQ(at(second, "/billing/return_credits"), "");
    EXPECT_EQ(number("SELECT COUNT(*) FROM billing_return_credits"), 1);
    ASSERT_EQ(credit(5, undone(returning("RMA-2", 3), rma1)).kind, OH_OUTCOME_CONTINUE) << "a re-run";
    EXPECT_EQ(number("SELECT COUNT(*) FROM billing_return_claims"), 1);
    // RMA-2 undone as well: RMA-3 claims the same note again.
    const std::string both = rma1 + R"(, {"rma": {"number": "RMA-2", "status": "cancelled"}, "status": "failed"})";
    ASSERT_EQ(credit(5, undone(returning("RMA-3", 2), both)).kind, OH_OUTCOME_CONTINUE);
    // RMA-3 went through: one drill is left to claim, two are not.
    const auto over = credit(5, undone(returning("RMA-4", 2), both));
    EXPECT_EQ(over.kind, OH_OUTCOME_REJECT);
    EXPECT_EQ(over.code, "credit_exceeds_invoice");
    ASSERT_EQ(credit(5, undone(returning("RMA-4", 1), both)).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(number("SELECT COUNT(*) FROM billing_return_credits"), 1);
    EXPECT_EQ(number("SELECT SUM(quantity) FROM billing_return_claims WHERE rma_number IN ('RMA-3', 'RMA-4')"), 3);
    EXPECT_EQ(receivables(), 500 + 95) << "the drills credited once";
    // Without knowing RMA-1 was undone (its return still counts), the drills are credited already.
    const auto refused = credit(5, returning("RMA-5", 1));
    EXPECT_EQ(refused.kind, OH_OUTCOME_REJECT);
    EXPECT_EQ(refused.code, "credit_exceeds_invoice");
}

TEST_P(CreditReturnStepTest, NothingToCreditWithoutAnInvoiceOrReturnedGoods) {
    EXPECT_EQ(credit(4, returning("RMA-1", 1)).kind, OH_OUTCOME_CONTINUE);  // never invoiced
    invoiceOrder(4);
    EXPECT_EQ(credit(4, returning("RMA-1", 0, "received")).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(number("SELECT COUNT(*) FROM billing_return_credits"), 0);
    const auto noRma = credit(4, kOrder);
    EXPECT_EQ(noRma.kind, OH_OUTCOME_FAIL);
    EXPECT_EQ(noRma.code, "rma_missing");
    EXPECT_THROW(makeStep("orderhost.billing", "credit-return", "{}"), engine::StepCreateError);
}

INSTANTIATE_TEST_SUITE_P(Backends, CreditReturnStepTest, ::testing::ValuesIn(testing::testBackends()),
                         testing::backendName);

}  // namespace
}  // namespace orderhost::plugintests::credit_return_step
