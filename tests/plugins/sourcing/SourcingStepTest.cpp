// orderhost.sourcing (plugins/sourcing), loaded from its .so by the test kit: its migrations
// run on the kit's SQLite database, and its reservations are checked in the tables. (The same
// plugin runs through the real host on SQLite and PostgreSQL in tests/host/services.)
#include <orderhost/testkit.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using orderhost::testkit::FakeHost;

constexpr char kTwoLines[] = R"({"lines":[{"sku":"A-1","quantity":2},{"sku":"B-2","quantity":3},
                                          {"sku":"A-1","quantity":1}]})";

class SourcingStep : public ::testing::Test {
protected:
    void SetUp() override {
        host_.sql("INSERT INTO sourcing_stock (sku, on_hand, reserved) VALUES ('A-1', 5, 0), ('B-2', 3, 0)");
        ASSERT_EQ(host_.create("reserve-stock"), OH_STATUS_OK) << host_.reportedError();
    }
    std::int64_t reserved(const std::string& sku) {
        return host_.queryInt("SELECT reserved FROM sourcing_stock WHERE sku = '" + sku + "'");
    }
    std::int64_t reservationRows() { return host_.queryInt("SELECT COUNT(*) FROM sourcing_reservations"); }

    FakeHost host_{ORDERHOST_TEST_PLUGIN_SO};
};

TEST_F(SourcingStep, ItsTablesFollowTheNamingConvention) {
    EXPECT_EQ(host_.tablePrefix(), "sourcing_");
    EXPECT_EQ(host_.logged("does not start with"), 0u);
    EXPECT_EQ(host_.queryInt("SELECT MAX(version) FROM plugin_migrations WHERE plugin_id = 'orderhost.sourcing'"), 1);
}

TEST_F(SourcingStep, ReservesEverySkuOnceSummingItsLines) {
    host_.order(kTwoLines);
    ASSERT_EQ(host_.run(), OH_STATUS_OK) << host_.reportedError();
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE) << host_.result().message;
    EXPECT_EQ(reserved("A-1"), 3);
    EXPECT_EQ(reserved("B-2"), 3);
    EXPECT_EQ(host_.query("SELECT order_id, sku, quantity FROM sourcing_reservations ORDER BY sku"),
              R"([{"order_id":"order-1","sku":"A-1","quantity":3},{"order_id":"order-1","sku":"B-2","quantity":3}])");
    EXPECT_EQ(host_.orderString("/sourcing/status"), "reserved");
    EXPECT_EQ(host_.orderJson("/sourcing/reserved"), R"([{"sku":"A-1","quantity":3},{"sku":"B-2","quantity":3}])");
}

TEST_F(SourcingStep, ASecondAttemptReservesNothingTwice) {
    host_.order(kTwoLines);
    host_.run(1);
    host_.order(kTwoLines);
    ASSERT_EQ(host_.run(2), OH_STATUS_OK);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(reserved("A-1"), 3);
    EXPECT_EQ(reservationRows(), 2);
}

TEST_F(SourcingStep, RejectsAShortOrderAndReservesNothing) {
    host_.order(R"({"lines":[{"sku":"A-1","quantity":1},{"sku":"B-2","quantity":4}]})");
    ASSERT_EQ(host_.run(), OH_STATUS_OK);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_REJECT);
    EXPECT_EQ(host_.result().code, "out_of_stock");
    EXPECT_NE(host_.result().message.find("B-2 (requested 4, available 3)"), std::string::npos) << host_.result().message;
    EXPECT_EQ(reserved("A-1"), 0);
    EXPECT_EQ(reservationRows(), 0);
    EXPECT_EQ(host_.orderJson("/sourcing/shortages"), R"([{"sku":"B-2","requested":4,"available":3}])");
}

TEST_F(SourcingStep, RejectsUnknownSkusUnlessConfiguredToIgnoreThem) {
    host_.order(R"({"lines":[{"sku":"A-1","quantity":1},{"sku":"SERVICE","quantity":1}]})");
    host_.run();
    EXPECT_EQ(host_.result().code, "unknown_sku");
    EXPECT_EQ(reservationRows(), 0);

    host_.config(R"({"unknown_sku":"ignore"})").create("reserve-stock");
    host_.order(R"({"lines":[{"sku":"A-1","quantity":1},{"sku":"SERVICE","quantity":1}]})");
    host_.run();
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(host_.orderJson("/sourcing/unknown_skus"), R"(["SERVICE"])");
    EXPECT_EQ(reserved("A-1"), 1);
}

TEST_F(SourcingStep, CompensationReleasesOnceEvenWhenRepeated) {
    host_.order(kTwoLines);
    host_.run();
    ASSERT_EQ(host_.compensate(), OH_STATUS_OK);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(reserved("A-1"), 0);
    EXPECT_EQ(reserved("B-2"), 0);
    EXPECT_EQ(reservationRows(), 0);
    EXPECT_EQ(host_.orderString("/sourcing/status"), "released");

    host_.compensate(2);  // after a crash the host may call it again
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(reserved("A-1"), 0);
    EXPECT_EQ(host_.orderJson("/sourcing/released"), "[]");
}

TEST_F(SourcingStep, FailsOnANonPositiveQuantityAndRollsBack) {
    host_.order(R"({"lines":[{"sku":"A-1","quantity":2},{"sku":"B-2","quantity":0}]})");
    host_.run();
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_FAIL);
    EXPECT_NE(host_.result().message.find("must be positive"), std::string::npos) << host_.result().message;
    EXPECT_EQ(reservationRows(), 0);
}

TEST_F(SourcingStep, RefusesAnUnknownModeNamingTheField) {
    host_.config(R"({"unknown_sku":"maybe"})");
    EXPECT_EQ(host_.create("reserve-stock"), OH_STATUS_INVALID_CONFIG);
    EXPECT_NE(host_.reportedError().find("unknown_sku"), std::string::npos) << host_.reportedError();
}

}  // namespace
