// orderhost.billing as the host runs it (PluginStepHarness.h), on every backend: invoices with
// per-line tax and totals, gapless numbering (rollbacks, concurrency), idempotent re-runs,
// credit notes on compensation, config refusals; and the rounding rule itself.
#include "PluginStepHarness.h"
#include "billing/billing_tax.hpp"

#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace orderhost::plugintests {
namespace {

constexpr char kConfig[] = R"({"series": "INV-2026-", "credit_note_series": "CN-2026-",
  "tax_rates": {"DE": {"standard": 1900, "reduced": 700}, "FR": {"standard": 2000}},
  "default_tax_class": "standard", "default_country": "DE", "tax_classes": {"BOOK-1": "reduced"}})";

// 5 x 19 % = 0.95 -> 1; 1450 x 7 % = 101.5 -> 102 (half away from zero); 2999 x 19 % = 569.81 -> 570.
constexpr char kOrder[] = R"({"currency": "EUR", "customer": {"id": "C-7"}, "lines": [
  {"sku": "BOLT-M8", "quantity": 1, "total": 5},
  {"sku": "BOOK-1", "quantity": 1, "total": 1450},
  {"sku": "DRILL-18V", "quantity": 1, "total": 2999}]})";

class BillingStepTest : public PluginStepTest {
protected:
    void SetUp() override {
        PluginStepTest::SetUp();
        step_ = makeStep("orderhost.billing", "issue-invoice", kConfig);
    }
    void TearDown() override {
        step_.reset();
        PluginStepTest::TearDown();
    }
    services::ReportedOutcome invoice(int n, bool keep = true) {
        auto doc = parse(kOrder);
        return call(*step_, doc, orderId(n), false, keep);
    }
    std::int64_t receivables() {
        return number("SELECT COALESCE(SUM(open_minor), 0) FROM billing_accounts WHERE customer_id = 'C-7'");
    }
    std::unique_ptr<engine::StepInstance> step_;
};

TEST(BillingRoundingTest, PerLineHalfAwayFromZero) {
    EXPECT_EQ(billing::lineTax(1450, 700), 102);    // 101.5
    EXPECT_EQ(billing::lineTax(1449, 700), 101);    // 101.43
    EXPECT_EQ(billing::lineTax(-1450, 700), -102);  // a negative line rounds away from zero too
    EXPECT_EQ(billing::lineTax(5, 1900), 1);        // 0.95
    EXPECT_EQ(billing::lineTax(2, 1900), 0);        // 0.38
    EXPECT_EQ(billing::lineTax(INT64_MAX, 10000), INT64_MAX);
    EXPECT_FALSE(billing::lineTax(INT64_MAX, 10001).has_value());
}

TEST_P(BillingStepTest, IssuesAnInvoiceWithPerLineTaxAndTotals) {
    auto doc = parse(kOrder);
    const auto outcome = call(*step_, doc, orderId(1));
    ASSERT_EQ(outcome.kind, OH_OUTCOME_CONTINUE) << outcome.code << ": " << outcome.message;
    EXPECT_EQ(at(doc, "/billing"), R"({"status":"invoiced","invoice_number":"INV-2026-000001","currency":"EUR",)"
                                   R"("net_minor":4454,"tax_minor":673,"total_minor":5127})");
    EXPECT_EQ(number("SELECT total_minor FROM billing_invoices WHERE invoice_number = 'INV-2026-000001'"), 5127);
    EXPECT_EQ(number("SELECT SUM(tax_minor) FROM billing_invoice_lines WHERE invoice_number = 'INV-2026-000001'"), 673);
    EXPECT_EQ(number("SELECT tax_minor FROM billing_invoice_lines WHERE line_no = 2"), 102);
    EXPECT_EQ(receivables(), 5127);
    ASSERT_EQ(outcome.events.size(), 1u);
    EXPECT_EQ(outcome.events[0].type, "invoice.issued");
    EXPECT_NE(outcome.events[0].payloadJson.find(R"("total_minor":5127)"), std::string::npos)
        << outcome.events[0].payloadJson;
}

