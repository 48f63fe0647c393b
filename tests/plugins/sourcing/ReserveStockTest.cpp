// orderhost.sourcing · reserve-stock through the SDK's test kit: warehouse choice, the ledger,
// idempotency, unknown SKUs, compensation, the demo seed and the configuration's errors.
// Shortage policies and requisitions: ShortageTest.cpp; issue-stock and restock:
// IssueRestockTest.cpp.
#include "SourcingFixture.h"

namespace sourcing_test {
namespace {

class ReserveStock : public SourcingTest {};

TEST_F(ReserveStock, ItsTablesFollowTheNamingConventionAndAreAtVersion3) {
    EXPECT_EQ(host_.tablePrefix(), "sourcing_");
    EXPECT_EQ(host_.logged("does not start with"), 0u);
    EXPECT_EQ(host_.queryInt("SELECT MAX(version) FROM plugin_migrations WHERE plugin_id = 'orderhost.sourcing'"), 3);
}

TEST_F(ReserveStock, PriorityRuleTakesTheHighestPriorityWarehouseFirstThenTheNext) {
    receive("WH-A", "A-1", 3, "A-01");
    receive("WH-B", "A-1", 10, "B-07");
    host_.order(R"({"lines":[{"sku":"A-1","quantity":2},{"sku":"A-1","quantity":3}]})");
    ASSERT_EQ(runAs("reserve-stock"), OH_OUTCOME_CONTINUE) << host_.result().message;
    EXPECT_EQ(reserved("WH-A", "A-1"), 3);
    EXPECT_EQ(reserved("WH-B", "A-1"), 2);
    EXPECT_EQ(host_.orderString("/sourcing/status"), "reserved");
    EXPECT_EQ(host_.orderJson("/sourcing/reserved"), R"([{"sku":"A-1","warehouse":"WH-A","bin":"A-01","quantity":3},)"
                                                     R"({"sku":"A-1","warehouse":"WH-B","bin":"B-07","quantity":2}])");
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM sourcing_movements WHERE movement = 'reserve'"), 2);
    expectReconciled();
}

TEST_F(ReserveStock, SingleWarehouseRuleShipsTheWholeOrderFromOnePlace) {
    receive("WH-A", "A-1", 10);
    receive("WH-B", "A-1", 10);
    receive("WH-B", "B-2", 1);
    host_.order(R"({"lines":[{"sku":"A-1","quantity":5},{"sku":"B-2","quantity":1}]})");
    ASSERT_EQ(runAs("reserve-stock", R"({"warehouse_rule":"single_warehouse"})"), OH_OUTCOME_CONTINUE);
    EXPECT_EQ(reserved("WH-A", "A-1"), 0) << "WH-A cannot ship B-2, so the whole order comes from WH-B";
    EXPECT_EQ(reserved("WH-B", "A-1"), 5);
    EXPECT_EQ(reserved("WH-B", "B-2"), 1);
    expectReconciled();
}

TEST_F(ReserveStock, SingleWarehouseRuleFallsBackToPriorityWhenNoWarehouseHasEverything) {
    receive("WH-A", "A-1", 4);
    receive("WH-B", "A-1", 4);
    host_.order(R"({"lines":[{"sku":"A-1","quantity":6}]})");
    ASSERT_EQ(runAs("reserve-stock", R"({"warehouse_rule":"single_warehouse"})"), OH_OUTCOME_CONTINUE);
    EXPECT_EQ(reserved("WH-A", "A-1"), 4);
    EXPECT_EQ(reserved("WH-B", "A-1"), 2);
}

TEST_F(ReserveStock, ASecondRunReservesNothingTwice) {
    receive("WH-A", "A-1", 5);
    host_.order(R"({"lines":[{"sku":"A-1","quantity":3}]})");
    ASSERT_EQ(runAs("reserve-stock"), OH_OUTCOME_CONTINUE);
    ASSERT_EQ(host_.run(2), OH_STATUS_OK);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(reserved("WH-A", "A-1"), 3);
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM sourcing_allocations"), 1);
    EXPECT_EQ(host_.orderJson("/sourcing/reserved"), R"([{"sku":"A-1","warehouse":"WH-A","bin":"","quantity":3}])");
    expectReconciled();
}

TEST_F(ReserveStock, UnknownSkusRejectByDefaultAndAreListedWhenIgnored) {
    receive("WH-A", "A-1", 5);
    host_.order(R"({"lines":[{"sku":"A-1","quantity":1},{"sku":"ZZ-9","quantity":1}]})");
    EXPECT_EQ(runAs("reserve-stock"), OH_OUTCOME_REJECT);
    EXPECT_EQ(host_.result().code, "unknown_sku");
    EXPECT_EQ(reserved("WH-A", "A-1"), 0);

    host_.order(R"({"lines":[{"sku":"A-1","quantity":1},{"sku":"ZZ-9","quantity":1}]})");
    EXPECT_EQ(runAs("reserve-stock", R"({"unknown_sku":"ignore"})"), OH_OUTCOME_CONTINUE);
    EXPECT_EQ(host_.orderJson("/sourcing/unknown_skus"), R"(["ZZ-9"])");
    EXPECT_EQ(reserved("WH-A", "A-1"), 1);
}

TEST_F(ReserveStock, ServiceAndCustomLinesHaveNoStockAndAreNotSourced) {
    receive("WH-A", "A-1", 5);
    host_.order(R"({"lines":[{"sku":"A-1","quantity":1},{"sku":"SUPPORT-1Y","quantity":1,"kind":"service"},)"
                R"({"sku":"CABINET","quantity":1,"kind":"custom"}]})");
    EXPECT_EQ(runAs("reserve-stock"), OH_OUTCOME_CONTINUE) << host_.result().message;
    EXPECT_EQ(host_.orderJson("/sourcing/unknown_skus"), "[]");
    EXPECT_EQ(reserved("WH-A", "A-1"), 1);
}

TEST_F(ReserveStock, CompensationReleasesOnceEvenWhenRepeated) {
    receive("WH-A", "A-1", 2);
    receive("WH-B", "A-1", 5);
    host_.order(R"({"lines":[{"sku":"A-1","quantity":4}]})");
    ASSERT_EQ(runAs("reserve-stock"), OH_OUTCOME_CONTINUE);
    ASSERT_EQ(host_.compensate(), OH_STATUS_OK);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(reserved("WH-A", "A-1"), 0);
    EXPECT_EQ(reserved("WH-B", "A-1"), 0);
    EXPECT_EQ(host_.orderString("/sourcing/status"), "released");
    EXPECT_EQ(
        host_.orderJson("/sourcing/released"),
        R"([{"sku":"A-1","warehouse":"WH-A","bin":"","quantity":2},{"sku":"A-1","warehouse":"WH-B","bin":"","quantity":2}])");
    host_.compensate(2);  // after a crash the host may call it again
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(reserved("WH-B", "A-1"), 0);
    EXPECT_EQ(host_.orderJson("/sourcing/released"), "[]");
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM sourcing_movements WHERE movement = 'release'"), 2);
    expectReconciled();
}

TEST_F(ReserveStock, FailsOnANonPositiveQuantityAndRollsBack) {
    receive("WH-A", "A-1", 5);
    host_.order(R"({"lines":[{"sku":"A-1","quantity":2},{"sku":"B-2","quantity":0}]})");
    EXPECT_EQ(runAs("reserve-stock"), OH_OUTCOME_FAIL);
    EXPECT_NE(host_.result().message.find("must be positive"), std::string::npos) << host_.result().message;
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM sourcing_allocations"), 0);
}

constexpr char kSeed[] = R"({"seed":{
  "warehouses":[{"warehouse":"DEMO-1","name":"Demo","priority":5}],
  "stock":[{"warehouse":"DEMO-1","sku":"BOLT-M8","bin":"R1-S2","on_hand":500}],
  "suppliers":[{"supplier":"SUP-DEMO","name":"Demo supplier","email":"buy@example.com"}],
  "sku_suppliers":[{"sku":"BOLT-M8","supplier":"SUP-DEMO","reorder_point":100,"reorder_quantity":1000}]}})";

