// orderhost.preparation (plugins/preparation), loaded from its .so by the test kit: pick lists
// in walking order with the fallbacks, packing (first-fit decreasing, weight limit, rotation,
// downsizing, an item too large), shortages, idempotent re-runs and compensation, config refusals.
#include <orderhost/testkit.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using orderhost::testkit::FakeHost;

// BOX-L holds 1000 cm-ish units of volume (10x10x10) and 9900 g net; BOX-S 500 and 4950 g net.
constexpr char kConfig[] = R"({"default_warehouse":"WH-1","default_bin":"Z-99",
  "items":{"SMALL":{"weight_g":2500,"length_mm":10,"width_mm":10,"height_mm":3,"bin":"A-2-1"},
           "MED":{"weight_g":1500,"length_mm":10,"width_mm":10,"height_mm":4},
           "BIG":{"weight_g":2000,"length_mm":10,"width_mm":6,"height_mm":10,"bin":"A-1-1"},
           "HEAVY":{"weight_g":4000,"length_mm":10,"width_mm":10,"height_mm":1,"bin":"C-1-1"},
           "ROD":{"weight_g":100,"length_mm":1,"width_mm":1,"height_mm":10,"bin":"R-1"},
           "LONG":{"weight_g":100,"length_mm":11,"width_mm":1,"height_mm":1,"bin":"R-2"}},
  "parcel_types":[{"type":"BOX-S","length_mm":10,"width_mm":10,"height_mm":5,"max_weight_g":5000,"tare_g":50},
                  {"type":"BOX-L","length_mm":10,"width_mm":10,"height_mm":10,"max_weight_g":10000,"tare_g":100}]})";

std::string order(const std::string& lines, const std::string& reserved = "") {
    std::string json = R"({"lines":[)" + lines + "]";
    if (!reserved.empty()) json += R"(,"sourcing":{"status":"reserved","reserved":[)" + reserved + "]}";
    return json + "}";
}

class PickPackStep : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_EQ(create(kConfig), OH_STATUS_OK) << host_.reportedError(); }
    oh_status create(const std::string& config) {
        host_.config(config);
        return host_.create("pick-pack");
    }
    void prepare(const std::string& json) {
        host_.order(json);
        ASSERT_EQ(host_.run(), OH_STATUS_OK) << host_.reportedError();
    }
    std::string refusal(const std::string& config) {
        EXPECT_EQ(create(config), OH_STATUS_INVALID_CONFIG) << config;
        return host_.reportedError();
    }
    FakeHost host_{ORDERHOST_TEST_PLUGIN_SO};
};

TEST_F(PickPackStep, ItsTablesFollowTheNamingConvention) {
    EXPECT_EQ(host_.tablePrefix(), "preparation_");
    EXPECT_EQ(host_.logged("does not start with"), 0u);
}

TEST_F(PickPackStep, PickListsPerWarehouseInWalkingOrder) {
    prepare(order(R"({"sku":"SMALL","quantity":2},{"sku":"MED","quantity":1},{"sku":"BIG","quantity":1},
                     {"sku":"HEAVY","quantity":1})",
                  R"({"sku":"SMALL","warehouse":"WH-2","bin":"B-1-1","quantity":1},
                     {"sku":"MED","warehouse":"WH-10","bin":"A-10-1","quantity":1},
                     {"sku":"BIG","warehouse":"WH-2","bin":"A-10-2","quantity":1},
                     {"sku":"SMALL","warehouse":"WH-2","bin":"a-2-5","quantity":1},
                     {"sku":"HEAVY","quantity":1})"));
    ASSERT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE) << host_.result().message;
    // Warehouses and bins by natural sort: WH-2 before WH-10, aisle a = A, bay 2 before bay 10.
    EXPECT_EQ(host_.orderJson("/preparation/pick_lists"),
              R"([{"warehouse":"WH-1","picks":[{"bin":"C-1-1","sku":"HEAVY","quantity":1}]},)"
              R"({"warehouse":"WH-2","picks":[{"bin":"a-2-5","sku":"SMALL","quantity":1},)"
              R"({"bin":"A-10-2","sku":"BIG","quantity":1},{"bin":"B-1-1","sku":"SMALL","quantity":1}]},)"
              R"({"warehouse":"WH-10","picks":[{"bin":"A-10-1","sku":"MED","quantity":1}]}])");
    EXPECT_EQ(host_.orderString("/preparation/status"), "prepared");
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM preparation_pick_lists WHERE status = 'prepared'"), 3);
    EXPECT_EQ(host_.query("SELECT seq, bin FROM preparation_picks WHERE list_no = 2 ORDER BY seq"),
              R"([{"seq":1,"bin":"a-2-5"},{"seq":2,"bin":"A-10-2"},{"seq":3,"bin":"B-1-1"}])");
}

