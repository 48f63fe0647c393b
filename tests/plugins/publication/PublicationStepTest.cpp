// orderhost.publication (plugins/publication), loaded from its .so by the test kit: one event
// per configured view with exactly the configured fields, /publication, the withdrawal on
// compensate, and the configurations it refuses.
#include <orderhost/testkit.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using orderhost::testkit::FakeHost;
using orderhost::testkit::HostLevel;

constexpr char kViews[] = R"({"views":[
  {"event":"sales_order.for_inventory","fields":{"order_ref":"/order_ref","warehouse":"/sourcing/warehouse",
     "lines":{"each":"/lines","fields":{"sku":"/sku","qty":"/quantity"}}}},
  {"event":"sales_order.for_billing","fields":{"customer":"/customer/id","totals":"/totals",
     "invoice":{"path":"/billing/invoice_number","required":true}}}]})";

constexpr char kOrder[] = R"({"order_ref":"ERP-9","customer":{"id":"C-1","email":"a@b.c"},
  "lines":[{"sku":"A","quantity":2,"unit_price":100},{"sku":"B","quantity":1}],
  "totals":{"net":200,"currency":"EUR"},"sourcing":{"warehouse":"WH-1"},"billing":{"invoice_number":"INV-7"}})";

FakeHost created(const std::string& config, const std::string& order = kOrder, HostLevel level = HostLevel::v1_1) {
    FakeHost host(ORDERHOST_TEST_PLUGIN_SO, level);
    host.config(config).order(order);
    EXPECT_EQ(host.create("publish-order"), OH_STATUS_OK) << host.reportedError();
    return host;
}

TEST(PublicationStep, PublishesOneEventPerViewWithItsFields) {
    FakeHost host = created(kViews);
    ASSERT_EQ(host.run(), OH_STATUS_OK) << host.reportedError();
    EXPECT_EQ(host.result().kind, OH_OUTCOME_CONTINUE);
    ASSERT_EQ(host.events().size(), 2u);
    EXPECT_EQ(host.events()[0].type, "sales_order.for_inventory");
    // (The test kit hands payloads back with their members sorted.)
    EXPECT_EQ(host.events()[0].payload,
              R"({"lines":[{"qty":2,"sku":"A"},{"qty":1,"sku":"B"}],"order_ref":"ERP-9","warehouse":"WH-1"})");
    EXPECT_EQ(host.events()[1].type, "sales_order.for_billing");
    EXPECT_EQ(host.events()[1].payload,
              R"({"customer":"C-1","invoice":"INV-7","totals":{"currency":"EUR","net":200}})");
    EXPECT_EQ(host.orderJson("/publication/published"), R"(["sales_order.for_inventory","sales_order.for_billing"])");
    EXPECT_EQ(host.orderInt("/publication/at"), host.now());
}

TEST(PublicationStep, LeavesOutAbsentFieldsButFailsOnAMissingRequiredOne) {
    FakeHost host = created(kViews, R"({"lines":[{"sku":"A"}],"order_ref":"ERP-10"})");
    host.run();
    EXPECT_EQ(host.result().kind, OH_OUTCOME_FAIL);
    EXPECT_EQ(host.result().code, "publication_field_missing");
    EXPECT_NE(host.result().message.find("/billing/invoice_number"), std::string::npos) << host.result().message;
    EXPECT_TRUE(host.events().empty()) << "no view is published when one cannot be";
    FakeHost optional = created(R"({"views":[{"event":"sales_order.for_inventory","fields":{"order_ref":"/order_ref",
        "warehouse":"/sourcing/warehouse","lines":{"each":"/lines","fields":{"sku":"/sku","qty":"/quantity"}}}}]})",
                                R"({"lines":[{"sku":"A"}],"order_ref":"ERP-10"})");
    optional.run();
    ASSERT_EQ(optional.events().size(), 1u);
    EXPECT_EQ(optional.events()[0].payload, R"({"lines":[{"sku":"A"}],"order_ref":"ERP-10"})");
}