TEST_F(ReserveStock, TheDemoSeedIsInsertedOnlyIntoAnEmptyWarehouseTable) {
    host_.sql("DELETE FROM sourcing_warehouses");
    host_.order(R"({"lines":[{"sku":"BOLT-M8","quantity":10}]})");
    ASSERT_EQ(runAs("reserve-stock", kSeed), OH_OUTCOME_CONTINUE) << host_.result().message;
    EXPECT_EQ(host_.orderJson("/sourcing/reserved"),
              R"([{"sku":"BOLT-M8","warehouse":"DEMO-1","bin":"R1-S2","quantity":10}])");
    host_.sql("UPDATE sourcing_sku_suppliers SET reorder_point = 0");
    host_.orderId("order-2").order(R"({"lines":[{"sku":"BOLT-M8","quantity":10}]})");
    ASSERT_EQ(host_.run(), OH_STATUS_OK);
    EXPECT_EQ(onHand("DEMO-1", "BOLT-M8"), 500) << "the seed was applied twice";
    EXPECT_EQ(reserved("DEMO-1", "BOLT-M8"), 20);
    EXPECT_EQ(host_.queryInt("SELECT reorder_point FROM sourcing_sku_suppliers"), 0) << "the seed overwrote a change";
    expectReconciled();
}

