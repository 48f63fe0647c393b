// orderhost.shipping · book-shipment in quote mode (ABI 1.2, host.quote()), with the carrier
// simulator running as a real process: the quote lists the rate table's options for the
// order's parcels (cost in minor units + currency, delivery date) with the one a booking would
// choose marked, and the carrier's ledger stays empty — a quote calls no carrier.
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

class ShippingQuote : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(host_.config(shippingtest::bookConfig(carrier_.url())).create("book-shipment"), OH_STATUS_OK)
            << host_.reportedError();
    }
    oh_outcome_kind quote(const std::string& json) {
        host_.order(json);
        EXPECT_EQ(host_.quote(), OH_STATUS_OK) << host_.reportedError();
        return host_.result().kind;
    }
    std::size_t carrierLedger() const {
        const Poco::JSON::Object::Ptr ledger = carrier_.getJson("/v1/ledger");
        return ledger->getArray("entries")->size() + ledger->getArray("deliveries")->size();
    }

    CarrierSimulator carrier_;
    FakeHost host_{ORDERHOST_TEST_PLUGIN_SO};
};

TEST_F(ShippingQuote, ListsTheOptionsMarksTheRulesChoiceAndCallsNoCarrier) {
    ASSERT_EQ(quote(order()), OH_OUTCOME_CONTINUE) << host_.result().code << ": " << host_.result().message;
    // 100 x 10 g + 2100 g = 3100 g: the second brackets. Promise: the kit's today + 5 days.
    EXPECT_EQ(host_.orderJson("/shipping"),
              R"({"status":"quoted","carrier":"simcarrier","service":"economy","cost_minor":1290,"currency":"EUR",)"
              R"("promised_date":"2026-01-06","transit_days":3,"late":false,"parcel_count":1,"weight_g":3100,)"
              R"("options":[{"carrier":"simcarrier","service":"express","cost_minor":3900,"currency":"EUR",)"
              R"("transit_days":1,"delivery_date":"2026-01-02","meets_promise":true,"chosen":false},)"
              R"({"carrier":"simcarrier","service":"economy","cost_minor":1290,"currency":"EUR",)"
              R"("transit_days":3,"delivery_date":"2026-01-04","meets_promise":true,"chosen":true}]})");
    EXPECT_EQ(carrierLedger(), 0u) << "a quote must not reach the carrier";
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM shipping_shipments"), 0);

    // The booking a run then makes is the quote's choice, at the quote's cost.
    host_.order(order());
    ASSERT_EQ(host_.run(), OH_STATUS_OK) << host_.reportedError();
    EXPECT_EQ(host_.orderString("/shipping/service"), "economy");
    EXPECT_EQ(host_.orderInt("/shipping/cost_minor"), 1290);
    EXPECT_EQ(carrier_.count("booking"), 1);
}

TEST_F(ShippingQuote, PricesThePackedParcelsAndMarksALateChoice) {
    // Two packed parcels (orderhost.preparation's answer) and a date only express could make,
    // already past: the fastest is chosen and marked late, no option meets the promise.
    const std::string packed = R"(, "preparation": {"status": "quoted", "parcels": [
        {"parcel": 1, "weight_g": 1500}, {"parcel": 2, "weight_g": 2500}]})";
    ASSERT_EQ(quote(order(R"({"promised_date": "2025-12-31"})", packed)), OH_OUTCOME_CONTINUE)
        << host_.result().message;
    EXPECT_EQ(host_.orderInt("/shipping/parcel_count"), 2);
    EXPECT_EQ(host_.orderInt("/shipping/weight_g"), 4000);
    EXPECT_EQ(host_.orderString("/shipping/service"), "express");
    EXPECT_EQ(host_.orderJson("/shipping/late"), "true");
    EXPECT_EQ(host_.orderInt("/shipping/options/0/cost_minor"), 1500 + 3900);
    EXPECT_EQ(host_.orderInt("/shipping/options/1/cost_minor"), 590 + 1290);
    EXPECT_EQ(host_.orderJson("/shipping/options/1/meets_promise"), "false");
    EXPECT_EQ(carrierLedger(), 0u);
}