TEST_F(PickPackStep, WithoutReservationsPicksFromTheDefaultWarehouseAndConfiguredBins) {
    prepare(order(R"({"sku":"MED","quantity":1},{"sku":"SMALL","quantity":1},{"sku":"SMALL","quantity":1})"));
    ASSERT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE) << host_.result().message;
    // SMALL's own bin; MED has none, so default_bin. Lines of one SKU are summed.
    EXPECT_EQ(host_.orderJson("/preparation/pick_lists"),
              R"([{"warehouse":"WH-1","picks":[{"bin":"A-2-1","sku":"SMALL","quantity":2},)"
              R"({"bin":"Z-99","sku":"MED","quantity":1}]}])");
}

TEST_F(PickPackStep, ServiceLinesAreLeftOutCustomLinesArePicked) {
    prepare(order(R"({"sku":"SMALL","quantity":1,"kind":"service"},{"sku":"MED","quantity":1,"kind":"custom"},
                     {"sku":"ROD","quantity":1,"kind":"goods"})"));
    EXPECT_EQ(host_.orderJson("/preparation/pick_lists"),
              R"([{"warehouse":"WH-1","picks":[{"bin":"R-1","sku":"ROD","quantity":1},)"
              R"({"bin":"Z-99","sku":"MED","quantity":1}]}])");
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM preparation_parcel_lines WHERE sku = 'SMALL'"), 0);
}

TEST_F(PickPackStep, AnOrderWithoutGoodsNeedsNoPreparation) {
    prepare(order(R"({"sku":"SMALL","quantity":1,"kind":"service"})"));
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(host_.orderJson("/preparation"), R"({"status":"not_needed","pick_lists":[],"parcels":[]})");
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM preparation_parcels"), 0);
}

TEST_F(PickPackStep, PacksFirstFitDecreasingByVolume) {
    // In line order first fit would pack SMALL, SMALL, MED (1000) and BIG alone; by decreasing
    // volume BIG (600) and MED (400) fill the first box and the two SMALLs (300 each) the second.
    // (SMALL is the heaviest, so a sort by weight would pack differently again.)
    prepare(order(R"({"sku":"SMALL","quantity":2},{"sku":"MED","quantity":1},{"sku":"BIG","quantity":1})"));
    ASSERT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE) << host_.result().message;
    EXPECT_EQ(host_.orderJson("/preparation/parcels"),
              R"([{"parcel":1,"warehouse":"WH-1","type":"BOX-L","weight_g":3600,"length_mm":10,"width_mm":10,)"
              R"("height_mm":10,"lines":[{"sku":"BIG","quantity":1},{"sku":"MED","quantity":1}]},)"
              R"({"parcel":2,"warehouse":"WH-1","type":"BOX-L","weight_g":5100,"length_mm":10,"width_mm":10,)"
              R"("height_mm":10,"lines":[{"sku":"SMALL","quantity":2}]}])");
    EXPECT_EQ(host_.queryInt("SELECT SUM(weight_g) FROM preparation_parcels WHERE status = 'prepared'"), 8700);
}

