// orderhost.shipping (plugins/shipping), loaded from its .so by the test kit, booking with the
// carrier simulator (scripts/simulators/carrier.py) as a real process: the carrier's ledger
// proves what it saw (booked once, cancelled once), the kit's database what the plugin stored.
#include "ShippingTestConfig.h"
#include "tests/support/CarrierSimulator.h"

#include <orderhost/testkit.hpp>

#include <Poco/JSON/Array.h>
#include <gtest/gtest.h>

#include <string>

namespace {

using orderhost::testing::CarrierSimulator;
using orderhost::testkit::FakeHost;
using shippingtest::order;

class ShippingStep : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(host_.config(shippingtest::bookConfig(carrier_.url())).create("book-shipment"), OH_STATUS_OK)
            << host_.reportedError();
    }

    // Books the default order and checks it waits for pickup; returns the shipment id.
    std::string bookAndWait(const std::string& attributes = "{}", const std::string& extra = "") {
        host_.order(order(attributes, extra));
        EXPECT_EQ(host_.run(), OH_STATUS_OK) << host_.reportedError();
        EXPECT_EQ(host_.result().kind, OH_OUTCOME_SUSPEND) << host_.result().message;
        return host_.orderString("/shipping/shipment_id").value_or("");
    }

    // Adds a signal's payload to the order, as the host does before it runs the step again.
    void signal(const std::string& name, const std::string& payload) {
        std::string json = *host_.orderJson();
        const std::size_t consumed = json.find(R"(,"signals":{})");  // left by an earlier wake-up
        if (consumed != std::string::npos) json.erase(consumed, 13);
        ASSERT_EQ(json.find("\"signals\""), std::string::npos) << json;
        json.pop_back();
        host_.order(json + R"(,"signals":{")" + name + R"(":)" + payload + "}}");
    }

    CarrierSimulator carrier_;
    FakeHost host_{ORDERHOST_TEST_PLUGIN_SO};
};

TEST_F(ShippingStep, BooksTheCheapestServiceThatMeetsTheDefaultPromiseAndWaitsForPickup) {
    const std::string id = bookAndWait();
    EXPECT_EQ(host_.result().signal, "shipment_tracking");
    EXPECT_EQ(host_.result().code, "awaiting_pickup");
    EXPECT_EQ(host_.orderString("/shipping/carrier"), "simcarrier");
    EXPECT_EQ(host_.orderString("/shipping/service"), "economy");           // 3 days <= 5, cheaper than express
    EXPECT_EQ(host_.orderInt("/shipping/cost_minor"), 1290);                // 3100 g: the second bracket
    EXPECT_EQ(host_.orderString("/shipping/promised_date"), "2026-01-06");  // the kit's today + 5 days
    EXPECT_EQ(host_.orderString("/shipping/status"), "booked");
    EXPECT_EQ(host_.orderString("/shipping/tracking_number"),
              carrier_.shipment(id)->getValue<std::string>("tracking_number"));
    EXPECT_EQ(
        host_.query("SELECT order_id, carrier, service, status, cost_minor, currency, parcel_count, weight_g"
                    " FROM shipping_shipments"),
        R"([{"order_id":"order-1","carrier":"simcarrier","service":"economy","status":"booked","cost_minor":1290,)"
        R"("currency":"EUR","parcel_count":1,"weight_g":3100}])");
    EXPECT_EQ(carrier_.count("booking"), 1);
    const auto callback = carrier_.shipment(id)->getObject("callback");
    EXPECT_EQ(callback->getValue<std::string>("order_id"), "order-1");
    // Acknowledged, not refused, once the order waits for nothing: the carrier stops retrying.
    const std::string url = callback->getValue<std::string>("url");
    EXPECT_EQ(url.substr(url.find("/v1/")), "/v1/orders/order-1/signals/shipment_tracking?if_not_waiting=acknowledge");
}

TEST_F(ShippingStep, APromisedDateTooCloseForEconomyTakesExpressAndAnImpossibleOneIsMarkedLate) {
    bookAndWait(R"({"promised_date": "2026-01-02"})");
    EXPECT_EQ(host_.orderString("/shipping/service"), "express");
    EXPECT_EQ(host_.orderInt("/shipping/cost_minor"), 3900);
    EXPECT_EQ(host_.orderJson("/shipping/late"), "false");

    host_.orderId("order-2");
    bookAndWait(R"({"promised_date": "2025-12-31"})");  // already past: the fastest, marked late
    EXPECT_EQ(host_.orderString("/shipping/service"), "express");
    EXPECT_EQ(host_.orderJson("/shipping/late"), "true");
}

