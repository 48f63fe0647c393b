// orderhost.sourcing · restock undone: a return whose chain failed after its restock is undone,
// but its goods physically came back, so they stay where restock put them (standing), and a
// later return of the same units claims them instead of restocking twice (docs/plugins.md#restock).
#include "SourcingFixture.h"

namespace sourcing_test {
namespace {

class RestockUndo : public SourcingTest {
protected:
    void SetUp() override {
        SourcingTest::SetUp();
        receive("WH-A", "A-1", 2, "A-01");
        receive("WH-B", "A-1", 10, "B-07");
        host_.order(R"({"lines":[{"sku":"A-1","quantity":5}]})");
        ASSERT_EQ(runAs("reserve-stock"), OH_OUTCOME_CONTINUE);  // 2 from WH-A, 3 from WH-B
        ASSERT_EQ(runAs("issue-stock"), OH_OUTCOME_CONTINUE) << host_.result().message;
    }
    // One return of the order (its own /return/requested_at) received with `lines`.
    void returning(const std::string& requestedAt, const std::string& lines) {
        host_.order(
            R"({"lines":[{"sku":"A-1","quantity":5}],"sourcing":{"status":"issued"},"return":{"requested_at":)" +
            requestedAt + R"(,"received":)" + lines + "}}");
        ASSERT_EQ(runAs("restock"), OH_OUTCOME_CONTINUE) << host_.result().message;
    }
    void undo() {
        ASSERT_EQ(host_.compensate(), OH_STATUS_OK);
        EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE) << host_.result().message;
    }
    std::int64_t onHandTotal() { return onHand("WH-A", "A-1") + onHand("WH-B", "A-1"); }
    std::int64_t movements() { return host_.queryInt("SELECT COUNT(*) FROM sourcing_movements"); }
};

TEST_F(RestockUndo, UndoingARestockLeavesTheGoodsWhereTheyAreOnce) {
    returning(
        "1000",
        R"([{"sku":"A-1","quantity":2,"condition":"resellable"},{"sku":"A-1","quantity":1,"condition":"damaged"}])");
    const std::int64_t before = movements();
    undo();
    EXPECT_EQ(onHand("WH-A", "A-1"), 1);  // damaged first: 1 quarantined in WH-A, then 1 + 1 resellable
    EXPECT_EQ(column("quarantined", "WH-A", "A-1"), 1);
    EXPECT_EQ(onHand("WH-B", "A-1"), 8);
    EXPECT_EQ(movements(), before) << "the undo moved stock: " << host_.query("SELECT * FROM sourcing_movements");
    EXPECT_EQ(host_.orderString("/sourcing/status"), "restock_stands");
    EXPECT_EQ(host_.orderJson("/sourcing/standing"),
              R"([{"sku":"A-1","warehouse":"WH-A","bin":"A-01","quantity":1,"condition":"damaged"},)"
              R"({"sku":"A-1","warehouse":"WH-A","bin":"A-01","quantity":1,"condition":"resellable"},)"
              R"({"sku":"A-1","warehouse":"WH-B","bin":"B-07","quantity":1,"condition":"resellable"}])");
    host_.compensate(2);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(onHandTotal(), 9);
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM sourcing_restocks WHERE undone_at_ms IS NOT NULL"), 1);
    expectReconciled();
}

// Before 2.1 the undo took the goods out again and FAILed restock_consumed (held for a
// person) when another order had reserved them meanwhile.
TEST_F(RestockUndo, UndoingARestockWhoseGoodsWereSoldAgainStillLeavesThem) {
    returning("1000", R"([{"sku":"A-1","quantity":2,"condition":"resellable"}])");
    host_.orderId("order-2").order(R"({"lines":[{"sku":"A-1","quantity":9}]})");
    ASSERT_EQ(runAs("reserve-stock"), OH_OUTCOME_CONTINUE);  // everything there, restocked units included
    host_.orderId("order-1")
        .order(R"({"lines":[{"sku":"A-1","quantity":5}],"return":{"requested_at":1000}})")
        .config("{}")
        .create("restock");
    undo();
    EXPECT_EQ(onHandTotal(), 9);
    EXPECT_EQ(reserved("WH-A", "A-1") + reserved("WH-B", "A-1"), 9);
    expectReconciled();
}

TEST_F(RestockUndo, ALaterReturnOfTheSameUnitsClaimsTheStandingRestockInsteadOfRestockingTwice) {
    returning("1000", R"([{"sku":"A-1","quantity":2,"condition":"resellable"}])");
    undo();
    ASSERT_EQ(onHandTotal(), 9);
    // The customer's return is redone for all five units: two are on the shelf already.
    returning("2000", R"([{"sku":"A-1","quantity":5,"condition":"resellable"}])");
    EXPECT_EQ(onHandTotal(), 12) << "7 left after issue + 5 returned, not 14";
    EXPECT_EQ(host_.orderJson("/sourcing/claimed"),
              R"([{"sku":"A-1","warehouse":"WH-A","bin":"A-01","quantity":2,"condition":"resellable"}])");
    EXPECT_EQ(host_.orderJson("/sourcing/unmatched_returns"), "[]");
    ASSERT_EQ(host_.run(2), OH_STATUS_OK);  // the same return's step again: nothing twice
    EXPECT_EQ(onHandTotal(), 12);
    EXPECT_EQ(host_.queryInt("SELECT SUM(quantity) FROM sourcing_restock_claims"), 2);
    expectReconciled();

    undo();  // the second return is undone too: its claim is given up, everything stands
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM sourcing_restock_claims"), 0);
    returning("3000", R"([{"sku":"A-1","quantity":6,"condition":"resellable"}])");
    EXPECT_EQ(onHandTotal(), 12) << "the third return restocked goods already on the shelf";
    EXPECT_EQ(host_.queryInt("SELECT SUM(quantity) FROM sourcing_restock_claims"), 5);
    EXPECT_EQ(host_.orderJson("/sourcing/unmatched_returns"),
              R"([{"sku":"A-1","quantity":1,"condition":"resellable"}])");
    expectReconciled();
}

}  // namespace
}  // namespace sourcing_test
