// orderhost.billing · issue-invoice in quote mode (ABI 1.2, host.quote()), loaded from its .so
// by the SDK's test kit: the quote carries the tax per line and the totals the invoice would
// have — the same numbers a run then issues, rounding included — and takes no invoice number:
// triggers that abort any write to the series counter, the invoices and the receivables are
// armed while it answers, and the next real invoice continues the series without a gap.
#include <orderhost/testkit.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using orderhost::testkit::FakeHost;

constexpr char kConfig[] = R"({"series": "INV-", "credit_note_series": "CN-", "number_width": 4,
  "tax_rates": {"DE": {"standard": 1900, "reduced": 700}, "FR": {"standard": 2000}},
  "tax_classes": {"BOOK": "reduced"}, "default_tax_class": "standard", "default_country": "DE"})";

// Three nuts at 0.05 each (per line 19 %: 0.0095 -> 0.01 each, 0.03 in all), a book at 20.00
// (7 %: 1.40), a drill at 89.99 (19 %: 17.0981 -> 17.10). Net 110.14, tax 18.53, gross 128.67.
constexpr char kOrder[] = R"({"currency": "EUR", "customer": {"id": "C-1"}, "lines": [
  {"sku": "NUT", "quantity": 1, "total": 5}, {"sku": "NUT", "quantity": 1, "total": 5},
  {"sku": "NUT", "quantity": 1, "total": 5}, {"sku": "BOOK", "quantity": 1, "total": 2000},
  {"sku": "DRILL", "quantity": 1, "total": 8999}]})";

constexpr const char* kGuarded[] = {"billing_series", "billing_invoices", "billing_invoice_lines", "billing_accounts"};

class BillingQuote : public ::testing::Test {
protected:
    void SetUp() override {
        host_.config(kConfig);
        ASSERT_EQ(host_.create("issue-invoice"), OH_STATUS_OK) << host_.reportedError();
    }
    void armWriteGuard() {
        for (const char* table : kGuarded)
            for (const char* op : {"INSERT", "UPDATE", "DELETE"})
                host_.sql(std::string("CREATE TRIGGER guard_") + op + "_" + table + " BEFORE " + op + " ON " + table +
                          " BEGIN SELECT RAISE(ABORT, 'a quote wrote " + table + "'); END");
    }
    void disarmWriteGuard() {
        for (const char* table : kGuarded)
            for (const char* op : {"INSERT", "UPDATE", "DELETE"})
                host_.sql(std::string("DROP TRIGGER guard_") + op + "_" + table);
    }
    void issue(const std::string& orderId, const std::string& order = kOrder) {
        host_.orderId(orderId).order(order);
        ASSERT_EQ(host_.run(), OH_STATUS_OK) << host_.reportedError();
        ASSERT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE) << host_.result().message;
    }

    FakeHost host_{ORDERHOST_TEST_PLUGIN_SO};
};

TEST_F(BillingQuote, TaxPerLineAndTotalsAsTheInvoiceWouldHaveThemWithoutTakingANumber) {
    issue("order-1");  // the series exists and stands at 2
    ASSERT_EQ(host_.orderString("/billing/invoice_number"), "INV-0001");
    const std::int64_t open = host_.queryInt("SELECT open_minor FROM billing_accounts WHERE customer_id = 'C-1'");

    armWriteGuard();
    host_.orderId("quote-1").order(kOrder);
    ASSERT_EQ(host_.quote(), OH_STATUS_OK) << host_.reportedError();
    ASSERT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE) << host_.result().code << ": " << host_.result().message;
    EXPECT_EQ(host_.orderString("/billing/status"), "quoted");
    EXPECT_EQ(host_.orderJson("/billing/invoice_number"), std::nullopt) << "a quote takes no number";
    EXPECT_EQ(host_.orderString("/billing/currency"), "EUR");
    EXPECT_EQ(host_.orderString("/billing/country"), "DE");
    EXPECT_EQ(host_.orderInt("/billing/net_minor"), 11014);
    EXPECT_EQ(host_.orderInt("/billing/tax_minor"), 1853) << "tax per line, rounded, then summed";
    EXPECT_EQ(host_.orderInt("/billing/total_minor"), 12867);
    EXPECT_EQ(host_.orderJson("/billing/lines/0"),
              R"({"line":0,"sku":"NUT","quantity":1,"tax_class":"standard","tax_rate_bp":1900,"net_minor":5,)"
              R"("tax_minor":1,"total_minor":6})");
    EXPECT_EQ(host_.orderJson("/billing/lines/3"),
              R"({"line":3,"sku":"BOOK","quantity":1,"tax_class":"reduced","tax_rate_bp":700,"net_minor":2000,)"
              R"("tax_minor":140,"total_minor":2140})");
    EXPECT_EQ(host_.events().size(), 1u) << "only order-1's invoice.issued; none from the quote";
    disarmWriteGuard();

    // The invoice a run issues for the same draft: the quote's numbers, and the next number.
    issue("order-2");
    EXPECT_EQ(host_.orderString("/billing/invoice_number"), "INV-0002") << "the quote left no gap";
    EXPECT_EQ(host_.orderInt("/billing/total_minor"), 12867);
    EXPECT_EQ(host_.queryInt("SELECT SUM(tax_minor) FROM billing_invoice_lines WHERE invoice_number = 'INV-0002'"),
              1853);
    EXPECT_EQ(host_.queryInt("SELECT open_minor FROM billing_accounts WHERE customer_id = 'C-1'"), open + 12867);
}

