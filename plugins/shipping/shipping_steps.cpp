// orderhost.shipping — books the order's parcels with a carrier and follows them to delivery.
//
// Step kinds:
//   book-shipment   chooses carrier + service from the rate table (RateTable.h: the cheapest
//                   that meets the promised date), books the parcels with the carrier, writes
//                   /shipping and shipping_shipments, then waits (SUSPEND on the signal
//                   shipment_tracking) until the carrier reports the parcels picked up
//                   (with "wait_for_pickup": false it goes on once booked).
//   await-delivery  waits (SUSPEND on shipment_tracking) until the carrier reports delivered.
//
// Exactly once: the booking carries "<oh_step_call.idempotency_key>:book" as its
// Idempotency-Key, the same for every attempt and host restart of this order's step, and the
// carrier answers a repeated key with the original shipment. So a RETRY after a lost answer
// or a host killed between "carrier booked" and "checkpoint committed" books once.
// A signal is only a wake-up: every run asks the carrier for the shipment (GET) and records
// the new tracking events, so the order and number of callbacks do not matter.
//
// In a quote (ABI 1.2) book-shipment answers from the rate table only: every option for the
// order's parcels with cost and delivery date, the one the rule would book marked
// (ShippingQuote.h); no carrier is called, nothing is stored. await-delivery does not answer.
// An order placed from a quote books the quoted carrier and service at the quoted cost while
// the rate table still offers them (/shipping/cost_source "quote", else "rate_table").
//
// Outcomes: picked up (book-shipment) / delivered (await-delivery) → CONTINUE; not yet →
// SUSPEND shipment_tracking; carrier exception → SUSPEND shipment_exception_resolved (held for a
// person); carrier away → RETRY (code carrier_*); carrier refusal → FAIL carrier_refused_*;
// no rate → REJECT no_shipping_rate. compensate() of book-shipment cancels the shipment at the
// carrier before pickup (key "<key>:cancel", safe to repeat) and FAILs
// shipment_already_picked_up after pickup, which holds the order for a person.
#include "HttpCarrier.h"
#include "ShipmentTracking.h"
#include "ShippingConfig.h"
#include "ShippingQuote.h"
#include "ShippingRecords.h"

#include <orderhost/sdk.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace sdk = orderhost::sdk;
namespace shipping = orderhost::shipping;
using shipping::CarrierReply;
using shipping::Parcel;
using shipping::Shipment;
using Kind = CarrierReply::Kind;

namespace {

constexpr char kBookSchema[] = R"({
  "type": "object", "required": ["carriers", "zones", "rates", "callback_base"],
  "properties": {
    "carriers": {"type": "object", "description": "name -> {base_url, timeout_ms}"},
    "timeout_ms": {"type": "integer", "minimum": 1, "maximum": 600000, "default": 10000},
    "callback_base": {"type": "string", "description": "the host's URL as the carrier reaches it"},
    "zones": {"type": "object", "description": "zone -> [country codes], \"*\" for any other"},
    "rates": {"type": "array", "description": "[{carrier, service, zone, transit_days, brackets: [{max_weight_g, price_minor}]}]"},
    "currency": {"type": "string", "description": "of the rate table; default: the order's"},
    "default_transit_days": {"type": "integer", "minimum": 0, "maximum": 365, "default": 5},
    "wait_for_pickup": {"type": "boolean", "default": true},
    "sku_weights_g": {"type": "object"},
    "default_weight_g": {"type": "integer", "minimum": 1},
    "default_parcel_mm": {"type": "object", "description": "{length, width, height}, default 400x300x200"}
  }
})";

constexpr char kAwaitSchema[] = R"({
  "type": "object", "required": ["carriers"],
  "properties": {
    "carriers": {"type": "object", "description": "name -> {base_url, timeout_ms}"},
    "timeout_ms": {"type": "integer", "minimum": 1, "maximum": 600000, "default": 10000}
  }
})";

std::string keyOf(const sdk::StepCall& call, const char* operation) {
    return std::string(call.idempotencyKey()) + ":" + operation;
}

