// orderhost.billing's credit-return on an order invoiced per shipment (issue 9), as the host
// runs it (PluginStepHarness.h), on every backend: a returned quantity is credited against the
// latest shipment invoice that still has it uncredited (billing_return_pricing.hpp), one
// gaplessly numbered credit note per invoice concerned, amounts that add up to the invoiced
// lines to the minor unit over several returns, and nothing credited beyond what was invoiced.
#include "PluginStepHarness.h"

namespace orderhost::plugintests::split_invoice_credit {
namespace {

constexpr char kInvoiceConfig[] = R"({"series": "INV-", "credit_note_series": "CN-", "invoice": "per_shipment",
  "tax_rates": {"DE": {"standard": 1900}}, "default_tax_class": "standard", "default_country": "DE"})";
constexpr char kCreditConfig[] = R"({"credit_note_series": "CN-"})";

// DRILL 3 x 29.99 (net 89.97, tax 17.09) from two warehouses, BITS 5.00 from the second.
// INV-000001 (WH-A): DRILL 2: net 89.97 x 2/3 = 59.98, tax 11.3962 -> 11.40; total 71.38.
// INV-000002 (WH-B): DRILL 1: the rest, 29.99 + 5.69; BITS 5.00 + 0.95; total 41.63.
constexpr char kOrder[] = R"({"currency": "EUR", "customer": {"id": "C-SPLIT"}, "lines": [
  {"sku": "DRILL", "quantity": 3, "unit_price": 2999, "total": 8997},
  {"sku": "BITS", "quantity": 1, "unit_price": 500, "total": 500}],
  "sourcing": {"reserved": [{"sku": "DRILL", "warehouse": "WH-A", "quantity": 2},
    {"sku": "DRILL", "warehouse": "WH-B", "quantity": 1}, {"sku": "BITS", "warehouse": "WH-B", "quantity": 1}]}})";

// The order's document during a return under `rma` with the received `lines` (JSON array items).
std::string returning(const std::string& rma, const std::string& lines) {
    const std::string order(kOrder);
    return order.substr(0, order.size() - 1) + R"(, "return": {"rma": {"number": ")" + rma + R"(", "lines": [)" +
           lines + R"(]}, "received": {"number": ")" + rma + R"(", "lines": [)" + lines + "]}}}";
}
std::string drills(int quantity, const std::string& condition = "resellable") {
    return R"({"sku": "DRILL", "quantity": )" + std::to_string(quantity) + R"(, "condition": ")" + condition + R"("})";
}

class SplitInvoiceCreditTest : public PluginStepTest {
protected:
    void SetUp() override {
        PluginStepTest::SetUp();
        invoice_ = makeStep("orderhost.billing", "issue-invoice", kInvoiceConfig);
        credit_ = makeStep("orderhost.billing", "credit-return", kCreditConfig);
        auto doc = parse(kOrder);
        ASSERT_EQ(call(*invoice_, doc, orderId(1)).kind, OH_OUTCOME_CONTINUE);
        ASSERT_EQ(at(doc, "/billing/invoices/0/total_minor"), "7138");
        ASSERT_EQ(at(doc, "/billing/invoices/1/total_minor"), "4163");
    }
    void TearDown() override {
        invoice_.reset();
        credit_.reset();
        PluginStepTest::TearDown();
    }
    services::ReportedOutcome credit(const std::string& json, document::JsonDocument* out = nullptr) {
        auto doc = parse(json);
        auto outcome = call(*credit_, doc, orderId(1));
        if (out) *out = std::move(doc);
        return outcome;
    }
    std::int64_t creditedOn(const std::string& invoice) {
        return number("SELECT COALESCE(SUM(total_minor), 0) FROM billing_return_credits WHERE invoice_number = '" +
                      invoice + "'");
    }
    std::int64_t receivables() {
        return number("SELECT open_minor FROM billing_accounts WHERE customer_id = 'C-SPLIT'");
    }
    // No invoice line is credited beyond what it carried, in units or money (the view
    // billing_invoice_line_credits, which must see the credits).
    void expectNoLineOverCredited() {
        EXPECT_EQ(number("SELECT COUNT(*) FROM billing_invoice_line_credits WHERE reconciled = 0"), 0);
        EXPECT_EQ(number("SELECT SUM(credited_quantity) FROM billing_invoice_line_credits WHERE sku = 'DRILL'"),
                  number("SELECT SUM(quantity) FROM billing_return_credit_lines"));
    }
    std::unique_ptr<engine::StepInstance> invoice_, credit_;
};