TEST_P(BillingStepTest, ARerunForTheSameOrderIssuesNothingNew) {
    ASSERT_EQ(invoice(1).kind, OH_OUTCOME_CONTINUE);
    auto doc = parse(kOrder);
    const auto again = call(*step_, doc, orderId(1));
    ASSERT_EQ(again.kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(at(doc, "/billing/invoice_number"), R"("INV-2026-000001")");
    EXPECT_TRUE(again.events.empty()) << "the re-run announced the invoice again";
    EXPECT_EQ(number("SELECT COUNT(*) FROM billing_invoices"), 1);
    EXPECT_EQ(receivables(), 5127);
    EXPECT_EQ(number("SELECT next_number FROM billing_series WHERE series = 'INV-2026-'"), 2);
}

TEST_P(BillingStepTest, ARolledBackStepConsumesNoNumber) {
    ASSERT_EQ(invoice(1).kind, OH_OUTCOME_CONTINUE);
    ASSERT_EQ(invoice(2, /*keep=*/false).kind, OH_OUTCOME_CONTINUE);  // e.g. the host died before its commit
    auto doc = parse(kOrder);
    ASSERT_EQ(call(*step_, doc, orderId(3)).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(at(doc, "/billing/invoice_number"), R"("INV-2026-000002")");
    EXPECT_EQ(number("SELECT COUNT(*) FROM billing_invoices"), 2);
    EXPECT_EQ(receivables(), 2 * 5127);
}

TEST_P(BillingStepTest, ConcurrentOrdersGetConsecutiveNumbersWithoutGapOrDuplicate) {
    constexpr int kThreads = 8, kOrdersEach = 4;
    std::vector<std::string> problems;
    std::mutex mutex;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < kOrdersEach; ++i) {
                const auto outcome = invoice(t * 100 + i);
                if (outcome.kind == OH_OUTCOME_CONTINUE) continue;
                std::lock_guard<std::mutex> lock(mutex);
                problems.push_back(outcome.code + ": " + outcome.message);
            }
        });
    for (auto& thread : threads) thread.join();
    ASSERT_TRUE(problems.empty()) << problems.size() << " failed, first: " << problems.front();
    constexpr int kOrders = kThreads * kOrdersEach;
    EXPECT_EQ(number("SELECT COUNT(*) FROM billing_invoices"), kOrders);
    EXPECT_EQ(number("SELECT COUNT(DISTINCT number) FROM billing_invoices"), kOrders);
    EXPECT_EQ(number("SELECT MIN(number) FROM billing_invoices"), 1);
    EXPECT_EQ(number("SELECT MAX(number) FROM billing_invoices"), kOrders) << "a number was skipped";
    EXPECT_EQ(receivables(), kOrders * 5127);
}