TEST_F(ShippingStep, ParcelsFromPreparationArePricedOneByOne) {
    const std::string id = bookAndWait("{}", R"(, "preparation": {"parcels": [
        {"parcel": 1, "weight_g": 1500, "length_mm": 300, "width_mm": 200, "height_mm": 100, "lines": [0]},
        {"parcel": "P2", "weight_g": 2500, "length_mm": 400, "width_mm": 300, "height_mm": 200, "lines": [1]}]})");
    EXPECT_EQ(host_.orderInt("/shipping/cost_minor"), 590 + 1290);
    EXPECT_EQ(host_.orderInt("/shipping/parcel_count"), 2);
    Poco::JSON::Array::Ptr parcels = carrier_.shipment(id)->getArray("parcels");
    ASSERT_EQ(parcels->size(), 2u);
    EXPECT_EQ(parcels->getObject(0)->getValue<std::string>("reference"), "1");  // orderhost.preparation numbers them
    EXPECT_EQ(parcels->getObject(1)->getValue<std::string>("reference"), "P2");
    EXPECT_EQ(parcels->getObject(1)->getValue<int>("weight_g"), 2500);
}

// Preparation packed nothing because every good is short (a split that found no stock of any):
// nothing is booked. Weighing the lines instead booked a parcel of goods nobody picked (review).
TEST_F(ShippingStep, NothingIsBookedWhenPreparationPackedNoParcelBecauseEveryGoodIsShort) {
    host_.order(R"({"order_ref":"ERP-9","shipping_address":{"country":"FR"},"lines":[{"sku":"BOLT-M8","quantity":5}],
                   "preparation":{"status":"prepared","pick_lists":[],"parcels":[],
                                  "short":[{"sku":"BOLT-M8","quantity":5}]}})");
    host_.run();
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_FAIL);
    EXPECT_EQ(host_.result().code, "nothing_to_ship") << host_.result().message;
    EXPECT_EQ(carrier_.count("booking"), 0);
}

TEST_F(ShippingStep, AnSkuWithoutWeightFailsAndANonFrenchAddressUsesTheWorldZone) {
    host_.order(R"({"order_ref":"ERP-2","shipping_address":{"country":"FR"},"lines":[{"sku":"NEW-1","quantity":1}]})");
    host_.run();
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_FAIL);
    EXPECT_EQ(host_.result().code, "sku_weight_unknown");
    EXPECT_NE(host_.result().message.find("NEW-1"), std::string::npos) << host_.result().message;
    EXPECT_EQ(carrier_.count("booking"), 0);

    host_.order(
        R"({"order_ref":"ERP-3","shipping_address":{"country":"JP"},"lines":[{"sku":"BOLT-M8","quantity":5}]})");
    host_.run();
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_SUSPEND) << host_.result().message;
    EXPECT_EQ(host_.orderInt("/shipping/cost_minor"), 2900);
    EXPECT_EQ(host_.orderJson("/shipping/late"), "true");  // 6 days > the default promise of 5
}

TEST_F(ShippingStep, ContinuesOnceTheCarrierSaysPickedUpAndRecordsTheEvent) {
    const std::string id = bookAndWait();
    carrier_.advance(id, "picked_up");
    signal("shipment_tracking", R"({"event":"picked_up"})");
    ASSERT_EQ(host_.run(2), OH_STATUS_OK);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE) << host_.result().message;
    EXPECT_EQ(host_.orderString("/shipping/status"), "picked_up");
    EXPECT_EQ(host_.orderString("/shipping/events/0/status"), "picked_up");
    EXPECT_FALSE(host_.orderJson("/signals/shipment_tracking").has_value()) << "the wake-up is consumed";
    EXPECT_EQ(host_.query("SELECT seq, status FROM shipping_events"), R"([{"seq":1,"status":"picked_up"}])");
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM shipping_shipments WHERE picked_up_at_ms IS NOT NULL"), 1);
    EXPECT_EQ(carrier_.count("booking"), 1);
}

TEST_F(ShippingStep, AWakeUpBeforePickupWaitsAgain) {
    bookAndWait();
    host_.run(2);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_SUSPEND);
    EXPECT_EQ(host_.result().signal, "shipment_tracking");
    EXPECT_EQ(carrier_.count("booking"), 1);
}

TEST_F(ShippingStep, NoPickupInTimeCancelsTheBookingAndRejects) {
    const std::string id = bookAndWait();
    signal("shipment_tracking", R"({"timed_out": true})");  // the host's on_signal_timeout: rerun
    host_.run(2);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_REJECT);
    EXPECT_EQ(host_.result().code, "pickup_timeout");
    EXPECT_EQ(carrier_.count("cancellation"), 1);
    EXPECT_EQ(carrier_.shipment(id)->getValue<std::string>("status"), "cancelled");
    EXPECT_EQ(host_.query("SELECT status FROM shipping_shipments"), R"([{"status":"cancelled"}])");
    host_.compensate();  // a later undo finds it cancelled and leaves it alone
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(carrier_.count("cancellation"), 1);
}

TEST_F(ShippingStep, ALostBookingAnswerIsRetriedWithTheSameKeyAndBooksOnce) {
    carrier_.setFaults(R"({"lose_response_count": 1})");
    host_.order(order());
    host_.run(1);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_RETRY);
    EXPECT_EQ(host_.result().code, "carrier_no_answer");
    EXPECT_EQ(carrier_.count("booking"), 1);  // it happened; the step did not hear of it
    host_.run(2);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_SUSPEND) << host_.result().message;
    EXPECT_EQ(carrier_.count("booking"), 1);
    EXPECT_EQ(carrier_.uses("order-1/book-shipment:book"), 2);
    EXPECT_EQ(host_.orderString("/shipping/shipment_id"), carrier_.firstShipmentId());
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM shipping_shipments"), 1);
}