TEST_F(BillingQuote, TheGuardStopsARealInvoiceSoItProvesTheQuoteWroteNothing) {
    armWriteGuard();
    host_.orderId("order-1").order(kOrder);
    host_.run();
    EXPECT_NE(host_.result().kind, OH_OUTCOME_CONTINUE) << "the write guard did not stop a run";
    disarmWriteGuard();
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM billing_series"), 0);
}

TEST_F(BillingQuote, PerShipmentQuotesListTheInvoicesEachWarehouseWouldGet) {
    host_.config(R"({"series": "INV-", "credit_note_series": "CN-", "invoice": "per_shipment",
      "tax_rates": {"DE": {"standard": 1000}}, "default_tax_class": "standard", "default_country": "DE"})");
    ASSERT_EQ(host_.create("issue-invoice"), OH_STATUS_OK) << host_.reportedError();
    host_.orderId("quote-2").order(R"({"currency": "EUR", "customer": {"id": "C-S"}, "lines": [
      {"sku": "NUT", "quantity": 3, "total": 15}],
      "sourcing": {"reserved": [{"sku": "NUT", "warehouse": "WH-A", "quantity": 2},
                                {"sku": "NUT", "warehouse": "WH-B", "quantity": 1}]}})");
    ASSERT_EQ(host_.quote(), OH_STATUS_OK) << host_.reportedError();
    ASSERT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE) << host_.result().message;
    // The line is taxed once (1.5 -> 2), then split: WH-A 10 net, 1 tax; WH-B the rest, 5 and 1.
    EXPECT_EQ(host_.orderJson("/billing/invoices"),
              R"([{"shipment":"WH-A","net_minor":10,"tax_minor":1,"total_minor":11},)"
              R"({"shipment":"WH-B","net_minor":5,"tax_minor":1,"total_minor":6}])");
    EXPECT_EQ(host_.orderInt("/billing/total_minor"), 17);
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM billing_invoices"), 0);
}

TEST_F(BillingQuote, AnOrderThatCannotBeInvoicedFailsTheQuoteAsItWouldFailTheRun) {
    host_.config(R"({"series": "INV-", "credit_note_series": "CN-", "tax_rates": {"DE": {"standard": 1900}},
      "default_tax_class": "standard"})");  // no default_country
    ASSERT_EQ(host_.create("issue-invoice"), OH_STATUS_OK) << host_.reportedError();
    host_.orderId("quote-3").order(kOrder);
    ASSERT_EQ(host_.quote(), OH_STATUS_OK) << host_.reportedError();
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_FAIL);
    EXPECT_EQ(host_.result().code, "country_missing");
    host_.order(R"({"currency": "EUR", "customer": {"id": "C-1"}, "shipping_address": {"country": "FR"},
      "lines": [{"sku": "NUT", "quantity": 1}]})");
    ASSERT_EQ(host_.quote(), OH_STATUS_OK) << host_.reportedError();
    EXPECT_EQ(host_.result().code, "totals_missing") << "validation prices the lines before billing";
}

}  // namespace
