// The order-tagging step, loaded from the built .so by the SDK's test kit (a fake host with
// an order document, a config, a clock and an orderhost.db on SQLite). See
// <orderhost/testkit.hpp> for everything a test can set and check.
#include <orderhost/testkit.hpp>

#include <gtest/gtest.h>

namespace {

using orderhost::testkit::FakeHost;

TEST(OrderTaggingStep, AddsTheConfiguredTag) {
  FakeHost host(ORDERHOST_PLUGIN_PATH);
  host.config(R"({"tag": "vip"})").order(R"({"attributes": {"tags": ["new"]}})");
  ASSERT_EQ(host.create("order-tagging"), OH_STATUS_OK) << host.reportedError();
  ASSERT_EQ(host.run(), OH_STATUS_OK) << host.reportedError();
  EXPECT_EQ(host.result().kind, OH_OUTCOME_CONTINUE);
  EXPECT_EQ(host.orderJson("/attributes/tags"), R"(["new","vip"])");
  EXPECT_EQ(host.logged("as vip"), 1u);
}

TEST(OrderTaggingStep, TagsOnlyOnceWhenRetried) {
  FakeHost host(ORDERHOST_PLUGIN_PATH);
  host.order("{}").create("order-tagging");
  host.run(1);
  host.run(2);
  EXPECT_EQ(host.orderJson("/attributes/tags"), R"(["reviewed"])");
}

TEST(OrderTaggingStep, RejectsAnOrderWithTheRefusedTag) {
  FakeHost host(ORDERHOST_PLUGIN_PATH);
  host.config(R"({"reject_if_tagged": "blocked"})")
      .order(R"({"attributes": {"tags": ["blocked"]}})");
  host.create("order-tagging");
  host.run();
  EXPECT_EQ(host.result().kind, OH_OUTCOME_REJECT);
  EXPECT_EQ(host.result().code, "tagged_blocked");
}

TEST(OrderTaggingStep, RefusesAnEmptyTag) {
  FakeHost host(ORDERHOST_PLUGIN_PATH);
  host.config(R"({"tag": ""})");
  EXPECT_EQ(host.create("order-tagging"), OH_STATUS_INVALID_CONFIG);
  EXPECT_NE(host.reportedError().find("tag"), std::string::npos) << host.reportedError();
}

}  // namespace
