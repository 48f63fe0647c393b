// orderhost.noop (plugins/noop), loaded from its .so by the test kit.
#include <orderhost/testkit.hpp>

#include <gtest/gtest.h>

namespace {

using orderhost::testkit::FakeHost;

TEST(NoopStep, ContinuesWithoutTouchingTheOrder) {
    FakeHost host(ORDERHOST_TEST_PLUGIN_SO);
    host.order(R"({"a":1,"b":[true]})");
    ASSERT_EQ(host.create("noop"), OH_STATUS_OK);
    ASSERT_EQ(host.run(), OH_STATUS_OK);
    EXPECT_EQ(host.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(host.orderJson(), R"({"a":1,"b":[true]})");
    EXPECT_TRUE(host.events().empty());
}

}  // namespace