TEST_F(ShippingQuote, NoRateRejectsWithTheRunsCodeAndReason) {
    // Outside France ("world": one bracket up to 10 kg): 5 drills (10.5 kg) fit no rate.
    const std::string heavy = R"({"order_ref": "ERP-2", "currency": "EUR",
        "shipping_address": {"name": "Bo", "line1": "1 Main St", "city": "Boston", "postal_code": "02101", "country": "US"},
        "lines": [{"sku": "DRILL-18V", "quantity": 5}]})";
    ASSERT_EQ(quote(heavy), OH_OUTCOME_REJECT);
    const auto quoted = host_.result();
    EXPECT_EQ(quoted.code, "no_shipping_rate");
    host_.order(heavy);
    ASSERT_EQ(host_.run(), OH_STATUS_OK) << host_.reportedError();
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_REJECT);
    EXPECT_EQ(host_.result().message, quoted.message);
    EXPECT_EQ(carrierLedger(), 0u);
}

TEST_F(ShippingQuote, AnOrderFromAQuoteBooksTheQuotedServiceAtTheQuotedCost) {
    // The quote chose express at 3500 (say the table was cheaper then); the rule would now
    // choose economy at 1290. The order placed from the quote gets what was quoted.
    const std::string fromQuote = R"(, "quote": {"id": "q", "order": {"shipping":
        {"status": "quoted", "carrier": "simcarrier", "service": "express", "cost_minor": 3500}}})";
    host_.order(order("{}", fromQuote));
    ASSERT_EQ(host_.run(), OH_STATUS_OK) << host_.reportedError();
    EXPECT_EQ(host_.orderString("/shipping/service"), "express");
    EXPECT_EQ(host_.orderInt("/shipping/cost_minor"), 3500);
    EXPECT_EQ(host_.orderString("/shipping/cost_source"), "quote");
    EXPECT_EQ(host_.queryInt("SELECT cost_minor FROM shipping_shipments"), 3500);
    EXPECT_EQ(carrier_.count("booking"), 1);
}

TEST_F(ShippingQuote, AQuoteInAnotherCurrencyIsNotTakenAsThisOnesCost) {
    host_.order(order("{}", R"(, "quote": {"id": "q", "order": {"shipping":
        {"carrier": "simcarrier", "service": "express", "cost_minor": 10, "currency": "CHF"}}})"));
    ASSERT_EQ(host_.run(), OH_STATUS_OK) << host_.reportedError();
    EXPECT_EQ(host_.orderString("/shipping/cost_source"), "rate_table");
    EXPECT_EQ(host_.orderInt("/shipping/cost_minor"), 1290);
}

TEST_F(ShippingQuote, AQuotedServiceTheTableNoLongerOffersFallsBackToTheRule) {
    host_.order(order("{}", R"(, "quote": {"id": "q", "order": {"shipping":
        {"carrier": "simcarrier", "service": "overnight", "cost_minor": 1}}})"));
    ASSERT_EQ(host_.run(), OH_STATUS_OK) << host_.reportedError();
    EXPECT_EQ(host_.orderString("/shipping/service"), "economy");
    EXPECT_EQ(host_.orderInt("/shipping/cost_minor"), 1290);
    EXPECT_EQ(host_.orderString("/shipping/cost_source"), "rate_table");
}

TEST_F(ShippingQuote, AwaitDeliveryDoesNotAnswerQuotes) {
    ASSERT_EQ(host_.config(shippingtest::awaitConfig(carrier_.url())).create("await-delivery"), OH_STATUS_OK)
        << host_.reportedError();
    host_.order(order());
    EXPECT_NE(host_.quote(), OH_STATUS_OK) << "await-delivery would follow a booked parcel: it has nothing to quote";
    EXPECT_EQ(carrierLedger(), 0u);
}

}  // namespace
