#include "RateTable.h"

#include <algorithm>

namespace orderhost::shipping {
namespace {

std::string fieldAt(const std::string& array, std::size_t index, const std::string& member = "") {
    return array + "[" + std::to_string(index) + "]" + (member.empty() ? "" : "." + member);
}

std::string requiredString(const sdk::Document& config, const std::string& pointer, const std::string& field) {
    std::optional<std::string> value;
    try {
        value = config.optionalString(pointer);
    } catch (const sdk::Error&) {
        throw sdk::ConfigError(field, "must be a string");
    }
    if (!value || value->empty()) throw sdk::ConfigError(field, "is required (a non-empty string)");
    return *value;
}

std::int64_t positiveInteger(const sdk::Document& config, const std::string& pointer, const std::string& field,
                             std::int64_t minimum) {
    std::optional<std::int64_t> value;
    try {
        value = config.optionalInteger(pointer);
    } catch (const sdk::Error&) {
        throw sdk::ConfigError(field, "must be an integer");
    }
    if (!value) throw sdk::ConfigError(field, "is required");
    if (*value < minimum) throw sdk::ConfigError(field, "must be at least " + std::to_string(minimum));
    return *value;
}

std::size_t arraySize(const sdk::Document& config, const std::string& pointer, const std::string& field) {
    if (!config.has(pointer) || config.type(pointer) != sdk::JsonType::array || config.size(pointer) == 0)
        throw sdk::ConfigError(field, "must be a non-empty array");
    return config.size(pointer);
}

// The price of one parcel under `rate`; std::nullopt when it is heavier than every bracket.
std::optional<std::int64_t> parcelPrice(const Rate& rate, std::int64_t weightG) {
    for (const WeightBracket& bracket : rate.brackets)
        if (weightG <= bracket.maxWeightG) return bracket.priceMinor;
    return std::nullopt;
}

}  // namespace

RateTable RateTable::fromConfig(const sdk::Document& config, const std::vector<std::string>& carriers) {
    RateTable table;
    if (!config.has("/zones") || config.type("/zones") != sdk::JsonType::object || config.size("/zones") == 0)
        throw sdk::ConfigError("zones", "must be an object of zone name -> list of country codes (\"*\": any other)");
    for (const std::string& zone : config.keys("/zones")) {
        const std::string pointer = sdk::path("zones", zone);
        const std::size_t count = arraySize(config, pointer, "zones." + zone);
        std::vector<std::string> countries;
        for (std::size_t i = 0; i < count; ++i)
            countries.push_back(requiredString(config, pointer + "/" + std::to_string(i), fieldAt("zones." + zone, i)));
        table.zones_.emplace_back(zone, std::move(countries));
    }
    const std::size_t rateCount = arraySize(config, "/rates", "rates");
    for (std::size_t i = 0; i < rateCount; ++i) {
        const std::string pointer = sdk::path("rates", i);
        Rate rate;
        rate.carrier = requiredString(config, pointer + "/carrier", fieldAt("rates", i, "carrier"));
        if (std::find(carriers.begin(), carriers.end(), rate.carrier) == carriers.end())
            throw sdk::ConfigError(fieldAt("rates", i, "carrier"),
                                   "names \"" + rate.carrier + "\", which \"carriers\" does not define");
        rate.service = requiredString(config, pointer + "/service", fieldAt("rates", i, "service"));
        rate.zone = requiredString(config, pointer + "/zone", fieldAt("rates", i, "zone"));
        if (std::none_of(table.zones_.begin(), table.zones_.end(), [&](const auto& z) { return z.first == rate.zone; }))
            throw sdk::ConfigError(fieldAt("rates", i, "zone"),
                                   "names \"" + rate.zone + "\", which \"zones\" does not define");
        rate.transitDays = positiveInteger(config, pointer + "/transit_days", fieldAt("rates", i, "transit_days"), 0);
        const std::string brackets = fieldAt("rates", i, "brackets");
        const std::size_t bracketCount = arraySize(config, pointer + "/brackets", brackets);
        for (std::size_t b = 0; b < bracketCount; ++b) {
            const std::string at = pointer + "/brackets/" + std::to_string(b);
            WeightBracket bracket{
                positiveInteger(config, at + "/max_weight_g", fieldAt(brackets, b, "max_weight_g"), 1),
                positiveInteger(config, at + "/price_minor", fieldAt(brackets, b, "price_minor"), 0)};
            if (!rate.brackets.empty() && bracket.maxWeightG <= rate.brackets.back().maxWeightG)
                throw sdk::ConfigError(fieldAt(brackets, b, "max_weight_g"),
                                       "must be larger than the bracket before it");
            rate.brackets.push_back(bracket);
        }
        table.rates_.push_back(std::move(rate));
    }
    return table;
}

std::string RateTable::zoneOf(const std::string& country) const {
    for (const auto& [zone, countries] : zones_)
        if (std::find(countries.begin(), countries.end(), country) != countries.end()) return zone;
    for (const auto& [zone, countries] : zones_)
        if (std::find(countries.begin(), countries.end(), "*") != countries.end()) return zone;
    return "";
}

std::vector<RateChoice> RateTable::candidates(const std::string& zone, const std::vector<std::int64_t>& parcelWeightsG,
                                              std::int64_t maxTransitDays) const {
    std::vector<RateChoice> out;
    for (std::size_t i = 0; i < rates_.size(); ++i) {
        const Rate& rate = rates_[i];
        if (rate.zone != zone) continue;
        std::int64_t cost = 0;
        bool fits = true;
        for (std::int64_t weight : parcelWeightsG) {
            const std::optional<std::int64_t> price = parcelPrice(rate, weight);
            fits = fits && price.has_value();
            cost += price.value_or(0);
        }
        if (fits) out.push_back({rate, cost, rate.transitDays <= maxTransitDays, i});
    }
    return out;
}

std::optional<RateChoice> RateTable::choose(const std::string& zone, const std::vector<std::int64_t>& parcelWeightsG,
                                            std::int64_t maxTransitDays) const {
    std::optional<RateChoice> onTime, fastest;
    for (const RateChoice& candidate : candidates(zone, parcelWeightsG, maxTransitDays)) {
        const std::int64_t cost = candidate.costMinor, days = candidate.rate.transitDays;
        if (candidate.meetsPromise &&
            (!onTime || cost < onTime->costMinor || (cost == onTime->costMinor && days < onTime->rate.transitDays)))
            onTime = candidate;
        if (!fastest || days < fastest->rate.transitDays ||
            (days == fastest->rate.transitDays && cost < fastest->costMinor))
            fastest = candidate;
    }
    if (onTime) return onTime;
    if (fastest) fastest->meetsPromise = false;
    return fastest;
}

}  // namespace orderhost::shipping