TEST_F(ShippingStep, ACarrierThatIsDownIsRetriedAndARefusalFails) {
    carrier_.setFaults(R"({"fail_count": 1, "fail_status": 503})");
    host_.order(order());
    host_.run(1);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_RETRY);
    EXPECT_EQ(host_.result().code, "carrier_http_503");
    EXPECT_EQ(carrier_.count("booking"), 0);

    carrier_.setFaults(R"({"refuse_count": 1, "refuse_code": "address_not_served"})");
    host_.run(2);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_FAIL);
    EXPECT_EQ(host_.result().code, "carrier_refused_booking");
    EXPECT_NE(host_.result().message.find("address_not_served"), std::string::npos) << host_.result().message;
    EXPECT_EQ(carrier_.count("booking"), 0);
}

TEST_F(ShippingStep, CompensationCancelsBeforePickupOnceEvenWhenRepeated) {
    const std::string id = bookAndWait();
    ASSERT_EQ(host_.compensate(), OH_STATUS_OK);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE) << host_.result().message;
    EXPECT_EQ(host_.orderString("/shipping/status"), "cancelled");
    EXPECT_EQ(host_.query("SELECT status FROM shipping_shipments"), R"([{"status":"cancelled"}])");
    host_.compensate(2);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(carrier_.count("cancellation"), 1);
    EXPECT_EQ(carrier_.shipment(id)->getValue<std::string>("status"), "cancelled");
}

TEST_F(ShippingStep, CompensationAfterPickupFailsNamingTheShipment) {
    const std::string id = bookAndWait();
    carrier_.advance(id, "picked_up");
    host_.run(2);
    ASSERT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    host_.compensate();
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_FAIL);
    EXPECT_EQ(host_.result().code, "shipment_already_picked_up");
    EXPECT_NE(host_.result().message.find(id), std::string::npos) << host_.result().message;
    EXPECT_EQ(carrier_.count("cancellation"), 0);
}

TEST_F(ShippingStep, AwaitDeliveryContinuesOnDeliveredWithEveryEventRecorded) {
    const std::string id = bookAndWait();
    carrier_.advance(id, "picked_up");
    host_.run(2);
    ASSERT_EQ(host_.config(shippingtest::awaitConfig(carrier_.url())).create("await-delivery"), OH_STATUS_OK);
    host_.run();
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_SUSPEND);
    EXPECT_EQ(host_.result().code, "awaiting_delivery");
    carrier_.advance(id, "in_transit");
    carrier_.advance(id, "out_for_delivery");
    carrier_.advance(id, "delivered");
    host_.run();
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE) << host_.result().message;
    EXPECT_EQ(host_.orderString("/shipping/status"), "delivered");
    EXPECT_TRUE(host_.orderInt("/shipping/delivered_at").has_value());
    EXPECT_EQ(host_.orderString("/shipping/events/3/status"), "delivered");
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM shipping_events"), 4);
    EXPECT_EQ(host_.queryInt(
                  "SELECT COUNT(*) FROM shipping_shipments WHERE status = 'delivered' AND delivered_at_ms IS NOT NULL"),
              1);
}

TEST_F(ShippingStep, AnExceptionHoldsTheOrderForAPersonWhoResolvesIt) {
    const std::string id = bookAndWait();
    carrier_.advance(id, "picked_up");
    host_.run(2);
    host_.config(shippingtest::awaitConfig(carrier_.url())).create("await-delivery");
    carrier_.advance(id, "exception", "parcel damaged");
    host_.run();
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_SUSPEND);
    EXPECT_EQ(host_.result().signal, "shipment_exception_resolved");
    EXPECT_EQ(host_.result().code, "shipment_exception");
    EXPECT_NE(host_.result().message.find("parcel damaged"), std::string::npos) << host_.result().message;
    EXPECT_EQ(host_.query("SELECT status, detail FROM shipping_events WHERE seq = 2"),
              R"([{"status":"exception","detail":"parcel damaged"}])");

    signal("shipment_exception_resolved", R"({"note": "looked at it"})");  // not settled: ask again
    host_.run();
    EXPECT_EQ(host_.result().signal, "shipment_exception_resolved");
    signal("shipment_exception_resolved", R"({"resolution": "continue", "note": "redelivered by courier"})");
    host_.run();
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE) << host_.result().message;
    EXPECT_EQ(host_.orderString("/shipping/resolution"), "redelivered by courier");
}

TEST_F(ShippingStep, ItsTablesFollowTheNamingConvention) {
    EXPECT_EQ(host_.tablePrefix(), "shipping_");
    EXPECT_EQ(host_.logged("does not start with"), 0u);
    EXPECT_EQ(host_.queryInt("SELECT MAX(version) FROM plugin_migrations WHERE plugin_id = 'orderhost.shipping'"), 1);
}

}  // namespace