// A parcel leaves from one warehouse: goods picked in two are packed apart, even where one box
// would hold them all (before, MED of WH-2 and SMALL of WH-1 shared a parcel: stop 46's probe).
// max_parcels counts the parcels of every warehouse.
TEST_F(PickPackStep, GoodsOfTwoWarehousesNeverShareAParcel) {
    const std::string twoWarehouses = order(R"({"sku":"SMALL","quantity":1},{"sku":"MED","quantity":1})",
                                            R"({"sku":"MED","warehouse":"WH-2","bin":"B-1","quantity":1})");
    prepare(twoWarehouses);
    ASSERT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE) << host_.result().message;
    EXPECT_EQ(host_.orderJson("/preparation/parcels"),
              R"([{"parcel":1,"warehouse":"WH-1","type":"BOX-S","weight_g":2550,"length_mm":10,"width_mm":10,)"
              R"("height_mm":5,"lines":[{"sku":"SMALL","quantity":1}]},)"
              R"({"parcel":2,"warehouse":"WH-2","type":"BOX-S","weight_g":1550,"length_mm":10,"width_mm":10,)"
              R"("height_mm":5,"lines":[{"sku":"MED","quantity":1}]}])");
    EXPECT_EQ(host_.query("SELECT parcel, warehouse FROM preparation_parcels ORDER BY parcel"),
              R"([{"parcel":1,"warehouse":"WH-1"},{"parcel":2,"warehouse":"WH-2"}])");
    // A re-run reads the same from the tables.
    const std::optional<std::string> first = host_.orderJson("/preparation");
    prepare(*host_.orderJson());
    EXPECT_EQ(host_.orderJson("/preparation"), first);
    host_.orderId("one-parcel-only");
    std::string config = kConfig;
    config.replace(config.rfind('}'), 1, R"(,"max_parcels":1})");
    ASSERT_EQ(create(config), OH_STATUS_OK) << host_.reportedError();
    prepare(twoWarehouses);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_FAIL);
    EXPECT_EQ(host_.result().code, "too_many_parcels") << host_.result().message;
}

TEST_F(PickPackStep, TheWeightLimitOpensAnotherParcelAndALightOneIsDownsized) {
    // 3 x 4000 g: BOX-L takes 9900 g net, so two units; the third alone fits BOX-S (4950 g net).
    prepare(order(R"({"sku":"HEAVY","quantity":3})"));
    ASSERT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE) << host_.result().message;
    EXPECT_EQ(
        host_.query("SELECT parcel, parcel_type, weight_g FROM preparation_parcels ORDER BY parcel"),
        R"([{"parcel":1,"parcel_type":"BOX-L","weight_g":8100},{"parcel":2,"parcel_type":"BOX-S","weight_g":4050}])");
    EXPECT_EQ(host_.query("SELECT parcel, quantity FROM preparation_parcel_lines ORDER BY parcel"),
              R"([{"parcel":1,"quantity":2},{"parcel":2,"quantity":1}])");
}

TEST_F(PickPackStep, AnItemFitsTurnedOnItsSide) {
    prepare(order(R"({"sku":"ROD","quantity":1})"));  // 1x1x10 lies down in BOX-S (10x10x5)
    ASSERT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE) << host_.result().message;
    EXPECT_EQ(host_.orderString("/preparation/parcels/0/type"), "BOX-S");
}

TEST_F(PickPackStep, AnItemThatFitsNoParcelFailsNamingTheSku) {
    prepare(order(R"({"sku":"SMALL","quantity":1},{"sku":"LONG","quantity":1})"));
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_FAIL);
    EXPECT_EQ(host_.result().code, "item_too_large");
    EXPECT_NE(host_.result().message.find("SKU LONG (11x1x1 mm, 100 g)"), std::string::npos) << host_.result().message;
    EXPECT_FALSE(host_.result().kept);
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM preparation_pick_lists"), 0) << "a failed packing left rows";
}