// The shipment the order refers to, as the carrier sees it now, recorded; or the outcome.
std::variant<Shipment, sdk::Outcome> refresh(const sdk::StepCall& call, const shipping::CarrierMap& carriers) {
    const sdk::OrderDocument order = call.order();
    const std::optional<std::string> id = order.optionalString("/shipping/shipment_id");
    const std::string name = order.optionalString("/shipping/carrier").value_or("");
    if (!id) return sdk::Outcome::fail("shipment_missing", "/shipping/shipment_id is missing: run book-shipment first");
    const std::optional<shipping::HttpCarrier> carrier = shipping::carrierForCall(carriers, name, call);
    if (!carrier) return shipping::unknownCarrier(name);
    const CarrierReply now = carrier->lookup(*id);
    if (now.kind == Kind::unavailable) return shipping::retryLater(now, "lookup");
    if (now.kind == Kind::refused) return shipping::refusedByCarrier(now, "lookup");
    shipping::recordShipment(call, now.shipment);
    return now.shipment;
}

void finishWaiting(const sdk::StepCall& call, const shipping::Wake& wake) {
    if (wake.resolvedByPerson)
        call.order().set("/shipping/resolution", wake.note.empty() ? std::string("continue") : wake.note);
}

class BookShipmentStep : public sdk::Step {
public:
    explicit BookShipmentStep(sdk::CreateContext& ctx) : settings_(shipping::bookingSettingsFrom(ctx.config())) {}

    sdk::Outcome run(sdk::StepCall& call) override {
        if (call.quoting()) return quote(call);
        const sdk::OrderDocument order = call.order();
        const shipping::Wake wake = shipping::consumeSignals(order);
        std::variant<Shipment, sdk::Outcome> now =
            order.has("/shipping/shipment_id") ? refresh(call, settings_.carriers) : book(call);
        if (auto* outcome = std::get_if<sdk::Outcome>(&now)) return *outcome;
        const Shipment& shipment = std::get<Shipment>(now);
        if (shipment.pickedUpAtMs != 0 || wake.resolvedByPerson || !settings_.waitForPickup) {
            finishWaiting(call, wake);
            return sdk::Outcome::proceed();
        }
        if (shipment.status == "cancelled")
            return sdk::Outcome::fail("shipment_cancelled", "the carrier cancelled shipment " + shipment.id);
        if (shipment.status == "exception") return shipping::heldForException(shipment);
        if (wake.timedOut) return cancelAfterTimeout(call, shipment);
        return sdk::Outcome::suspend(shipping::kTrackingSignal, "waiting for the carrier to pick up shipment " +
                                                                    shipment.id + " (tracking " +
                                                                    shipment.trackingNumber + ")")
            .withCode("awaiting_pickup");
    }

    // Cancels the shipment before pickup; after pickup the parcel is on its way and a person
    // has to recall it (the FAIL holds the order: undo_failed, signal manual_action).
    sdk::Outcome compensate(sdk::StepCall& call) override {
        const sdk::OrderDocument order = call.order();
        const std::optional<std::string> id = order.optionalString("/shipping/shipment_id");
        if (!id || order.optionalString("/shipping/status").value_or("") == "cancelled") return sdk::Outcome::proceed();
        const std::string name = order.optionalString("/shipping/carrier").value_or("");
        const std::optional<shipping::HttpCarrier> carrier = shipping::carrierForCall(settings_.carriers, name, call);
        if (!carrier) return shipping::unknownCarrier(name);
        const CarrierReply cancelled = carrier->cancel(*id, keyOf(call, "cancel"));
        if (cancelled.kind == Kind::unavailable) return shipping::retryLater(cancelled, "cancel");
        if (cancelled.kind == Kind::refused && cancelled.errorCode == "already_picked_up")
            return sdk::Outcome::fail("shipment_already_picked_up",
                                      "shipment " + *id + " (tracking " +
                                          order.optionalString("/shipping/tracking_number").value_or("") +
                                          ") was picked up by " + name +
                                          " and can no longer be cancelled: recall the parcel by hand, or, "
                                          "for a cancel, answer manual_action resume to deliver it (a return "
                                          "can follow)");
        if (cancelled.kind == Kind::refused) return shipping::refusedByCarrier(cancelled, "cancel");
        shipping::recordShipment(call, cancelled.shipment);
        return sdk::Outcome::proceed();
    }

private:
    // The parcel's reference for the carrier: orderhost.preparation numbers its parcels (1, 2,
    // ...), another packer may name them ("P-1"); without one, its position.
    static std::string parcelReference(const sdk::OrderDocument& order, const std::string& at, std::size_t i) {
        const auto json = order.optionalJson(at + "/parcel");
        if (!json || json->empty()) return std::to_string(i + 1);
        if ((*json)[0] == '"') return order.string(at + "/parcel");
        return std::to_string(order.integer(at + "/parcel"));
    }

