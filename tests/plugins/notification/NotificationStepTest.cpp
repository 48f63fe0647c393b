// orderhost.notification (plugins/notification, plain C), loaded from its .so by the test kit.
#include <orderhost/testkit.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using orderhost::testkit::FakeHost;
using orderhost::testkit::HostLevel;

FakeHost notify(const std::string& order, const std::string& config = "{}", HostLevel level = HostLevel::v1_1) {
    FakeHost host(ORDERHOST_TEST_PLUGIN_SO, level);
    host.config(config).order(order);
    if (host.create("notify-customer") == OH_STATUS_OK) {
        EXPECT_EQ(host.run(), OH_STATUS_OK) << host.reportedError();
    }
    return host;
}

TEST(NotificationStep, AppendsAnEscapedRecord) {
    FakeHost host = notify(R"({"customer":{"email":"o\"neil\\x@example.com"},"notifications":[{"old":1}]})",
                           R"({"template":"shipped","channel":"sms"})");
    EXPECT_EQ(host.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(host.orderString("/notifications/1/to"), R"(o"neil\x@example.com)");
    EXPECT_EQ(host.orderString("/notifications/1/channel"), "sms");
    EXPECT_EQ(host.orderString("/notifications/1/template"), "shipped");
    EXPECT_EQ(host.orderInt("/notifications/1/at"), host.now());
    EXPECT_EQ(host.orderString("/notifications/1/idempotency_key"), "order-1/notify-customer");
    EXPECT_EQ(host.orderJson("/notifications/0"), R"({"old":1})");
}

TEST(NotificationStep, UsesDefaultsAndNullWithoutAnAddress) {
    FakeHost host = notify(R"({"customer":{"id":"C-1"}})");
    EXPECT_EQ(host.orderJson("/notifications/0/to"), "null");
    EXPECT_EQ(host.orderString("/notifications/0/channel"), "email");
    EXPECT_EQ(host.orderString("/notifications/0/template"), "order-confirmation");
}

TEST(NotificationStep, RunsOnA10Host) {
    FakeHost host = notify(R"({"customer":{"email":"a@example.com"}})", "{}", HostLevel::v1_0);
    EXPECT_EQ(host.orderString("/notifications/0/to"), "a@example.com");
}

TEST(NotificationStep, KeepsTheOrderIdInTheIdempotencyKey) {
    FakeHost host(ORDERHOST_TEST_PLUGIN_SO);
    host.order("{}").orderId("0f6c").create("notify-customer");
    host.run();
    EXPECT_EQ(host.orderString("/notifications/0/idempotency_key"), "0f6c/notify-customer");
}

TEST(NotificationStep, RefusesANonStringTemplate) {
    FakeHost host(ORDERHOST_TEST_PLUGIN_SO);
    host.config(R"({"template":5})");
    EXPECT_EQ(host.create("notify-customer"), OH_STATUS_INVALID_CONFIG);
    EXPECT_NE(host.reportedError().find("'template'"), std::string::npos) << host.reportedError();
}

TEST(NotificationStep, HasNothingToCompensate) {
    FakeHost host(ORDERHOST_TEST_PLUGIN_SO);
    host.order(R"({"a":1})").create("notify-customer");
    EXPECT_EQ(host.compensate(), OH_STATUS_OK);
    EXPECT_EQ(host.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(host.orderJson(), R"({"a":1})");
}

}  // namespace