TEST_P(BillingStepTest, CompensationIssuesOneCreditNoteAndLeavesTheInvoiceUnchanged) {
    ASSERT_EQ(invoice(1).kind, OH_OUTCOME_CONTINUE);
    auto doc = parse(kOrder);
    ASSERT_EQ(call(*step_, doc, orderId(1)).kind, OH_OUTCOME_CONTINUE);
    const auto undo = call(*step_, doc, orderId(1), /*compensating=*/true);
    ASSERT_EQ(undo.kind, OH_OUTCOME_CONTINUE) << undo.message;
    EXPECT_EQ(at(doc, "/billing/status"), R"("credited")");
    EXPECT_EQ(at(doc, "/billing/credit_note_number"), R"("CN-2026-000001")");
    ASSERT_EQ(undo.events.size(), 1u);
    EXPECT_EQ(undo.events[0].type, "credit_note.issued");
    EXPECT_EQ(text("SELECT invoice_number FROM billing_credit_notes"), "INV-2026-000001");
    EXPECT_EQ(number("SELECT total_minor FROM billing_credit_notes"), 5127);
    EXPECT_EQ(number("SELECT total_minor FROM billing_invoices"), 5127) << "the issued invoice was changed";
    EXPECT_EQ(receivables(), 0);
    const auto again = call(*step_, doc, orderId(1), true);
    ASSERT_EQ(again.kind, OH_OUTCOME_CONTINUE);
    EXPECT_TRUE(again.events.empty());
    EXPECT_EQ(number("SELECT COUNT(*) FROM billing_credit_notes"), 1) << "a second compensate credited again";
    EXPECT_EQ(receivables(), 0);
    // Nothing invoiced: nothing to credit.
    auto other = parse(kOrder);
    EXPECT_EQ(call(*step_, other, orderId(9), true).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(number("SELECT COUNT(*) FROM billing_credit_notes"), 1);
}

TEST_P(BillingStepTest, RatesFromTheTableAndMissingRatesFail) {
    exec("INSERT INTO billing_tax_rates (country, tax_class, rate_bp) VALUES ('AT', 'standard', 2000)");
    auto fromTable = makeStep("orderhost.billing", "issue-invoice",
                              R"({"series": "T-", "credit_note_series": "TC-", "tax_rates_source": "table",)"
                              R"( "default_tax_class": "standard", "number_width": 3})");
    auto doc = parse(R"({"currency": "EUR", "customer": {"id": "C-8"}, "shipping_address": {"country": "AT"},
                         "lines": [{"sku": "X", "quantity": 2, "total": 1000}]})");
    ASSERT_EQ(call(*fromTable, doc, orderId(1)).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(at(doc, "/billing/invoice_number"), R"("T-001")");
    EXPECT_EQ(at(doc, "/billing/tax_minor"), "200");
    auto unknown = parse(R"({"currency": "EUR", "customer": {"id": "C-8"}, "shipping_address": {"country": "US"},
                             "lines": [{"sku": "X", "quantity": 2, "total": 1000}]})");
    const auto failed = call(*fromTable, unknown, orderId(2));
    EXPECT_EQ(failed.kind, OH_OUTCOME_FAIL);
    EXPECT_EQ(failed.code, "tax_rate_missing");
    EXPECT_NE(failed.message.find("country US and tax class standard"), std::string::npos) << failed.message;
    EXPECT_EQ(number("SELECT next_number FROM billing_series WHERE series = 'T-'"), 2) << "a failed step took a number";
}

TEST_P(BillingStepTest, RefusesBadConfigNamingTheField) {
    for (
        const char* config : {
            R"({"credit_note_series": "CN-", "tax_rates": {}, "default_tax_class": "standard"})",
            R"({"series": "A-", "credit_note_series": "A-", "tax_rates": {}, "default_tax_class": "standard"})",
            R"({"series": "A-", "credit_note_series": "B-", "default_tax_class": "standard"})",
            R"({"series": "A-", "credit_note_series": "B-", "tax_rates": {"DE": {"std": 12000}}, "default_tax_class": "std"})",
            R"({"series": "A-", "credit_note_series": "B-", "tax_rates": {}})",
            R"({"series": "A-", "credit_note_series": "B-", "tax_rates_source": "erp", "default_tax_class": "s"})",
            R"({"series": "A-", "credit_note_series": "B-", "tax_rates": {}, "default_tax_class": "s", "tax_classes": {"X": 7}})",
        }) {
        EXPECT_THROW(makeStep("orderhost.billing", "issue-invoice", config), engine::StepCreateError) << config;
    }
    try {
        makeStep("orderhost.billing", "issue-invoice", R"({"series": "A-", "credit_note_series": "A-",
                 "tax_rates": {}, "default_tax_class": "s"})");
        FAIL() << "accepted";
    } catch (const engine::StepCreateError& e) {
        EXPECT_NE(std::string(e.what()).find("credit_note_series"), std::string::npos) << e.what();
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, BillingStepTest, ::testing::ValuesIn(testing::testBackends()), testing::backendName);

}  // namespace
}  // namespace orderhost::plugintests