    // Parcels from /preparation/parcels, else one parcel weighing the goods lines.
    std::variant<std::vector<Parcel>, sdk::Outcome> parcelsOf(const sdk::OrderDocument& order) const {
        std::vector<Parcel> parcels;
        // Prepared with no parcel: every good was short (a split that found no stock of any).
        // Weighing the lines instead booked a parcel for goods nobody picked or charged.
        if (order.has("/preparation/parcels") && order.size("/preparation/parcels") == 0 &&
            order.has("/preparation/short") && order.size("/preparation/short") > 0)
            return sdk::Outcome::fail("nothing_to_ship",
                                      "preparation packed no parcel: every good of the order is short (backordered)");
        if (order.has("/preparation/parcels") && order.size("/preparation/parcels") > 0) {
            for (std::size_t i = 0; i < order.size("/preparation/parcels"); ++i) {
                const std::string at = sdk::path("preparation", "parcels", i);
                parcels.push_back(
                    {parcelReference(order, at, i), order.integer(at + "/weight_g"),
                     order.optionalInteger(at + "/length_mm").value_or(settings_.defaultParcel.lengthMm),
                     order.optionalInteger(at + "/width_mm").value_or(settings_.defaultParcel.widthMm),
                     order.optionalInteger(at + "/height_mm").value_or(settings_.defaultParcel.heightMm)});
            }
            return parcels;
        }
        Parcel parcel = settings_.defaultParcel;
        const std::size_t lines = order.has("/lines") ? order.size("/lines") : 0;
        for (std::size_t i = 0; i < lines; ++i) {
            if (order.optionalString(sdk::path("lines", i, "kind")).value_or("goods") == "service") continue;
            const std::string sku = order.string(sdk::path("lines", i, "sku"));
            const auto known = settings_.skuWeightsG.find(sku);
            if (known == settings_.skuWeightsG.end() && !settings_.defaultWeightG)
                return sdk::Outcome::fail("sku_weight_unknown",
                                          "line " + std::to_string(i) + ": SKU \"" + sku +
                                              "\" has no weight in sku_weights_g (and no default_weight_g)");
            parcel.weightG += order.integer(sdk::path("lines", i, "quantity")) *
                              (known != settings_.skuWeightsG.end() ? known->second : *settings_.defaultWeightG);
        }
        if (parcel.weightG <= 0)
            return sdk::Outcome::fail("nothing_to_ship", "the order has no goods lines with a weight");
        parcels.push_back(parcel);
        return parcels;
    }