TEST_F(PickPackStep, MissingSizesOrBinsFailNamingTheSku) {
    prepare(order(R"({"sku":"UNKNOWN-9","quantity":1})"));
    EXPECT_EQ(host_.result().code, "item_dimensions_missing");
    EXPECT_NE(host_.result().message.find("items.UNKNOWN-9"), std::string::npos) << host_.result().message;

    ASSERT_EQ(create(R"({"default_warehouse":"WH-1","items":{"MED":{"weight_g":1,"length_mm":1,"width_mm":1,)"
                     R"("height_mm":1}},"parcel_types":[{"type":"B","length_mm":5,"width_mm":5,"height_mm":5,)"
                     R"("max_weight_g":100}]})"),
              OH_STATUS_OK);
    prepare(order(R"({"sku":"MED","quantity":1})"));
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_FAIL);
    EXPECT_EQ(host_.result().code, "bin_missing");
    EXPECT_NE(host_.result().message.find("SKU MED"), std::string::npos) << host_.result().message;
}

TEST_F(PickPackStep, WhatTheReservationsDoNotCoverIsShortNotPacked) {
    prepare(order(R"({"sku":"SMALL","quantity":3})", R"({"sku":"SMALL","warehouse":"WH-2","bin":"A-1","quantity":1})"));
    ASSERT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE) << host_.result().message;
    EXPECT_EQ(host_.orderJson("/preparation/short"), R"([{"sku":"SMALL","quantity":2}])");
    EXPECT_EQ(host_.queryInt("SELECT SUM(quantity) FROM preparation_parcel_lines"), 1);
}

// Sourcing reserves goods lines only; a custom line of the same SKU (a made-to-order variant)
// is made, not reserved, and must not read as a shortage of the stocked line (it was charged and
// never picked: stop 46's probe). It is picked where the factory delivers, default_warehouse.
TEST_F(PickPackStep, ACustomLineOfAStockedSkuIsPickedNotTakenForAShortage) {
    prepare(order(R"({"sku":"SMALL","quantity":1,"kind":"custom"},{"sku":"SMALL","quantity":2})",
                  R"({"sku":"SMALL","warehouse":"WH-2","bin":"B-1","quantity":2})"));
    ASSERT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE) << host_.result().message;
    EXPECT_EQ(host_.orderJson("/preparation/short"), std::nullopt) << *host_.orderJson("/preparation");
    EXPECT_EQ(host_.orderJson("/preparation/pick_lists"),
              R"([{"warehouse":"WH-1","picks":[{"bin":"A-2-1","sku":"SMALL","quantity":1}]},)"
              R"({"warehouse":"WH-2","picks":[{"bin":"B-1","sku":"SMALL","quantity":2}]}])");
    EXPECT_EQ(host_.queryInt("SELECT SUM(quantity) FROM preparation_parcel_lines"), 3);
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM preparation_shortages"), 0);
    // A stocked shortfall stays short; the custom unit is still picked.
    host_.orderId("another-order");
    prepare(order(R"({"sku":"SMALL","quantity":3},{"sku":"SMALL","quantity":1,"kind":"custom"})",
                  R"({"sku":"SMALL","warehouse":"WH-2","bin":"B-1","quantity":1})"));
    EXPECT_EQ(host_.orderJson("/preparation/short"), R"([{"sku":"SMALL","quantity":2}])");
    EXPECT_EQ(host_.orderJson("/preparation/pick_lists"),
              R"([{"warehouse":"WH-1","picks":[{"bin":"A-2-1","sku":"SMALL","quantity":1}]},)"
              R"({"warehouse":"WH-2","picks":[{"bin":"B-1","sku":"SMALL","quantity":1}]}])");
}

