// orderhost.sourcing · reserve-stock when stock is short: the three shortage policies (reject,
// backorder with the stock_arrived signal and its timeout, split) and the purchase
// requisitions they and the reorder point open, once per SKU, with their event.
#include "SourcingFixture.h"

namespace sourcing_test {
namespace {

class Shortage : public SourcingTest {
protected:
    void SetUp() override {
        SourcingTest::SetUp();
        receive("WH-A", "A-1", 5);
        receive("WH-A", "B-2", 3);
        supplier("B-2", 0, 50);
    }
    static constexpr char kShortOrder[] = R"({"lines":[{"sku":"A-1","quantity":1},{"sku":"B-2","quantity":4}]})";
};

TEST_F(Shortage, RejectPolicyRejectsAndReservesNothing) {
    host_.order(kShortOrder);
    EXPECT_EQ(runAs("reserve-stock"), OH_OUTCOME_REJECT);
    EXPECT_EQ(host_.result().code, "out_of_stock");
    EXPECT_EQ(host_.result().message, "out of stock: B-2 (requested 4, available 3)");
    EXPECT_EQ(reserved("WH-A", "A-1"), 0);
    EXPECT_EQ(host_.orderJson("/sourcing/shortages"), R"([{"sku":"B-2","requested":4,"available":3}])");
    EXPECT_EQ(requisitions(), 0) << "a rejected order orders nothing";
    expectReconciled();
}

TEST_F(Shortage, BackorderWaitsForStockThenReservesWhenItArrives) {
    host_.order(kShortOrder);
    ASSERT_EQ(runAs("reserve-stock", R"({"shortage":"backorder"})"), OH_OUTCOME_SUSPEND);
    EXPECT_EQ(host_.result().code, "backordered");
    EXPECT_EQ(host_.result().signal, "stock_arrived");
    EXPECT_EQ(reserved("WH-A", "A-1"), 0) << "a backordered order holds no stock";
    EXPECT_EQ(host_.orderString("/sourcing/status"), "backordered");
    EXPECT_EQ(host_.orderString("/sourcing/requisitions/0/reason"), "shortage");
    EXPECT_EQ(host_.orderInt("/sourcing/requisitions/0/quantity"), 50) << "at least the reorder quantity";
    ASSERT_EQ(host_.events().size(), 1u);
    EXPECT_EQ(host_.events()[0].type, "purchase_requisition.created");
    EXPECT_NE(host_.events()[0].payload.find(R"("sku":"B-2")"), std::string::npos) << host_.events()[0].payload;

    // The signal arrives but the goods are not enough yet: wait again, no second requisition.
    host_.sql("UPDATE sourcing_inventory SET on_hand = on_hand WHERE sku = 'B-2'");
    host_.order(std::string(kShortOrder).insert(1, R"("signals":{"stock_arrived":{}},)"));
    ASSERT_EQ(host_.run(2), OH_STATUS_OK);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_SUSPEND);
    EXPECT_EQ(requisitions(), 1);
    EXPECT_EQ(host_.events().size(), 1u);

    receive("WH-B", "B-2", 50);
    host_.order(std::string(kShortOrder).insert(1, R"("signals":{"stock_arrived":{"note":"PO 77"}},)"));
    ASSERT_EQ(host_.run(3), OH_STATUS_OK);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE) << host_.result().message;
    EXPECT_EQ(reserved("WH-A", "B-2"), 3);
    EXPECT_EQ(reserved("WH-B", "B-2"), 1);
    EXPECT_EQ(reserved("WH-A", "A-1"), 1);
    EXPECT_EQ(host_.orderString("/sourcing/status"), "reserved");
    expectReconciled();
}

TEST_F(Shortage, BackorderRejectsWhenTheWaitTimedOutAndStockIsStillShort) {
    host_.order(std::string(kShortOrder).insert(1, R"("signals":{"stock_arrived":{"timed_out":true}},)"));
    EXPECT_EQ(runAs("reserve-stock", R"({"shortage":"backorder"})"), OH_OUTCOME_REJECT);
    EXPECT_EQ(host_.result().code, "backorder_timeout");
    EXPECT_EQ(reserved("WH-A", "A-1"), 0);
    EXPECT_EQ(host_.orderString("/sourcing/status"), "backorder_timeout");
}

TEST_F(Shortage, SplitReservesWhatIsThereAndBackordersTheRest) {
    host_.order(kShortOrder);
    ASSERT_EQ(runAs("reserve-stock", R"({"shortage":"split"})"), OH_OUTCOME_CONTINUE) << host_.result().message;
    EXPECT_EQ(host_.orderString("/sourcing/status"), "partially_reserved");
    EXPECT_EQ(reserved("WH-A", "B-2"), 3);
    EXPECT_EQ(reserved("WH-A", "A-1"), 1);
    EXPECT_EQ(host_.orderJson("/sourcing/backordered"), R"([{"sku":"B-2","quantity":1}])");
    EXPECT_EQ(host_.orderJson("/sourcing/requisitions/0/sku"), R"("B-2")");
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM sourcing_requisitions WHERE sku = 'B-2' AND status = 'open'"), 1);
    EXPECT_EQ(host_.events().size(), 1u) << "one requisition for B-2, not a second one for its reorder point";
    expectReconciled();
}

TEST_F(Shortage, FallingBelowTheReorderPointOpensOneRequisitionPerSku) {
    supplier("A-1", 3, 20);
    host_.order(R"({"lines":[{"sku":"A-1","quantity":2}]})");
    ASSERT_EQ(runAs("reserve-stock"), OH_OUTCOME_CONTINUE);
    EXPECT_EQ(host_.orderJson("/sourcing/requisitions"), "[]") << "available 3 is not below the point 3";
    host_.orderId("order-2").order(R"({"lines":[{"sku":"A-1","quantity":1}]})");
    ASSERT_EQ(host_.run(), OH_STATUS_OK);
    EXPECT_EQ(host_.orderString("/sourcing/requisitions/0/reason"), "reorder_point");
    EXPECT_EQ(host_.orderJson("/sourcing/requisitions/0/created"), "true");
    EXPECT_EQ(host_.orderInt("/sourcing/requisitions/0/quantity"), 20);
    host_.orderId("order-3").order(R"({"lines":[{"sku":"A-1","quantity":1}]})");
    ASSERT_EQ(host_.run(), OH_STATUS_OK);
    EXPECT_EQ(host_.orderJson("/sourcing/requisitions/0/created"), "false") << "still open: not requested twice";
    EXPECT_EQ(requisitions(), 1);
    ASSERT_EQ(host_.events().size(), 1u);
    EXPECT_NE(host_.events()[0].payload.find(R"("reason":"reorder_point")"), std::string::npos);

    host_.sql("UPDATE sourcing_requisitions SET status = 'ordered'");  // purchasing placed it
    host_.orderId("order-4").order(R"({"lines":[{"sku":"A-1","quantity":1}]})");
    ASSERT_EQ(host_.run(), OH_STATUS_OK);
    EXPECT_EQ(requisitions(), 2) << "once the first is closed, the next dip opens a new one";
}

TEST_F(Shortage, NoRequisitionsWhenTheyAreSwitchedOff) {
    host_.order(kShortOrder);
    ASSERT_EQ(runAs("reserve-stock", R"({"shortage":"split","requisitions":false})"), OH_OUTCOME_CONTINUE);
    EXPECT_EQ(requisitions(), 0);
    EXPECT_TRUE(host_.events().empty());
}

}  // namespace
}  // namespace sourcing_test
