// orderhost.credit (plugins/credit), loaded from its .so by the test kit.
#include <orderhost/testkit.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using orderhost::testkit::FakeHost;

// Tracked exposure on the kit's SQLite (credit_exposures); no billing plugin here, so no receivables.
constexpr char kLimits[] = R"({"default_limit":100000,"limits":{"C-1":500000},"receivables":"none"})";

FakeHost checkCredit(const std::string& order, const std::string& config = kLimits) {
    FakeHost host(ORDERHOST_TEST_PLUGIN_SO);
    host.config(config).order(order);
    if (host.create("check-credit") == OH_STATUS_OK) {
        EXPECT_EQ(host.run(), OH_STATUS_OK) << host.reportedError();
    }
    return host;
}

std::string orderWithNet(std::int64_t net) {
    return R"({"customer":{"id":"C-1"},"totals":{"net":)" + std::to_string(net) + "}}";
}

TEST(CreditStep, ContinuesWithinTheLimitAndRecordsIt) {
    FakeHost host = checkCredit(orderWithNet(500000));
    EXPECT_EQ(host.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(host.orderInt("/credit/limit"), 500000);
    EXPECT_EQ(host.orderInt("/credit/exposure"), 500000);
    EXPECT_EQ(host.orderInt("/credit/checked_at"), host.now());
}

TEST(CreditStep, RecordsTheHostClockNotTheSystemClock) {
    FakeHost host(ORDERHOST_TEST_PLUGIN_SO);
    host.config(kLimits).order(orderWithNet(1)).now(42000).create("check-credit");
    host.run();
    EXPECT_EQ(host.orderInt("/credit/checked_at"), 42000);
}

TEST(CreditStep, SuspendsForApprovalOverTheLimit) {
    FakeHost host = checkCredit(orderWithNet(500001));
    EXPECT_EQ(host.result().kind, OH_OUTCOME_SUSPEND);
    EXPECT_TRUE(host.result().kept);  // the host keeps a suspended step's /credit record
    EXPECT_EQ(host.result().signal, "credit_approval");
    EXPECT_EQ(host.result().code, "credit_limit_exceeded");
    EXPECT_NE(host.result().message.find("500001"), std::string::npos) << host.result().message;
    EXPECT_NE(host.result().message.find("500000"), std::string::npos) << host.result().message;
}

// A decision of the wrong type rejects the order as documented (it failed with plugin_error:
// the SDK's optionalBoolean throws on "yes"; found by a black-box probe).
TEST(CreditStep, AnApprovalOfTheWrongTypeRejectsAsInvalid) {
    const auto decided = [](const std::string& signal) {
        return checkCredit(R"({"customer":{"id":"C-1"},"totals":{"net":500001},"signals":{"credit_approval":)" +
                           signal + "}}");
    };
    for (const char* wrong : {R"({"approved":"yes"})", R"({"approved":1})", R"({"approved":null})", "{}"}) {
        FakeHost host = decided(wrong);
        EXPECT_EQ(host.result().kind, OH_OUTCOME_REJECT) << wrong;
        EXPECT_EQ(host.result().code, "credit_approval_invalid") << wrong << ": " << host.result().message;
    }
    FakeHost refused = decided(R"({"approved":false,"note":5})");
    EXPECT_EQ(refused.result().code, "credit_refused") << refused.result().message;
    EXPECT_EQ(decided(R"({"approved":true})").result().kind, OH_OUTCOME_CONTINUE);
}

TEST(CreditStep, UsesTheDefaultLimitForOtherCustomers) {
    FakeHost host = checkCredit(R"({"customer":{"id":"C-9"},"totals":{"net":100001}})");
    EXPECT_EQ(host.result().kind, OH_OUTCOME_SUSPEND);
    EXPECT_EQ(host.orderInt("/credit/limit"), 100000);
}

TEST(CreditStep, FailsClearlyWithoutTotals) {
    FakeHost host = checkCredit(R"({"customer":{"id":"C-1"}})");
    EXPECT_EQ(host.result().kind, OH_OUTCOME_FAIL);
    EXPECT_EQ(host.result().code, "totals_missing");
    EXPECT_NE(host.result().message.find("validation"), std::string::npos);
}

TEST(CreditStep, RefusesNegativeLimits) {
    FakeHost host(ORDERHOST_TEST_PLUGIN_SO);
    host.config(R"({"default_limit":-1})");
    EXPECT_EQ(host.create("check-credit"), OH_STATUS_INVALID_CONFIG);
    host.config(R"({"limits":{"C-1":-5}})");
    EXPECT_EQ(host.create("check-credit"), OH_STATUS_INVALID_CONFIG);
    EXPECT_NE(host.reportedError().find("limits.C-1"), std::string::npos) << host.reportedError();
}

// The limits' currency must be money: "ZZZ" passed as three capitals, and then every order was
// held for credit_currency_mismatch instead of the host refusing the chain at start.
TEST(CreditStep, RefusesALimitCurrencyThatIsNotIso4217) {
    FakeHost host(ORDERHOST_TEST_PLUGIN_SO);
    host.config(R"({"currency":"ZZZ"})");
    EXPECT_EQ(host.create("check-credit"), OH_STATUS_INVALID_CONFIG);
    EXPECT_NE(host.reportedError().find("currency"), std::string::npos) << host.reportedError();
    host.config(R"({"currency":"EUR"})");
    EXPECT_EQ(host.create("check-credit"), OH_STATUS_OK);
}

// A quote reads only: with triggers that abort any write to credit's tables armed, the quote
// answers as a run would (accepted within the limit, held over it, counting what earlier runs
// recorded), and the guard is real (a run under it fails).
TEST(CreditStep, AQuoteReadsTheExposureAndWritesNothing) {
    FakeHost host(ORDERHOST_TEST_PLUGIN_SO);
    host.config(kLimits).order(orderWithNet(300000)).orderId("order-1");
    ASSERT_EQ(host.create("check-credit"), OH_STATUS_OK) << host.reportedError();
    ASSERT_EQ(host.run(), OH_STATUS_OK) << host.reportedError();  // an accepted order: 300000 of C-1's 500000
    ASSERT_EQ(host.result().kind, OH_OUTCOME_CONTINUE);
    for (const char* table : {"credit_limits", "credit_exposures"})
        for (const char* op : {"INSERT", "UPDATE", "DELETE"})
            host.sql(std::string("CREATE TRIGGER guard_") + op + "_" + table + " BEFORE " + op + " ON " + table +
                     " BEGIN SELECT RAISE(ABORT, 'a quote wrote " + table + "'); END");
    host.order(orderWithNet(150000)).orderId("quote-1");
    ASSERT_EQ(host.quote(), OH_STATUS_OK) << host.reportedError();
    EXPECT_EQ(host.result().kind, OH_OUTCOME_CONTINUE) << host.result().message;
    EXPECT_EQ(host.orderString("/credit/status"), "accepted");
    EXPECT_EQ(host.orderInt("/credit/exposure"), 450000);
    host.order(orderWithNet(250000));
    ASSERT_EQ(host.quote(), OH_STATUS_OK) << host.reportedError();
    EXPECT_EQ(host.result().kind, OH_OUTCOME_SUSPEND);
    EXPECT_EQ(host.result().code, "credit_limit_exceeded");
    host.order(orderWithNet(1)).orderId("order-2");
    host.run();
    EXPECT_NE(host.result().kind, OH_OUTCOME_CONTINUE) << "the write guard did not stop a run";
}

}  // namespace