// shortage: split with no stock of MED anywhere: sourcing reserves none of it and lists it
// under /sourcing/backordered only. It is short, not picked in full from default_warehouse as
// if no sourcing step had run (billing leaves it off the invoice: it shipped uncharged).
TEST_F(PickPackStep, ASkuSourcingCouldNotReserveAtAllIsShortNotPickedFromTheDefaultWarehouse) {
    std::string json = order(R"({"sku":"SMALL","quantity":1},{"sku":"MED","quantity":2})",
                             R"({"sku":"SMALL","warehouse":"WH-2","bin":"B-1","quantity":1})");
    json.replace(json.rfind("]}"), 2, R"(],"backordered":[{"sku":"MED","quantity":2}]})");
    prepare(json);
    ASSERT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE) << host_.result().message;
    EXPECT_EQ(host_.orderJson("/preparation/short"), R"([{"sku":"MED","quantity":2}])");
    EXPECT_EQ(host_.orderJson("/preparation/pick_lists"),
              R"([{"warehouse":"WH-2","picks":[{"bin":"B-1","sku":"SMALL","quantity":1}]}])");
    EXPECT_EQ(host_.queryInt("SELECT SUM(quantity) FROM preparation_parcel_lines"), 1);
    // Every good short: only shortages are stored, and a re-run reports them (it inserted them
    // again and failed on their key before: a review).
    host_.orderId("all-short");
    json = order(R"({"sku":"MED","quantity":2})", "");
    json.replace(json.rfind('}'), 1, R"(,"sourcing":{"reserved":[],"backordered":[{"sku":"MED","quantity":2}]}})");
    prepare(json);
    ASSERT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE) << host_.result().message;
    const std::optional<std::string> first = host_.orderJson("/preparation");
    EXPECT_EQ(host_.orderJson("/preparation/parcels"), "[]");
    prepare(json);
    ASSERT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE) << host_.result().message;
    EXPECT_EQ(host_.orderJson("/preparation"), first);
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM preparation_shortages WHERE order_id = 'all-short'"), 1);
}

TEST_F(PickPackStep, ARerunReportsTheStoredPreparationAndStoresNothingNew) {
    const std::string goods = order(R"({"sku":"HEAVY","quantity":3})");
    prepare(goods);
    const auto first = host_.orderJson("/preparation");
    prepare(goods);  // e.g. the host died after the commit, before the next step
    EXPECT_EQ(host_.orderJson("/preparation"), first);
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM preparation_parcels"), 2);
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM preparation_picks"), 1);
}

// A run writes /preparation from its plan, a rerun from the tables: the same JSON, with several
// pick lists, parcels with several lines and shortages.
TEST_F(PickPackStep, WhatARunReportsIsWhatItsTablesSay) {
    const std::string goods = order(
        R"({"sku":"SMALL","quantity":3},{"sku":"MED","quantity":2},{"sku":"BIG","quantity":1},
           {"sku":"HEAVY","quantity":3})",
        R"({"sku":"SMALL","warehouse":"WH-10","bin":"B-1-1","quantity":1},
           {"sku":"SMALL","warehouse":"WH-2","bin":"a-2-5","quantity":1},
           {"sku":"MED","warehouse":"WH-2","bin":"A-10-1","quantity":2},
           {"sku":"BIG","warehouse":"WH-2","bin":"A-10-2","quantity":1},{"sku":"HEAVY","quantity":2})");
    prepare(goods);
    ASSERT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE) << host_.result().message;
    const auto first = host_.orderJson("/preparation");
    ASSERT_TRUE(first);
    EXPECT_EQ(host_.orderJson("/preparation/short"), R"([{"sku":"HEAVY","quantity":1},{"sku":"SMALL","quantity":1}])");
    EXPECT_GE(host_.queryInt("SELECT COUNT(*) FROM preparation_parcels"), 2);
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM preparation_pick_lists"), 3);
    prepare(goods);
    EXPECT_EQ(host_.orderJson("/preparation"), first);
}