TEST_P(SplitInvoiceCreditTest, PartialReturnsAreCreditedAgainstTheLatestShipmentInvoiceFirstToTheCent) {
    ASSERT_EQ(receivables(), 11301);
    // Two drills: the one of WH-B (INV-000002, the latest) and one of WH-A's two.
    document::JsonDocument first;
    const auto one = credit(returning("RMA-1", drills(2)), &first);
    ASSERT_EQ(one.kind, OH_OUTCOME_CONTINUE) << one.code << ": " << one.message;
    EXPECT_EQ(at(first, "/billing/return_credits"),
              R"([{"credit_note_number":"CN-000001","rma_number":"RMA-1","invoice_number":"INV-000001",)"
              R"("currency":"EUR","net_minor":2999,"tax_minor":570,"total_minor":3569},)"
              R"({"credit_note_number":"CN-000002","rma_number":"RMA-1","invoice_number":"INV-000002",)"
              R"("currency":"EUR","net_minor":2999,"tax_minor":569,"total_minor":3568}])");
    ASSERT_EQ(one.events.size(), 2u) << "one credit_note.issued per note";
    EXPECT_EQ(one.events[0].type, "credit_note.issued");
    EXPECT_NE(one.events[1].payloadJson.find(R"("invoice_number":"INV-000002")"), std::string::npos)
        << one.events[1].payloadJson;
    EXPECT_EQ(receivables(), 11301 - 3569 - 3568);

    // The same RMA again (a re-run after a crash): nothing new.
    const auto again = credit(returning("RMA-1", drills(2)));
    ASSERT_EQ(again.kind, OH_OUTCOME_CONTINUE);
    EXPECT_TRUE(again.events.empty());
    // A run rolled back (the host died before its checkpoint) took no number and left no note.
    auto lost = parse(returning("RMA-2", drills(1)));
    call(*credit_, lost, orderId(1), false, /*keep=*/false);
    EXPECT_EQ(number("SELECT next_number FROM billing_series WHERE series = 'CN-'"), 3);
    EXPECT_EQ(number("SELECT COUNT(*) FROM billing_return_credits WHERE rma_number = 'RMA-2'"), 0);

    // The last drill: the rest of WH-A's line, so the drills are credited exactly as invoiced.
    document::JsonDocument second;
    ASSERT_EQ(credit(returning("RMA-2", drills(1)), &second).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(at(second, "/billing/return_credits/0/invoice_number"), R"("INV-000001")");
    EXPECT_EQ(at(second, "/billing/return_credits/0/total_minor"), "3569");
    EXPECT_EQ(creditedOn("INV-000001"), 7138) << "all of WH-A's invoice, to the cent";
    EXPECT_EQ(creditedOn("INV-000002"), 3568) << "WH-B's drill; its bits stay invoiced";
    EXPECT_EQ(number("SELECT SUM(total_minor) FROM billing_return_credit_lines"), 8997 + 1709);
    EXPECT_EQ(receivables(), 595);
    expectNoLineOverCredited();

    // A fourth drill was never invoiced: refused, nothing issued, no number taken.
    const auto over = credit(returning("RMA-3", drills(1)));
    EXPECT_EQ(over.kind, OH_OUTCOME_REJECT);
    EXPECT_EQ(over.code, "credit_exceeds_invoice");
    EXPECT_NE(over.message.find("0 invoiced and not credited yet"), std::string::npos) << over.message;
    // The series stays gapless: 3 notes, numbers 1..3, the counter at 4.
    EXPECT_EQ(number("SELECT COUNT(*) FROM billing_return_credits WHERE series = 'CN-'"), 3);
    EXPECT_EQ(number("SELECT MAX(number) FROM billing_return_credits WHERE series = 'CN-'"), 3);
    EXPECT_EQ(number("SELECT next_number FROM billing_series WHERE series = 'CN-'"), 4);
}

// All three drills in one return, split by condition: two notes (one per invoice), the line
// of WH-A credited by two lines of one note whose cumulative shares add up to it exactly.
TEST_P(SplitInvoiceCreditTest, AReturnSplitByConditionOverTwoInvoicesCreditsTheLineToTheCent) {
    document::JsonDocument doc;
    const auto outcome = credit(returning("RMA-1", drills(2) + ", " + drills(1, "damaged")), &doc);
    ASSERT_EQ(outcome.kind, OH_OUTCOME_CONTINUE) << outcome.code << ": " << outcome.message;
    EXPECT_EQ(at(doc, "/billing/return_credits/0/total_minor"), "7138");
    EXPECT_EQ(at(doc, "/billing/return_credits/1/total_minor"), "3568");
    EXPECT_EQ(number("SELECT COUNT(*) FROM billing_return_credit_lines WHERE invoice_number = 'INV-000001'"), 2);
    EXPECT_EQ(number("SELECT SUM(tax_minor) FROM billing_return_credit_lines"), 1709);
    expectNoLineOverCredited();
}

// Undoing the invoices after a return credits each one only what the return did not.
TEST_P(SplitInvoiceCreditTest, UndoingTheInvoicesAfterAReturnCreditsTheRestOfEach) {
    ASSERT_EQ(credit(returning("RMA-1", drills(2))).kind, OH_OUTCOME_CONTINUE);
    auto doc = parse(kOrder);
    ASSERT_EQ(call(*invoice_, doc, orderId(1), /*compensating=*/true).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(number("SELECT total_minor FROM billing_credit_notes WHERE invoice_number = 'INV-000001'"), 7138 - 3569);
    EXPECT_EQ(number("SELECT total_minor FROM billing_credit_notes WHERE invoice_number = 'INV-000002'"), 4163 - 3568);
    EXPECT_EQ(receivables(), 0);
    EXPECT_EQ(number("SELECT next_number FROM billing_series WHERE series = 'CN-'"), 5);
}

INSTANTIATE_TEST_SUITE_P(Backends, SplitInvoiceCreditTest, ::testing::ValuesIn(testing::testBackends()),
                         testing::backendName);

}  // namespace
}  // namespace orderhost::plugintests::split_invoice_credit
