// The shipping plugin's rate table (step config): destination countries grouped into zones,
// and per carrier + service + zone a transit time and weight brackets with prices.
//
// The rule (docs/plugins.md "Shipping"): each parcel is priced by the first bracket whose
// max_weight_g holds it, a shipment costs the sum over its parcels, and a rate applies only
// when every parcel fits one of its brackets. Of the rates of the destination's zone, the
// cheapest whose transit_days reach the promised date wins (ties: fewer transit days, then
// the order in the config). When none reaches it, the fastest wins (ties: the cheapest) and
// the choice is marked late.
#pragma once

#include <orderhost/sdk.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace orderhost::shipping {

struct WeightBracket {
    std::int64_t maxWeightG = 0;
    std::int64_t priceMinor = 0;
};

struct Rate {
    std::string carrier;
    std::string service;
    std::string zone;
    std::int64_t transitDays = 0;
    std::vector<WeightBracket> brackets;  // ascending max_weight_g
};

struct RateChoice {
    Rate rate;
    std::int64_t costMinor = 0;
    bool meetsPromise = true;
    std::size_t position = 0;  // of the rate in the config's "rates"
};

class RateTable {
public:
    // Reads "zones" and "rates" of the step config; throws sdk::ConfigError naming the field
    // (e.g. "rates[1].brackets[0].price_minor"). `carriers`: the names "carriers" defines.
    static RateTable fromConfig(const sdk::Document& config, const std::vector<std::string>& carriers);

    // The zone listing `country` (ISO 3166 alpha-2), else the one listing "*"; "" when none.
    std::string zoneOf(const std::string& country) const;

    // The rate for parcels of these weights to `zone` within `maxTransitDays` (the rule above);
    // std::nullopt when no rate of the zone takes every parcel.
    std::optional<RateChoice> choose(const std::string& zone, const std::vector<std::int64_t>& parcelWeightsG,
                                     std::int64_t maxTransitDays) const;

    // Every rate of `zone` that takes every parcel, priced, in the config's order: what
    // choose() chooses from (a quote lists them all, ShippingQuote.h).
    std::vector<RateChoice> candidates(const std::string& zone, const std::vector<std::int64_t>& parcelWeightsG,
                                       std::int64_t maxTransitDays) const;

private:
    std::vector<std::pair<std::string, std::vector<std::string>>> zones_;  // in config order
    std::vector<Rate> rates_;
};

}  // namespace orderhost::shipping
