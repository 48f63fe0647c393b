// book-shipment's answer to a quote (ABI 1.2, POST /v1/quotes): the shipping options of the
// rate table for the order's parcels, with the one the rule (RateTable.h) would book marked —
// and no call to any carrier, no row, no signal consumed.
#pragma once

#include "Carrier.h"
#include "RateTable.h"

#include <orderhost/sdk.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace orderhost::shipping {

// What booking and quoting both work out before a rate is chosen: the parcels, the
// destination's zone and the promise (days since the epoch, UTC).
struct RateRequest {
    std::vector<Parcel> parcels;
    std::vector<std::int64_t> weightsG;
    std::int64_t totalWeightG = 0;
    std::string zone;
    std::int64_t today = 0;
    std::int64_t promisedDay = 0;
};

// REJECT no_shipping_rate: no rate of the zone takes every parcel (booking and quoting alike).
sdk::Outcome noShippingRate(const RateRequest& request);

// Writes /shipping of a quote: the chosen rate in the shape a booking writes it (carrier,
// service, cost_minor, currency, promised_date, transit_days, late, parcel_count, weight_g)
// with "status": "quoted" and no shipment or tracking number, and "options": every rate of the
// zone that takes the parcels, in the config's order, each {carrier, service, cost_minor,
// currency, transit_days, delivery_date (today + transit_days), meets_promise, chosen}.
void writeShippingQuote(sdk::OrderDocument& order, const RateTable& rates, const RateRequest& request,
                        const RateChoice& chosen, const std::string& currency);

// An order placed from a quote (the host wrote /quote; docs/api.md "An order from a quote"):
// the rate the quote chose, /quote/order/shipping/{carrier, service, transit_days}, at the
// quoted cost_minor, when the rate table still has that rate for these parcels and the quote's
// currency is `currency` (the one a booking records now); nullopt otherwise (no quote, or the
// rate or currency changed: the rule chooses as without a quote).
std::optional<RateChoice> quotedChoice(const sdk::OrderDocument& order, const RateTable& rates,
                                       const RateRequest& request, const std::string& currency);

}  // namespace orderhost::shipping