TEST_F(ReserveStock, RefusesBadSettingsNamingTheField) {
    const std::pair<const char*, const char*> cases[] = {
        {R"({"shortage":"maybe"})", "'shortage'"},
        {R"({"warehouse_rule":"nearest"})", "'warehouse_rule'"},
        {R"({"unknown_sku":"maybe"})", "'unknown_sku'"},
        {R"({"shortge":"split"})", "'shortge' is unknown"},
        {R"({"requisitions":"yes"})", "'requisitions'"},
        {R"({"seed":{"warehouses":[{"warehouse":"W"}],"stock":[{"warehouse":"W","sku":"A","on_hand":-1}]}})",
         "'seed.stock[0].on_hand'"},
        {R"({"seed":{"warehouses":[{"warehouse":"W"}],"stock":[{"warehouse":"X","sku":"A"}]}})",
         "'seed.stock[0].warehouse' names \"X\""},
        {R"({"seed":{"warehouses":[{"warehouse":"W"},{"warehouse":"V"},{"warehouse":"W"}]}})",
         "'seed.warehouses[2].warehouse' repeats warehouse \"W\""},
        {R"({"seed":{"warehouses":[{"warehouse":"W"}],"stock":[{"warehouse":"W","sku":"A"},{"warehouse":"W","sku":"A"}]}})",
         "'seed.stock[1].sku' repeats SKU \"A\" in warehouse \"W\""},
        {R"({"seed":{"suppliers":[{"supplier":"S"},{"supplier":"S"}]}})", "'seed.suppliers[1].supplier'"},
        {R"({"seed":{"warehouses":[{"warehouse":"W"}],"suppliers":[{"supplier":"S"},{"supplier":"T"}],)"
         R"("sku_suppliers":[{"sku":"A","supplier":"S"},{"sku":"A","supplier":"T"}]}})",
         "'seed.sku_suppliers[1].sku' repeats SKU \"A\""},
    };
    for (const auto& [config, expected] : cases) {
        host_.config(config);
        EXPECT_EQ(host_.create("reserve-stock"), OH_STATUS_INVALID_CONFIG) << config;
        EXPECT_NE(host_.reportedError().find(expected), std::string::npos) << config << ": " << host_.reportedError();
    }
    host_.config(R"({"shortage":"split"})");
    EXPECT_EQ(host_.create("issue-stock"), OH_STATUS_INVALID_CONFIG);
    EXPECT_NE(host_.reportedError().find("'shortage' is unknown"), std::string::npos) << host_.reportedError();
}

}  // namespace
}  // namespace sourcing_test