TEST_F(PickPackStep, CompensationCancelsPickListsAndParcelsOnce) {
    prepare(order(R"({"sku":"HEAVY","quantity":3})"));
    host_.now(5000);
    ASSERT_EQ(host_.compensate(), OH_STATUS_OK) << host_.reportedError();
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(host_.orderString("/preparation/status"), "cancelled");
    EXPECT_EQ(host_.queryInt(
                  "SELECT COUNT(*) FROM preparation_parcels WHERE status = 'cancelled' AND cancelled_at_ms = 5000"),
              2);
    host_.now(9000);
    ASSERT_EQ(host_.compensate(2), OH_STATUS_OK);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM preparation_pick_lists WHERE cancelled_at_ms = 5000"), 1)
        << "a repeated undo changed the record";
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM preparation_parcels WHERE status <> 'cancelled'"), 0);
}

TEST_F(PickPackStep, CompensatingAnOrderThatWasNeverPreparedDoesNothing) {
    host_.order(order(R"({"sku":"HEAVY","quantity":1})"));
    ASSERT_EQ(host_.compensate(), OH_STATUS_OK);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_FALSE(host_.orderJson("/preparation").has_value());
}

TEST_F(PickPackStep, SizesAndBinsCanComeFromTheItemsTable) {
    ASSERT_EQ(create(R"({"default_warehouse":"WH-1","items_source":"table","parcel_types":[)"
                     R"({"type":"B","length_mm":50,"width_mm":50,"height_mm":50,"max_weight_g":1000}]})"),
              OH_STATUS_OK)
        << host_.reportedError();
    host_.sql(
        "INSERT INTO preparation_items (sku, weight_g, length_mm, width_mm, height_mm, bin)"
        " VALUES ('TBL-1', 300, 20, 20, 20, 'K-4-2')");
    prepare(order(R"({"sku":"TBL-1","quantity":2})"));
    ASSERT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE) << host_.result().message;
    EXPECT_EQ(host_.orderString("/preparation/pick_lists/0/picks/0/bin"), "K-4-2");
    EXPECT_EQ(host_.orderInt("/preparation/parcels/0/weight_g"), 600);
}

TEST_F(PickPackStep, RefusesBadConfigNamingTheField) {
    const std::string box = R"({"type":"B","length_mm":5,"width_mm":5,"height_mm":5,"max_weight_g":100})";
    EXPECT_NE(refusal(R"({"items":{},"parcel_types":[)" + box + "]}").find("default_warehouse"), std::string::npos);
    EXPECT_NE(refusal(R"({"default_warehouse":"W","items":{}})").find("parcel_types"), std::string::npos);
    EXPECT_NE(refusal(R"({"default_warehouse":"W","items":{},"parcel_types":[{"type":"B","length_mm":5,"width_mm":5,)"
                      R"("height_mm":5,"max_weight_g":0}]})")
                  .find("parcel_types[0].max_weight_g"),
              std::string::npos)
        << host_.reportedError();
    EXPECT_NE(refusal(R"({"default_warehouse":"W","items":{},"parcel_types":[)" + box + "," + box + "]}")
                  .find("parcel_types[1].type"),
              std::string::npos)
        << host_.reportedError();
    EXPECT_NE(refusal(R"({"default_warehouse":"W","items":{"X-1":{"weight_g":1,"length_mm":-3,"width_mm":1,)"
                      R"("height_mm":1}},"parcel_types":[)" +
                      box + "]}")
                  .find("items.X-1.length_mm"),
              std::string::npos)
        << host_.reportedError();
    EXPECT_NE(
        refusal(R"({"default_warehouse":"W","items_source":"erp","parcel_types":[)" + box + "]}").find("items_source"),
        std::string::npos);
    EXPECT_NE(refusal(R"({"default_warehouse":"W","items":{},"fill_percent":0,"parcel_types":[)" + box + "]}")
                  .find("fill_percent"),
              std::string::npos);
    EXPECT_NE(refusal(R"({"default_warehouse":"W","items":{},"parcel_types":[{"type":"B","length_mm":5,"width_mm":5,)"
                      R"("height_mm":5,"max_weight_g":100,"tare_g":100}]})")
                  .find("parcel_types[0].tare_g"),
              std::string::npos);
}

}  // namespace
