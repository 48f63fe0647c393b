// orderhost.sourcing · issue-stock (at shipment) and restock (the return chain) through the
// SDK's test kit, each with its compensation run twice, and the ledger reconciled throughout.
#include "SourcingFixture.h"

namespace sourcing_test {
namespace {

class IssueRestock : public SourcingTest {
protected:
    void SetUp() override {
        SourcingTest::SetUp();
        receive("WH-A", "A-1", 2, "A-01");
        receive("WH-B", "A-1", 10, "B-07");
        host_.order(R"({"lines":[{"sku":"A-1","quantity":5}]})");
        ASSERT_EQ(runAs("reserve-stock"), OH_OUTCOME_CONTINUE);  // 2 from WH-A, 3 from WH-B
    }
    void issue() { ASSERT_EQ(runAs("issue-stock"), OH_OUTCOME_CONTINUE) << host_.result().message; }
    void received(const std::string& lines) {
        host_.order(R"({"lines":[{"sku":"A-1","quantity":5}],"sourcing":{"status":"issued"},"return":{"received":)" +
                    lines + "}}");
    }
};

TEST_F(IssueRestock, IssueTakesReservedStockOffTheShelfOnce) {
    issue();
    EXPECT_EQ(onHand("WH-A", "A-1"), 0);
    EXPECT_EQ(reserved("WH-A", "A-1"), 0);
    EXPECT_EQ(onHand("WH-B", "A-1"), 7);
    EXPECT_EQ(reserved("WH-B", "A-1"), 0);
    EXPECT_EQ(host_.orderString("/sourcing/status"), "issued");
    EXPECT_EQ(
        host_.orderJson("/sourcing/issued"),
        R"([{"sku":"A-1","warehouse":"WH-A","bin":"A-01","quantity":2},{"sku":"A-1","warehouse":"WH-B","bin":"B-07","quantity":3}])");
    ASSERT_EQ(host_.run(2), OH_STATUS_OK);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(onHand("WH-B", "A-1"), 7) << "a second run issued again";
    expectReconciled();
}

TEST_F(IssueRestock, UndoingAnIssuePutsTheGoodsBackAsReservedOnceThenTheReservationIsReleased) {
    issue();
    ASSERT_EQ(host_.compensate(), OH_STATUS_OK);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(onHand("WH-B", "A-1"), 10);
    EXPECT_EQ(reserved("WH-B", "A-1"), 3);
    EXPECT_EQ(host_.orderString("/sourcing/status"), "reserved");
    host_.compensate(2);
    EXPECT_EQ(onHand("WH-B", "A-1"), 10) << "a second undo put the goods back twice";
    EXPECT_EQ(host_.orderJson("/sourcing/unissued"), "[]");
    expectReconciled();

    host_.config("{}").create("reserve-stock");  // the chain's undo goes on backwards
    ASSERT_EQ(host_.compensate(), OH_STATUS_OK);
    EXPECT_EQ(reserved("WH-A", "A-1"), 0);
    EXPECT_EQ(reserved("WH-B", "A-1"), 0);
    expectReconciled();
}

TEST_F(IssueRestock, RestockReadsTheLinesOfWhatOrderhostReturnsRecorded) {
    issue();
    // orderhost.returns writes /return/received as {"number", "lines", "status"}.
    received(R"({"number":"RMA-1","status":"received","lines":[{"sku":"A-1","quantity":2,"condition":"resellable"}]})");
    ASSERT_EQ(runAs("restock"), OH_OUTCOME_CONTINUE) << host_.result().message;
    EXPECT_EQ(onHand("WH-A", "A-1") + onHand("WH-B", "A-1"), 2 + 7);
    expectReconciled();
}

TEST_F(IssueRestock, RestockPutsResellableGoodsBackWhereTheyCameFromAndDamagedOnesInQuarantine) {
    issue();
    received(
        R"([{"sku":"A-1","quantity":3,"condition":"resellable"},{"sku":"A-1","quantity":1,"condition":"damaged"}])");
    ASSERT_EQ(runAs("restock"), OH_OUTCOME_CONTINUE) << host_.result().message;
    // Lines are taken by SKU and condition (damaged first), each from the warehouses it was
    // issued from in priority order: WH-A had 2, WH-B 3.
    EXPECT_EQ(onHand("WH-A", "A-1"), 1);
    EXPECT_EQ(column("quarantined", "WH-A", "A-1"), 1);
    EXPECT_EQ(onHand("WH-B", "A-1"), 9);
    EXPECT_EQ(host_.orderJson("/sourcing/restocked"),
              R"([{"sku":"A-1","warehouse":"WH-A","bin":"A-01","quantity":1,"condition":"damaged"},)"
              R"({"sku":"A-1","warehouse":"WH-A","bin":"A-01","quantity":1,"condition":"resellable"},)"
              R"({"sku":"A-1","warehouse":"WH-B","bin":"B-07","quantity":2,"condition":"resellable"}])");
    EXPECT_EQ(host_.orderJson("/sourcing/unmatched_returns"), "[]");
    expectReconciled();

    ASSERT_EQ(host_.run(2), OH_STATUS_OK);  // the same step again: nothing twice
    EXPECT_EQ(onHand("WH-B", "A-1"), 9);
    EXPECT_EQ(column("quarantined", "WH-A", "A-1"), 1);
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM sourcing_restock_lines"), 3);
}

// Two partial returns of one order run the same restock step: each restocks its own goods
// (one claim per order and step restocked only the first return's).
TEST_F(IssueRestock, EachPartialReturnOfAnOrderRestocksItsOwnGoods) {
    issue();
    const auto returning = [&](const std::string& requestedAt, int quantity) {
        host_.order(
            R"({"lines":[{"sku":"A-1","quantity":5}],"sourcing":{"status":"issued"},"return":{"requested_at":)" +
            requestedAt + R"(,"received":[{"sku":"A-1","quantity":)" + std::to_string(quantity) +
            R"(,"condition":"resellable"}]}})");
        ASSERT_EQ(runAs("restock"), OH_OUTCOME_CONTINUE) << host_.result().message;
    };
    returning("1000", 1);
    returning("2000", 2);
    EXPECT_EQ(onHand("WH-A", "A-1") + onHand("WH-B", "A-1"), 7 + 3);
    returning("2000", 2);  // the second return's step again: nothing twice
    EXPECT_EQ(onHand("WH-A", "A-1") + onHand("WH-B", "A-1"), 7 + 3);
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM sourcing_restocks"), 2);
    expectReconciled();
}

TEST_F(IssueRestock, MoreThanWasIssuedIsListedForAPersonNotRestocked) {
    issue();
    received(
        R"([{"sku":"A-1","quantity":7,"condition":"resellable"},{"sku":"X-9","quantity":1,"condition":"resellable"}])");
    ASSERT_EQ(runAs("restock"), OH_OUTCOME_CONTINUE);
    EXPECT_EQ(onHand("WH-A", "A-1") + onHand("WH-B", "A-1"), 12);
    EXPECT_EQ(
        host_.orderJson("/sourcing/unmatched_returns"),
        R"([{"sku":"A-1","quantity":2,"condition":"resellable"},{"sku":"X-9","quantity":1,"condition":"resellable"}])");
}

// Quantities whose sum would wrap past 2^63 (to a negative count) are refused, naming the entry.
TEST_F(IssueRestock, QuantitiesThatWouldWrapTheSumAreRefusedAndNothingIsRestocked) {
    issue();
    received(R"([{"sku":"A-1","quantity":2,"condition":"resellable"},)"
             R"({"sku":"A-1","quantity":9223372036854775807,"condition":"resellable"}])");
    EXPECT_EQ(runAs("restock"), OH_OUTCOME_FAIL);
    EXPECT_NE(host_.result().message.find("/return/received/1/quantity"), std::string::npos) << host_.result().message;
    EXPECT_EQ(onHand("WH-A", "A-1") + onHand("WH-B", "A-1"), 7);
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM sourcing_restock_lines"), 0);
    expectReconciled();
}

TEST_F(IssueRestock, RestockBeforeTheGoodsArrivedFailsNamingThePath) {
    EXPECT_EQ(runAs("restock"), OH_OUTCOME_FAIL);
    EXPECT_NE(host_.result().message.find("/return/received"), std::string::npos) << host_.result().message;
}

}  // namespace
}  // namespace sourcing_test