TEST(PublicationStep, ARunAfterAPublicationPublishesNothingAgain) {
    FakeHost host = created(kViews);
    host.run();
    host.run();
    EXPECT_EQ(host.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(host.events().size(), 2u) << "the kit keeps every call's events: none were added";
}

TEST(PublicationStep, CompensateWithdrawsOnce) {
    FakeHost host = created(kViews);
    host.run();
    ASSERT_EQ(host.compensate(), OH_STATUS_OK) << host.reportedError();
    EXPECT_EQ(host.result().kind, OH_OUTCOME_CONTINUE);
    ASSERT_EQ(host.events().size(), 3u);  // the kit keeps every call's events
    EXPECT_EQ(host.events()[2].type, "sales_order.withdrawn");
    EXPECT_EQ(host.events()[2].payload,
              R"({"order_ref":"ERP-9","withdrawn":["sales_order.for_inventory","sales_order.for_billing"]})");
    EXPECT_EQ(host.orderJson("/publication/withdrawn"), "true");
    host.compensate();
    EXPECT_EQ(host.events().size(), 3u) << "a repeated undo publishes nothing";
}

TEST(PublicationStep, CompensateWithoutAPublicationDoesNothing) {
    FakeHost host = created(kViews);
    ASSERT_EQ(host.compensate(), OH_STATUS_OK);
    EXPECT_TRUE(host.events().empty());
    EXPECT_FALSE(host.orderJson("/publication").has_value());
}

TEST(PublicationStep, RefusesViewsItCannotPublish) {
    auto refusal = [](const std::string& config) {
        FakeHost host(ORDERHOST_TEST_PLUGIN_SO);
        host.config(config);
        EXPECT_EQ(host.create("publish-order"), OH_STATUS_INVALID_CONFIG) << config;
        return host.reportedError();
    };
    EXPECT_NE(refusal("{}").find("'views'"), std::string::npos);
    EXPECT_NE(refusal(R"({"views":[{"event":"order.for_x","fields":{"a":"/a"}}]})").find("'views/0/event'"),
              std::string::npos);
    EXPECT_NE(refusal(R"({"views":[{"event":"Bad Type","fields":{"a":"/a"}}]})").find("'views/0/event'"),
              std::string::npos);
    EXPECT_NE(refusal(R"({"views":[{"event":"x.a","fields":{"a":"/a"}},{"event":"x.a","fields":{"a":"/a"}}]})")
                  .find("'views/1/event'"),
              std::string::npos);
    EXPECT_NE(refusal(R"({"views":[{"event":"x.a","fields":{"a":"a"}}]})").find("'views/0/fields/a'"),
              std::string::npos);
    EXPECT_NE(refusal(R"({"views":[{"event":"x.a","fields":{}}]})").find("'views/0/fields'"), std::string::npos);
    EXPECT_NE(
        refusal(R"({"views":[{"event":"x.a","fields":{"l":{"each":"/lines"}}}]})").find("'views/0/fields/l/fields'"),
        std::string::npos);
    EXPECT_NE(refusal(R"({"views":[{"event":"x.a","fields":{"l":{"path":"/x","colour":1}}}]})").find("colour"),
              std::string::npos);
    EXPECT_NE(refusal(R"({"views":[{"event":"x.a","fields":{"a":"/a"}}],"withdrawn_event":"step.x"})")
                  .find("'withdrawn_event'"),
              std::string::npos);
}

TEST(PublicationStep, NeedsAHostWithTheEventsExtension) {
    FakeHost host(ORDERHOST_TEST_PLUGIN_SO, HostLevel::v1_0);
    host.config(kViews);
    EXPECT_EQ(host.create("publish-order"), OH_STATUS_INVALID_CONFIG);
    EXPECT_NE(host.reportedError().find("orderhost.events/1"), std::string::npos) << host.reportedError();
}

}  // namespace
