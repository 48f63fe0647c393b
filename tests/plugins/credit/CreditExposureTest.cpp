// orderhost.credit with exposure tracking as the host runs it (PluginStepHarness.h), on every
// backend: accepted orders and billing's open receivables count against the limit, concurrent
// orders of one customer cannot both slip under it, approval, release on compensation.
#include "PluginStepHarness.h"

#include <mutex>
#include <thread>
#include <vector>

namespace orderhost::plugintests::credit_exposure {
namespace {

constexpr char kConfig[] = R"({"default_limit": 50000, "limits": {"C-BIG": 1000000}})";

std::string creditOrder(const std::string& customer, std::int64_t net) {
    return R"({"currency": "EUR", "customer": {"id": ")" + customer + R"("},
               "lines": [{"sku": "X", "quantity": 1, "total": )" +
           std::to_string(net) + R"(}],
               "totals": {"net": )" +
           std::to_string(net) + "}}";
}

class CreditExposureTest : public PluginStepTest {
protected:
    void SetUp() override {
        PluginStepTest::SetUp();
        step_ = makeStep("orderhost.credit", "check-credit", kConfig);
    }
    void TearDown() override {
        step_.reset();
        PluginStepTest::TearDown();
    }
    services::ReportedOutcome check(int n, const std::string& customer, std::int64_t net) {
        auto doc = parse(creditOrder(customer, net));
        return call(*step_, doc, orderId(n));
    }
    std::int64_t openExposure(const std::string& customer) {
        return number(
            "SELECT COALESCE(SUM(amount_minor), 0) FROM credit_exposures WHERE state = 'open'"
            " AND customer_id = '" +
            customer + "'");
    }
    std::unique_ptr<engine::StepInstance> step_;
};

TEST_P(CreditExposureTest, AcceptedOrdersCountAgainstTheLimitUntilReleased) {
    auto first = parse(creditOrder("C-1", 35996));
    ASSERT_EQ(call(*step_, first, orderId(1)).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(at(first, "/credit/status"), R"("accepted")");
    EXPECT_EQ(openExposure("C-1"), 35996);
    auto second = parse(creditOrder("C-1", 35996));
    const auto held = call(*step_, second, orderId(2));
    EXPECT_EQ(held.kind, OH_OUTCOME_SUSPEND);
    EXPECT_EQ(held.code, "credit_limit_exceeded");
    EXPECT_EQ(at(second, "/credit/exposure"), "71992");
    EXPECT_EQ(at(second, "/credit/unbilled_orders"), "35996");
    EXPECT_EQ(openExposure("C-1"), 35996) << "a held order counted";
    EXPECT_EQ(check(3, "C-2", 35996).kind, OH_OUTCOME_CONTINUE) << "another customer's exposure counted";
    // The first order is undone: its exposure is released and the second one fits.
    EXPECT_EQ(call(*step_, first, orderId(1), /*compensating=*/true).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(at(first, "/credit/status"), R"("released")");
    EXPECT_EQ(call(*step_, first, orderId(1), true).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(openExposure("C-1"), 0);
    EXPECT_EQ(call(*step_, second, orderId(2)).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(openExposure("C-1"), 35996);
}

TEST_P(CreditExposureTest, ARerunOfAnAcceptedOrderCountsItOnce) {
    ASSERT_EQ(check(1, "C-1", 30000).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(check(1, "C-1", 30000).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(openExposure("C-1"), 30000);
}

// Undone, then placed again (its released row becomes a new open one, nothing of the old kept).
TEST_P(CreditExposureTest, AReleasedOrderPlacedAgainCountsAnewAndOnce) {
    auto first = parse(creditOrder("C-1", 30000));
    ASSERT_EQ(call(*step_, first, orderId(1)).kind, OH_OUTCOME_CONTINUE);
    ASSERT_EQ(call(*step_, first, orderId(1), /*compensating=*/true).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(openExposure("C-1"), 0);
    ASSERT_EQ(check(1, "C-1", 12000).kind, OH_OUTCOME_CONTINUE);
    ASSERT_EQ(check(1, "C-1", 12000).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(openExposure("C-1"), 12000);
    EXPECT_EQ(number("SELECT COUNT(*) FROM credit_exposures WHERE order_id = '" + orderId(1) +
                     "' AND state = 'open' AND released_at_ms IS NULL AND closed_at_ms IS NULL"
                     " AND invoiced_minor = 0"),
              1);
}

// The issue's case: 8 orders of 359.96 at once against a 500.00 limit.
TEST_P(CreditExposureTest, ConcurrentOrdersOfOneCustomerCannotBothSlipUnderTheLimit) {
    // The customer has ordered before: its credit_limits row exists, so the lock is the
    // row's UPDATE (a first order's INSERT of the row would serialize them by itself).
    exec("INSERT INTO credit_limits (customer_id, limit_minor, checked_at_ms) VALUES ('C-RACE', NULL, 0)");
    constexpr int kOrders = 8;
    std::vector<oh_outcome_kind> kinds(kOrders);
    std::vector<std::string> messages(kOrders);
    std::vector<std::thread> threads;
    for (int i = 0; i < kOrders; ++i)
        threads.emplace_back([&, i] {
            const auto outcome = check(i + 1, "C-RACE", 35996);
            kinds[i] = outcome.kind;
            messages[i] = outcome.code + ": " + outcome.message;
        });
    for (auto& thread : threads) thread.join();
    int continued = 0, held = 0;
    for (int i = 0; i < kOrders; ++i) {
        if (kinds[i] == OH_OUTCOME_CONTINUE)
            ++continued;
        else if (kinds[i] == OH_OUTCOME_SUSPEND)
            ++held;
        else
            ADD_FAILURE() << "order " << i << ": " << messages[i];
    }
    EXPECT_EQ(continued, 1);
    EXPECT_EQ(held, kOrders - 1);
    EXPECT_EQ(openExposure("C-RACE"), 35996);
}

TEST_P(CreditExposureTest, BillingsOpenReceivablesCountAndInvoicedOrdersAreNotCountedTwice) {
    auto billing =
        makeStep("orderhost.billing", "issue-invoice",
                 R"({"series": "INV-", "credit_note_series": "CN-", "tax_rates": {"DE": {"standard": 1000}},)"
                 R"( "default_tax_class": "standard", "default_country": "DE"})");
    auto order = parse(creditOrder("C-1", 20000));
    ASSERT_EQ(call(*step_, order, orderId(1)).kind, OH_OUTCOME_CONTINUE);
    ASSERT_EQ(call(*billing, order, orderId(1)).kind, OH_OUTCOME_CONTINUE);  // 200.00 + 10 % = 220.00 owed
    auto next = parse(creditOrder("C-1", 28000));
    ASSERT_EQ(call(*step_, next, orderId(2)).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(at(next, "/credit/open_receivables"), "22000");
    EXPECT_EQ(at(next, "/credit/unbilled_orders"), "0") << "the invoiced order counted twice";
    EXPECT_EQ(at(next, "/credit/exposure"), "50000");
    EXPECT_EQ(check(3, "C-1", 1).kind, OH_OUTCOME_SUSPEND);
    // The invoice is credited: the receivables fall and a new order fits again.
    ASSERT_EQ(call(*billing, order, orderId(1), true).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(check(4, "C-1", 1).kind, OH_OUTCOME_CONTINUE);
}

// The exposure row of an order closes in the commit that moves its amount elsewhere: the
// invoice (receivables) or the undo (released). Afterwards the figures a new order sees are
// exactly what the tables say: open receivables + the open rows' uninvoiced amounts.
TEST_P(CreditExposureTest, RowsCloseWhenInvoicedOrReleasedAndTheExposureIsExact) {
    auto billing =
        makeStep("orderhost.billing", "issue-invoice",
                 R"({"series": "INV-", "credit_note_series": "CN-", "tax_rates": {"DE": {"standard": 1000}},)"
                 R"( "default_tax_class": "standard", "default_country": "DE"})");
    auto invoiced = parse(creditOrder("C-1", 10000));
    ASSERT_EQ(call(*step_, invoiced, orderId(1)).kind, OH_OUTCOME_CONTINUE);
    ASSERT_EQ(call(*billing, invoiced, orderId(1)).kind, OH_OUTCOME_CONTINUE);  // 110.00 owed
    auto credited = parse(creditOrder("C-1", 5000));
    ASSERT_EQ(call(*step_, credited, orderId(2)).kind, OH_OUTCOME_CONTINUE);
    ASSERT_EQ(call(*billing, credited, orderId(2)).kind, OH_OUTCOME_CONTINUE);
    ASSERT_EQ(call(*billing, credited, orderId(2), true).kind, OH_OUTCOME_CONTINUE);  // credit note
    ASSERT_EQ(call(*step_, credited, orderId(2), true).kind, OH_OUTCOME_CONTINUE);    // released
    auto waiting = parse(creditOrder("C-1", 7000));                                   // accepted, not invoiced yet
    ASSERT_EQ(call(*step_, waiting, orderId(3)).kind, OH_OUTCOME_CONTINUE);
    auto undone = parse(creditOrder("C-1", 3000));  // accepted, then undone before its invoice
    ASSERT_EQ(call(*step_, undone, orderId(4)).kind, OH_OUTCOME_CONTINUE);
    ASSERT_EQ(call(*step_, undone, orderId(4), true).kind, OH_OUTCOME_CONTINUE);

    EXPECT_EQ(number("SELECT COUNT(*) FROM credit_exposures WHERE state = 'open'"), 1) << "only the waiting order";
    EXPECT_EQ(number("SELECT COUNT(*) FROM credit_exposures WHERE state = 'invoiced' AND invoiced_minor = 10000"
                     " AND closed_at_ms IS NOT NULL AND order_id = '" +
                     orderId(1) + "'"),
              1);
    EXPECT_EQ(number("SELECT COUNT(*) FROM credit_exposures WHERE state = 'released'"), 2);
    const std::int64_t receivables = number("SELECT open_minor FROM billing_accounts WHERE customer_id = 'C-1'");
    EXPECT_EQ(receivables, 11000);
    auto probe = parse(creditOrder("C-1", 1));
    ASSERT_EQ(call(*step_, probe, orderId(5)).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(at(probe, "/credit/open_receivables"), std::to_string(receivables));
    EXPECT_EQ(at(probe, "/credit/unbilled_orders"), "7000");
    EXPECT_EQ(at(probe, "/credit/exposure"), std::to_string(receivables + 7000 + 1));
    // The waiting order is invoiced at last: its amount moves to the receivables in one commit.
    ASSERT_EQ(call(*billing, waiting, orderId(3)).kind, OH_OUTCOME_CONTINUE);
    auto after = parse(creditOrder("C-1", 1));
    ASSERT_EQ(call(*step_, after, orderId(6)).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(at(after, "/credit/unbilled_orders"), "1") << "only the probe is open";
    EXPECT_EQ(at(after, "/credit/open_receivables"), std::to_string(11000 + 7700));
}

TEST_P(CreditExposureTest, ApprovalContinuesAndCountsRefusalRejects) {
    exec("INSERT INTO credit_limits (customer_id, limit_minor, checked_at_ms) VALUES ('C-BIG', 100, 0)");
    auto order = parse(creditOrder("C-BIG", 5000));
    ASSERT_EQ(call(*step_, order, orderId(1)).kind, OH_OUTCOME_SUSPEND) << "the table's limit did not win";
    EXPECT_EQ(at(order, "/credit/limit"), "100");
    auto refused = parse(creditOrder("C-BIG", 5000));
    refused.set("/signals/credit_approval", R"({"approved": false, "note": "overdue"})");
    const auto rejected = call(*step_, refused, orderId(2));
    EXPECT_EQ(rejected.kind, OH_OUTCOME_REJECT);
    EXPECT_EQ(rejected.code, "credit_refused");
    order.set("/signals/credit_approval", R"({"approved": true, "by": "cfo"})");
    ASSERT_EQ(call(*step_, order, orderId(1)).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(openExposure("C-BIG"), 5000) << "an approved order must count in the exposure";
}

// Exposures are money of one currency. A customer at the limit in EUR who orders in USD (and
// then GBP) is held: before 2026-12-05 each new currency started from nothing, and a probe
// ordered four times the limit in four currencies. Approved, the order counts in its own.
TEST_P(CreditExposureTest, ACustomerWhoOwesInOneCurrencyIsHeldWhenOrderingInAnother) {
    ASSERT_EQ(check(1, "C-1", 45000).kind, OH_OUTCOME_CONTINUE);
    exec("INSERT INTO billing_accounts (customer_id, currency, open_minor) VALUES ('C-2', 'EUR', 45000)");
    for (const char* customer : {"C-1", "C-2"}) {  // accepted and not invoiced; invoiced and unpaid
        auto inDollars = parse(creditOrder(customer, 1000));
        inDollars.set("/currency", "\"USD\"");
        const auto held = call(*step_, inDollars, orderId(customer[2] == '1' ? 2 : 3));
        EXPECT_EQ(held.kind, OH_OUTCOME_SUSPEND) << customer;
        EXPECT_EQ(held.code, "credit_currency_mixed") << customer;
        EXPECT_NE(held.message.find("45000 minor units in other currencies than USD"), std::string::npos)
            << held.message;
        EXPECT_EQ(at(inDollars, "/credit/other_currencies"), "45000");
        EXPECT_EQ(at(inDollars, "/credit/exposure"), "1000") << "the dollars are not added to the euros";
        inDollars.set("/signals/credit_approval", R"({"approved": true, "by": "cfo"})");
        ASSERT_EQ(call(*step_, inDollars, orderId(customer[2] == '1' ? 2 : 3)).kind, OH_OUTCOME_CONTINUE);
    }
    EXPECT_EQ(number("SELECT COUNT(*) FROM credit_exposures WHERE currency = 'USD' AND state = 'open'"), 2);
    auto more = parse(creditOrder("C-1", 4000));  // EUR again: the USD order is elsewhere now
    EXPECT_EQ(call(*step_, more, orderId(4)).code, "credit_currency_mixed");
    EXPECT_EQ(at(more, "/credit/unbilled_orders"), "45000") << "only the euros count in a euro order's sum";
    EXPECT_EQ(check(5, "C-3", 1000).kind, OH_OUTCOME_CONTINUE) << "a customer of one currency is not held";

    // With "currency", the limits are in it: an order in another one is held whatever it owes.
    auto inEuro = makeStep("orderhost.credit", "check-credit", R"({"default_limit": 50000, "currency": "EUR"})");
    auto yen = parse(creditOrder("C-4", 10));
    yen.set("/currency", "\"JPY\"");
    const auto mismatch = call(*inEuro, yen, orderId(6));
    EXPECT_EQ(mismatch.code, "credit_currency_mismatch") << mismatch.message;
    EXPECT_NE(mismatch.message.find("credit limit is in EUR, the order in JPY"), std::string::npos) << mismatch.message;
    auto euro = parse(creditOrder("C-4", 10));
    EXPECT_EQ(call(*inEuro, euro, orderId(7)).kind, OH_OUTCOME_CONTINUE);
    EXPECT_THROW(makeStep("orderhost.credit", "check-credit", R"({"currency": "euro"})"), engine::StepCreateError);
}

TEST_P(CreditExposureTest, WithoutBillingAndUntrackedConfigs) {
    auto noBilling = makeStep("orderhost.credit", "check-credit", R"({"default_limit": 100, "receivables": "none"})");
    auto a = parse(creditOrder("C-1", 60));
    ASSERT_EQ(call(*noBilling, a, orderId(1)).kind, OH_OUTCOME_CONTINUE);
    auto b = parse(creditOrder("C-1", 60));
    EXPECT_EQ(call(*noBilling, b, orderId(2)).kind, OH_OUTCOME_SUSPEND);
    auto orderOnly = makeStep("orderhost.credit", "check-credit", R"({"default_limit": 100, "exposure": "order"})");
    auto c = parse(creditOrder("C-1", 60));
    EXPECT_EQ(call(*orderOnly, c, orderId(3)).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(openExposure("C-1"), 60) << "exposure: order must not record";
    for (const char* config : {R"({"exposure": "sometimes"})", R"({"receivables": "erp"})", R"({"default_limit": -1})"})
        EXPECT_THROW(makeStep("orderhost.credit", "check-credit", config), engine::StepCreateError) << config;
}

INSTANTIATE_TEST_SUITE_P(Backends, CreditExposureTest, ::testing::ValuesIn(testing::testBackends()),
                         testing::backendName);

}  // namespace
}  // namespace orderhost::plugintests::credit_exposure
