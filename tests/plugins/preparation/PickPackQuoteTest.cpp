// orderhost.preparation · pick-pack in quote mode (ABI 1.2, host.quote()): the parcels a quote's
// shipping rates are priced on (and what the planned reservation leaves short), packed by the
// same code as a run, with nothing stored — triggers that abort any write to the plugin's
// tables are armed while it answers.
#include <orderhost/testkit.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using orderhost::testkit::FakeHost;

constexpr char kQuoteConfig[] = R"({"default_warehouse":"WH-1",
  "items":{"DRILL":{"weight_g":2100,"length_mm":320,"width_mm":260,"height_mm":110,"bin":"C-4"},
           "BOLT":{"weight_g":10,"length_mm":40,"width_mm":10,"height_mm":10,"bin":"A-1"}},
  "parcel_types":[{"type":"SMALL","length_mm":350,"width_mm":250,"height_mm":150,"max_weight_g":5000,"tare_g":150},
                  {"type":"LARGE","length_mm":600,"width_mm":400,"height_mm":400,"max_weight_g":31500,"tare_g":600}]})";
constexpr char kOrder[] = R"({"lines":[{"sku":"DRILL","quantity":3},{"sku":"BOLT","quantity":100}],
  "sourcing":{"status":"partially_available","reserved":[{"sku":"BOLT","warehouse":"WH-2","bin":"K-12","quantity":90},
                                                         {"sku":"DRILL","warehouse":"WH-2","bin":"M-2","quantity":2}]}})";
constexpr const char* kTables[] = {"preparation_pick_lists", "preparation_picks", "preparation_parcels",
                                   "preparation_parcel_lines", "preparation_shortages"};

TEST(PickPackQuote, PacksTheParcelsAsARunWouldAndStoresNothing) {
    FakeHost host(ORDERHOST_TEST_PLUGIN_SO);
    ASSERT_EQ(host.config(kQuoteConfig).create("pick-pack"), OH_STATUS_OK) << host.reportedError();
    for (const char* table : kTables)
        host.sql(std::string("CREATE TRIGGER guard_") + table + " BEFORE INSERT ON " + table +
                 " BEGIN SELECT RAISE(ABORT, 'a quote wrote " + table + "'); END");
    host.orderId("quote-1").order(kOrder);
    ASSERT_EQ(host.quote(), OH_STATUS_OK) << host.reportedError();
    ASSERT_EQ(host.result().kind, OH_OUTCOME_CONTINUE) << host.result().code << ": " << host.result().message;
    EXPECT_EQ(host.orderString("/preparation/status"), "quoted");
    const std::string quoted = *host.orderJson("/preparation/parcels");
    const std::string picks = *host.orderJson("/preparation/pick_lists");
    const std::string shortages = *host.orderJson("/preparation/short");
    EXPECT_EQ(host.orderJson("/preparation/pick_lists/0/warehouse"), R"("WH-2")") << "from the planned reservation";

    host.orderId("order-1").order(kOrder);
    host.run();
    EXPECT_NE(host.result().kind, OH_OUTCOME_CONTINUE) << "the write guard did not stop a run";
    for (const char* table : kTables) host.sql(std::string("DROP TRIGGER guard_") + table);
    ASSERT_EQ(host.run(), OH_STATUS_OK) << host.reportedError();
    ASSERT_EQ(host.result().kind, OH_OUTCOME_CONTINUE) << host.result().message;
    EXPECT_EQ(host.orderJson("/preparation/parcels"), quoted) << "a run packs what the quote priced";
    EXPECT_EQ(host.orderJson("/preparation/pick_lists"), picks);
    EXPECT_EQ(host.orderJson("/preparation/short"), shortages);
    EXPECT_EQ(shortages, R"([{"sku":"BOLT","quantity":10},{"sku":"DRILL","quantity":1}])");
    EXPECT_EQ(host.queryInt("SELECT COUNT(*) FROM preparation_parcels WHERE order_id = 'quote-1'"), 0);
}

// A draft the stock cannot serve under shortage: backorder: the reserve step's quote suspends
// and reserves nothing, so every unit is planned from default_warehouse, where a SKU needs no
// bin for a quote (no pick list is stored). It answered FAIL bin_missing (a black-box probe:
// such a draft could never be quoted, nor placed from a quote); a run still needs the bin.
TEST(PickPackQuote, ABackorderingDraftIsQuotedWithoutBinsButARunStillNeedsThem) {
    FakeHost host(ORDERHOST_TEST_PLUGIN_SO);
    ASSERT_EQ(host.config(R"({"default_warehouse":"WH-1",
        "items":{"BOLT":{"weight_g":10,"length_mm":40,"width_mm":10,"height_mm":10}},
        "parcel_types":[{"type":"BOX","length_mm":400,"width_mm":300,"height_mm":200,"max_weight_g":31500}]})")
                  .create("pick-pack"),
              OH_STATUS_OK)
        << host.reportedError();
    const std::string backordered =
        R"({"lines":[{"sku":"BOLT","quantity":100}],"sourcing":{"status":"backordered","reserved":[]}})";
    host.orderId("quote-2").order(backordered);
    ASSERT_EQ(host.quote(), OH_STATUS_OK) << host.reportedError();
    ASSERT_EQ(host.result().kind, OH_OUTCOME_CONTINUE) << host.result().code << ": " << host.result().message;
    EXPECT_EQ(host.orderJson("/preparation/parcels/0/lines"), R"([{"sku":"BOLT","quantity":100}])");
    EXPECT_EQ(host.orderJson("/preparation/pick_lists"),
              R"([{"warehouse":"WH-1","picks":[{"bin":"","sku":"BOLT","quantity":100}]}])");
    host.orderId("order-2").order(backordered);
    ASSERT_EQ(host.run(), OH_STATUS_OK) << host.reportedError();
    EXPECT_EQ(host.result().code, "bin_missing") << "a stored pick list needs its bin";
}

}  // namespace
