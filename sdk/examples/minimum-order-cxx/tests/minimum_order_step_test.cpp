// The minimum-order step, loaded from the built .so by the SDK's test kit: its migration runs
// on the kit's SQLite database, so the test checks the table as well as the order.
#include <orderhost/testkit.hpp>

#include <gtest/gtest.h>

namespace {

using orderhost::testkit::FakeHost;

FakeHost minimumOrder(std::int64_t net) {
    FakeHost host(ORDERHOST_PLUGIN_PATH);
    host.config(R"({"minimum_minor": 5000})").order(R"({"totals": {"net": )" + std::to_string(net) + "}}");
    EXPECT_EQ(host.create("minimum-order"), OH_STATUS_OK) << host.reportedError();
    EXPECT_EQ(host.run(), OH_STATUS_OK) << host.reportedError();
    return host;
}

TEST(MinimumOrderStep, ContinuesAtTheMinimumAndRecordsTheCheck) {
    FakeHost host = minimumOrder(5000);
    EXPECT_EQ(host.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(host.orderJson("/minimum_order"), R"({"minimum_minor":5000,"passed":true})");
    EXPECT_EQ(host.query("SELECT order_id, net_minor, passed FROM acme_minimum_order_checks"),
              R"([{"order_id":"order-1","net_minor":5000,"passed":1}])");
}

TEST(MinimumOrderStep, RejectsBelowTheMinimum) {
    FakeHost host = minimumOrder(4999);
    EXPECT_EQ(host.result().kind, OH_OUTCOME_REJECT);
    EXPECT_EQ(host.result().code, "below_minimum");
    EXPECT_NE(host.result().message.find("4999"), std::string::npos) << host.result().message;
    EXPECT_EQ(host.queryInt("SELECT passed FROM acme_minimum_order_checks"), 0);  // a REJECT is kept
}

TEST(MinimumOrderStep, ARetryUpdatesItsRow) {
    FakeHost host = minimumOrder(6000);
    host.run(2);
    EXPECT_EQ(host.queryInt("SELECT COUNT(*) FROM acme_minimum_order_checks"), 1);
}

TEST(MinimumOrderStep, FailsWithoutTotalsAndWritesNothing) {
    FakeHost host(ORDERHOST_PLUGIN_PATH);
    host.order("{}").create("minimum-order");
    host.run();
    EXPECT_EQ(host.result().kind, OH_OUTCOME_FAIL);
    EXPECT_EQ(host.result().code, "totals_missing");
    EXPECT_EQ(host.queryInt("SELECT COUNT(*) FROM acme_minimum_order_checks"), 0);
}

TEST(MinimumOrderStep, RefusesANegativeMinimum) {
    FakeHost host(ORDERHOST_PLUGIN_PATH);
    host.config(R"({"minimum_minor": -1})");
    EXPECT_EQ(host.create("minimum-order"), OH_STATUS_INVALID_CONFIG);
    EXPECT_NE(host.reportedError().find("minimum_minor"), std::string::npos) << host.reportedError();
}

}  // namespace
