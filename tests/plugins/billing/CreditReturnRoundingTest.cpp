// orderhost.billing's credit-return, loaded from its .so by the SDK's test kit: the rounding
// rule of returns (docs/plugins.md, "billing") — the credits of all returns of an invoice never
// exceed it, and returning everything credits exactly the invoice total, tax included, also
// when one return's lines are split by condition (the same SKU twice in one credit note).
#include <orderhost/testkit.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using orderhost::testkit::FakeHost;

constexpr char kInvoiceConfig[] = R"({"series": "INV-", "credit_note_series": "CN-",
  "tax_rates": {"DE": {"standard": 1900}}, "default_tax_class": "standard", "default_country": "DE"})";
constexpr char kCreditConfig[] = R"({"credit_note_series": "CN-"})";

// 3 drills at 29.99 (net 89.97, 19 % tax 17.0943 -> 17.09) and a set of bits at 5.00 (tax 0.95).
constexpr std::int64_t kDrillLine = 8997 + 1709;
constexpr std::int64_t kInvoiced = kDrillLine + 500 + 95;
constexpr char kLines[] = R"("currency": "EUR", "customer": {"id": "C-1"}, "lines": [
  {"sku": "DRILL", "quantity": 3, "unit_price": 2999, "total": 8997},
  {"sku": "BITS", "quantity": 1, "unit_price": 500, "total": 500}])";

struct Received {
    std::string sku;
    int quantity;
    std::string condition;
};

// The order as credit-return sees it: the goods of RMA `rma` received, one entry per condition.
std::string returning(const std::string& rma, const std::vector<Received>& lines) {
    std::string json;
    for (const Received& l : lines)
        json += (json.empty() ? "" : ",") + std::string(R"({"sku":")") + l.sku + R"(","quantity":)" +
                std::to_string(l.quantity) + R"(,"unit_price":)" + (l.sku == "DRILL" ? "2999" : "500") +
                R"(,"reason":"broken","condition":")" + l.condition + "\"}";
    return "{" + std::string(kLines) + R"(, "return": {"rma": {"number": ")" + rma +
           R"(", "lines": []}, "received": {"number": ")" + rma + R"(", "lines": [)" + json + "]}}}";
}

class CreditReturnRounding : public ::testing::Test {
protected:
    void SetUp() override {
        host_.orderId("order-1").config(kInvoiceConfig).order("{" + std::string(kLines) + "}");
        ASSERT_EQ(host_.create("issue-invoice"), OH_STATUS_OK) << host_.reportedError();
        ASSERT_EQ(host_.run(), OH_STATUS_OK) << host_.reportedError();
        ASSERT_EQ(host_.queryInt("SELECT total_minor FROM billing_invoices"), kInvoiced);
        host_.config(kCreditConfig);
        ASSERT_EQ(host_.create("credit-return"), OH_STATUS_OK) << host_.reportedError();
    }
    // Credits one return; the total of its credit note.
    std::int64_t credit(const std::string& rma, const std::vector<Received>& lines) {
        host_.order(returning(rma, lines));
        EXPECT_EQ(host_.run(), OH_STATUS_OK) << host_.reportedError();
        EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE) << host_.result().code << ": " << host_.result().message;
        return host_.orderInt("/billing/return_credits/0/total_minor").value_or(-1);
    }
    std::int64_t credited() {
        return host_.queryInt("SELECT COALESCE(SUM(total_minor), 0) FROM billing_return_credits");
    }

    FakeHost host_{ORDERHOST_TEST_PLUGIN_SO};
};

// 2 resellable + 1 damaged drill in one return: 59.98 + 11.39 and 29.99 + 5.70 = the line, to
// the cent (each credit line priced and taxed on its own gave 11.40 + 5.70: a cent too much).
TEST_F(CreditReturnRounding, AReturnSplitByConditionCreditsTheLineExactly) {
    EXPECT_EQ(credit("RMA-1", {{"DRILL", 2, "resellable"}, {"DRILL", 1, "damaged"}}), kDrillLine);
    EXPECT_EQ(host_.queryInt("SELECT SUM(tax_minor) FROM billing_return_credit_lines"), 1709);
    EXPECT_EQ(host_.queryInt("SELECT tax_minor FROM billing_return_credit_lines WHERE line_no = 1"), 1139);
    EXPECT_EQ(host_.queryInt("SELECT tax_minor FROM billing_return_credit_lines WHERE line_no = 2"), 570);
}

TEST_F(CreditReturnRounding, ReturningEverythingCreditsExactlyTheInvoiceTotal) {
    credit("RMA-1", {{"DRILL", 1, "damaged"}, {"DRILL", 1, "resellable"}, {"BITS", 1, "resellable"}});
    EXPECT_LE(credited(), kInvoiced);
    credit("RMA-2", {{"DRILL", 1, "resellable"}});
    EXPECT_EQ(credited(), kInvoiced);
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM billing_return_credits"), 2);
}

// Every way of splitting 7 units over returns and conditions: the running total never exceeds
// the invoice, and the last unit brings it exactly to the invoice.
TEST(CreditReturnRoundingRule, NoSplitOfSevenUnitsEverCreditsMoreThanTheInvoice) {
    const std::string lines = R"("currency": "EUR", "customer": {"id": "C-1"}, "lines": [
      {"sku": "PEN", "quantity": 7, "unit_price": 2999, "total": 20993}])";
    for (int split = 0; split < (1 << 6); ++split) {  // a cut after unit i when bit i is set
        FakeHost host(ORDERHOST_TEST_PLUGIN_SO);
        host.orderId("order-1").config(kInvoiceConfig).order("{" + lines + "}");
        ASSERT_EQ(host.create("issue-invoice"), OH_STATUS_OK);
        ASSERT_EQ(host.run(), OH_STATUS_OK);
        const std::int64_t invoiced = host.queryInt("SELECT total_minor FROM billing_invoices");
        host.config(kCreditConfig);
        ASSERT_EQ(host.create("credit-return"), OH_STATUS_OK);
        int rma = 0, units = 0;
        for (int unit = 1; unit <= 7; ++unit) {
            ++units;
            if (unit < 7 && !(split & (1 << (unit - 1)))) continue;
            // Each return split into two condition lines when it has more than one unit.
            const std::string half = std::to_string(units / 2), rest = std::to_string(units - units / 2);
            std::string received =
                R"({"sku":"PEN","quantity":)" + rest + R"(,"unit_price":2999,"condition":"resellable"})";
            if (units / 2 > 0)
                received =
                    R"({"sku":"PEN","quantity":)" + half + R"(,"unit_price":2999,"condition":"damaged"},)" + received;
            const std::string number = "RMA-" + std::to_string(++rma);
            host.order("{" + lines + R"(, "return": {"rma": {"number": ")" + number + R"(", "lines": []},)" +
                       R"( "received": {"number": ")" + number + R"(", "lines": [)" + received + "]}}}");
            ASSERT_EQ(host.run(), OH_STATUS_OK);
            ASSERT_EQ(host.result().kind, OH_OUTCOME_CONTINUE) << host.result().message;
            ASSERT_LE(host.queryInt("SELECT SUM(total_minor) FROM billing_return_credits"), invoiced)
                << "split " << split;
            units = 0;
        }
        EXPECT_EQ(host.queryInt("SELECT SUM(total_minor) FROM billing_return_credits"), invoiced) << "split " << split;
    }
}

}  // namespace