    // The parcels, zone and promise of the order: what booking and quoting share.
    std::variant<shipping::RateRequest, sdk::Outcome> rateRequest(const sdk::StepCall& call) const {
        const sdk::OrderDocument order = call.order();
        std::variant<std::vector<Parcel>, sdk::Outcome> found = parcelsOf(order);
        if (auto* outcome = std::get_if<sdk::Outcome>(&found)) return *outcome;
        shipping::RateRequest request;
        request.parcels = std::move(std::get<std::vector<Parcel>>(found));
        const std::string country = order.optionalString("/shipping_address/country").value_or("");
        if (country.empty())
            return sdk::Outcome::reject("shipping_address_missing", "/shipping_address/country is missing");
        request.zone = settings_.rates.zoneOf(country);
        if (request.zone.empty())
            return sdk::Outcome::reject("destination_not_served", "no zone of the rate table lists " + country);

        request.today = call.nowMs() / 86400000;
        const std::optional<std::string> promised = order.optionalString("/attributes/promised_date");
        const std::optional<std::int64_t> promisedDay =
            promised ? shipping::daysFromIsoDate(*promised)
                     : std::optional<std::int64_t>(request.today + settings_.defaultTransitDays);
        if (!promisedDay)
            return sdk::Outcome::reject("promised_date_invalid",
                                        "/attributes/promised_date \"" + *promised + "\" is not a YYYY-MM-DD date");
        request.promisedDay = *promisedDay;
        for (const Parcel& p : request.parcels)
            request.weightsG.push_back(p.weightG), request.totalWeightG += p.weightG;
        return request;
    }

    std::string currencyOf(const sdk::OrderDocument& order) const {
        return settings_.currency.empty() ? order.optionalString("/currency").value_or("") : settings_.currency;
    }

    // Quote mode: the rate table's options for the parcels and the one a booking would choose;
    // no carrier is called (docs/plugins.md#shipping, "In a quote").
    sdk::Outcome quote(const sdk::StepCall& call) const {
        std::variant<shipping::RateRequest, sdk::Outcome> found = rateRequest(call);
        if (auto* outcome = std::get_if<sdk::Outcome>(&found)) return *outcome;
        const shipping::RateRequest& request = std::get<shipping::RateRequest>(found);
        const std::optional<shipping::RateChoice> choice =
            settings_.rates.choose(request.zone, request.weightsG, request.promisedDay - request.today);
        if (!choice) return shipping::noShippingRate(request);
        sdk::OrderDocument order = call.order();
        shipping::writeShippingQuote(order, settings_.rates, request, *choice, currencyOf(order));
        return sdk::Outcome::proceed();
    }

    // Chooses the rate, books, and records the booking; the shipment as booked, or the outcome.
    std::variant<Shipment, sdk::Outcome> book(const sdk::StepCall& call) const {
        const sdk::OrderDocument order = call.order();
        std::variant<shipping::RateRequest, sdk::Outcome> found = rateRequest(call);
        if (auto* outcome = std::get_if<sdk::Outcome>(&found)) return *outcome;
        const shipping::RateRequest& request = std::get<shipping::RateRequest>(found);
        const std::vector<Parcel>& parcels = request.parcels;
        // From a quote: the quoted carrier and service at the quoted cost, while the table has them.
        const std::string currency = currencyOf(order);
        std::optional<shipping::RateChoice> choice = shipping::quotedChoice(order, settings_.rates, request, currency);
        const bool quoted = choice.has_value();
        if (!choice)
            choice = settings_.rates.choose(request.zone, request.weightsG, request.promisedDay - request.today);
        if (!choice) return shipping::noShippingRate(request);
        const std::optional<shipping::HttpCarrier> carrier =
            shipping::carrierForCall(settings_.carriers, choice->rate.carrier, call);
        const CarrierReply reply =
            carrier->book({choice->rate.service, order.optionalString("/order_ref").value_or(""), parcels,
                           order.json("/shipping_address"), settings_.callbackBase, std::string(call.orderId()),
                           shipping::kTrackingSignal, keyOf(call, "book")});
        if (reply.kind == Kind::unavailable) return shipping::retryLater(reply, "booking");
        if (reply.kind == Kind::refused) return shipping::refusedByCarrier(reply, "booking");

        const std::string promisedDate = shipping::isoDateOfDay(request.promisedDay);
        shipping::saveBooking(call, {keyOf(call, "book"), choice->rate.carrier, choice->rate.service, reply.shipment.id,
                                     reply.shipment.trackingNumber, reply.shipment.status, choice->costMinor, currency,
                                     static_cast<std::int64_t>(parcels.size()), request.totalWeightG, promisedDate});
        order.setJson("/shipping", sdk::JsonObject()
                                       .add("carrier", choice->rate.carrier)
                                       .add("service", choice->rate.service)
                                       .add("cost_minor", choice->costMinor)
                                       .add("currency", currency)
                                       .add("tracking_number", reply.shipment.trackingNumber)
                                       .add("shipment_id", reply.shipment.id)
                                       .add("status", reply.shipment.status)
                                       .add("promised_date", promisedDate)
                                       .add("transit_days", choice->rate.transitDays)
                                       .add("late", !choice->meetsPromise)
                                       .add("parcel_count", static_cast<std::int64_t>(parcels.size()))
                                       .add("weight_g", request.totalWeightG)
                                       .add("cost_source", quoted ? "quote" : "rate_table")
                                       .addJson("events", "[]")
                                       .str());
        shipping::recordShipment(call, reply.shipment);
        return reply.shipment;
    }

