// billing_tax.hpp — tax rates and the one rounding rule of orderhost.billing.
//
// Rounding rule (docs/plugins.md, "billing"): tax is computed PER LINE as
// net_minor * rate_bp / 10000, rounded HALF AWAY FROM ZERO to a whole minor unit; the
// invoice's tax is the sum of the rounded line taxes, and its total is net + tax. So
// 3 lines of 0.05 at 19 % give 3 x 0.01 = 0.03 tax (not round(0.15 * 0.19) = 0.03 by luck):
// the invoice always equals the sum of its printed lines.
#ifndef ORDERHOST_PLUGINS_BILLING_TAX_HPP
#define ORDERHOST_PLUGINS_BILLING_TAX_HPP

#include <orderhost/sdk.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace billing {

namespace sdk = orderhost::sdk;

// Tax in minor units for one line: half away from zero. nullopt on int64 overflow.
inline std::optional<std::int64_t> lineTax(std::int64_t net_minor, std::int64_t rate_bp) {
    const __int128 product = static_cast<__int128>(net_minor) * rate_bp;
    const __int128 magnitude = product < 0 ? -product : product;
    const __int128 rounded = (magnitude + 5000) / 10000;
    const __int128 tax = product < 0 ? -rounded : rounded;
    if (tax > INT64_MAX || tax < INT64_MIN) return std::nullopt;
    return static_cast<std::int64_t>(tax);
}

// The share of `amount` (an invoice line's net or tax) for `part` of its `whole` units,
// rounded half away from zero: the cumulative credit of returns (billing_return.hpp). With
// 0 <= part <= whole it lies between 0 and amount, and is amount at part == whole.
inline std::int64_t proratedShare(std::int64_t amount, std::int64_t part, std::int64_t whole) {
    if (whole <= 0 || part >= whole) return amount;
    const __int128 product = static_cast<__int128>(amount) * part;
    const __int128 magnitude = product < 0 ? -product : product;
    const __int128 rounded = (magnitude + whole / 2) / whole;
    return static_cast<std::int64_t>(product < 0 ? -rounded : rounded);
}

// country -> tax_class -> basis points (1900 = 19 %), as given in the step's config.
using RateTable = std::map<std::pair<std::string, std::string>, std::int64_t>;

// Reads config "tax_rates": {"DE": {"standard": 1900, "reduced": 700}, ...}.
inline RateTable readConfigRates(const sdk::Document& config) {
    RateTable rates;
    if (config.type("/tax_rates") != sdk::JsonType::object)
        throw sdk::ConfigError("tax_rates", "must be an object: country -> {tax_class: basis points}");
    for (const std::string& country : config.keys("/tax_rates")) {
        const std::string at = sdk::path("tax_rates", country);
        if (config.type(at) != sdk::JsonType::object)
            throw sdk::ConfigError("tax_rates." + country, "must be an object: tax_class -> basis points");
        for (const std::string& tax_class : config.keys(at)) {
            std::optional<std::int64_t> bp;
            try {
                bp = config.optionalInteger(sdk::path("tax_rates", country, tax_class));
            } catch (const sdk::Error&) {
            }
            if (!bp || *bp < 0 || *bp > 10000)
                throw sdk::ConfigError("tax_rates." + country + "." + tax_class,
                                       "must be an integer of basis points from 0 to 10000 (1900 = 19 %)");
            rates[{country, tax_class}] = *bp;
        }
    }
    return rates;
}

}  // namespace billing

#endif  // ORDERHOST_PLUGINS_BILLING_TAX_HPP
