// The shipping steps' configuration, read once when a chain step is created. Every refusal
// is an sdk::ConfigError naming the field as the administrator writes it
// ("carriers.simcarrier.base_url", "rates[0].brackets[1].price_minor", "callback_base").
#pragma once

#include "Carrier.h"
#include "HttpCarrier.h"
#include "RateTable.h"

#include <orderhost/sdk.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace orderhost::shipping {

// "carriers": {name: {base_url, timeout_ms?}}; the step-level "timeout_ms" is the default.
using CarrierMap = std::map<std::string, HttpCarrier>;
CarrierMap carriersFrom(const sdk::Document& config);

struct BookingSettings {
    CarrierMap carriers;
    RateTable rates;
    std::string callbackBase;             // the host's base URL as the carrier reaches it
    std::string currency;                 // of the rate table; "" = the order's /currency
    std::int64_t defaultTransitDays = 5;  // the promise when the order has no /attributes/promised_date
    std::map<std::string, std::int64_t> skuWeightsG;
    std::optional<std::int64_t> defaultWeightG;  // unknown SKUs; none: the step fails on them
    Parcel defaultParcel;                        // dimensions of a parcel computed from the lines
    bool waitForPickup = true;                   // false: CONTINUE once booked (await-delivery then waits for it all)
};
BookingSettings bookingSettingsFrom(const sdk::Document& config);

}  // namespace orderhost::shipping