    sdk::Outcome cancelAfterTimeout(const sdk::StepCall& call, const Shipment& shipment) const {
        const std::optional<shipping::HttpCarrier> carrier = shipping::carrierForCall(
            settings_.carriers, call.order().optionalString("/shipping/carrier").value_or(""), call);
        const CarrierReply cancelled = carrier->cancel(shipment.id, keyOf(call, "cancel"));
        if (cancelled.kind == Kind::unavailable) return shipping::retryLater(cancelled, "cancel");
        if (cancelled.kind == Kind::refused) return shipping::refusedByCarrier(cancelled, "cancel");
        shipping::recordShipment(call, cancelled.shipment);
        return sdk::Outcome::reject(
            "pickup_timeout", "the carrier did not pick up shipment " + shipment.id + " in time; it was cancelled");
    }

    shipping::BookingSettings settings_;
};

class AwaitDeliveryStep : public sdk::Step {
public:
    explicit AwaitDeliveryStep(sdk::CreateContext& ctx) : carriers_(shipping::carriersFrom(ctx.config())) {}

    sdk::Outcome run(sdk::StepCall& call) override {
        const shipping::Wake wake = shipping::consumeSignals(call.order());
        std::variant<Shipment, sdk::Outcome> now = refresh(call, carriers_);
        if (auto* outcome = std::get_if<sdk::Outcome>(&now)) return *outcome;
        const Shipment& shipment = std::get<Shipment>(now);
        if (shipment.status == "delivered" || wake.resolvedByPerson) {
            finishWaiting(call, wake);
            return sdk::Outcome::proceed();
        }
        if (shipment.status == "cancelled")
            return sdk::Outcome::fail("shipment_cancelled", "the carrier cancelled shipment " + shipment.id);
        if (shipment.status == "exception") return shipping::heldForException(shipment);
        if (wake.timedOut)
            return sdk::Outcome::fail(
                "delivery_timeout", "shipment " + shipment.id + " was not delivered in time (" + shipment.status + ")");
        return sdk::Outcome::suspend(shipping::kTrackingSignal, "waiting for the carrier to deliver shipment " +
                                                                    shipment.id + " (" + shipment.status + ")")
            .withCode("awaiting_delivery");
    }

private:
    shipping::CarrierMap carriers_;
};

}  // namespace

ORDERHOST_MIGRATIONS("", ORDERHOST_SHIPPING_MIGRATIONS);

ORDERHOST_PLUGIN(
    "orderhost.shipping", "1.0.0", "orderhost", "Parcel shipping: rate choice, carrier booking, tracking to delivery",
    ORDERHOST_STEP(
        BookShipmentStep, "book-shipment", OH_CATEGORY_SHIPPING,
        "Books the order's parcels with the cheapest carrier service that meets the promised date; waits for pickup;"
        " a quote gets the rate table's options, no carrier called",
        kBookSchema, OH_STEP_THREAD_SAFE | OH_STEP_ANSWERS_QUOTES),
    ORDERHOST_STEP(AwaitDeliveryStep, "await-delivery", OH_CATEGORY_SHIPPING,
                   "Waits until the carrier reports the shipment delivered; an exception holds the order for a person",
                   kAwaitSchema, OH_STEP_THREAD_SAFE));
