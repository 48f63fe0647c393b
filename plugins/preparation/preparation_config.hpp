// preparation_config.hpp — the pick-pack step's configuration, checked field by field.
//
// Every refusal is a ConfigError naming the field as the chain file spells it
// ("parcel_types[1].max_weight_g", "items.BOLT-M8.length_mm"), so `chains validate` tells the
// administrator exactly what to fix. Sizes are whole millimetres and grams, from 1 to 100 000 mm
// and 1 to 1 000 000 000 g, so volumes and sums stay far inside int64.
#ifndef ORDERHOST_PREPARATION_CONFIG_HPP
#define ORDERHOST_PREPARATION_CONFIG_HPP

#include "packing.hpp"

#include <orderhost/sdk.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace preparation {

namespace sdk = orderhost::sdk;

constexpr std::int64_t kMaxMillimetres = 100000;
constexpr std::int64_t kMaxGrams = 1000000000;

struct Config {
    std::string default_warehouse;
    std::string default_bin;                // "" = none: a SKU without a bin fails bin_missing
    bool items_from_table = false;          // items_source "table": preparation_items
    std::map<std::string, ItemSpec> items;  // SKU -> weight, dimensions, bin (items_source "config")
    std::vector<ParcelType> parcel_types;
    std::int64_t fill_percent = 100;
    std::int64_t max_parcels = 200;
};

inline std::int64_t readInteger(const sdk::Document& config, const std::string& pointer, const std::string& field,
                                std::int64_t min, std::int64_t max, std::optional<std::int64_t> fallback) {
    std::optional<std::int64_t> value;
    try {
        value = config.optionalInteger(pointer);
    } catch (const sdk::Error&) {
        throw sdk::ConfigError(field, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    }
    if (!value && fallback) return *fallback;
    if (!value) throw sdk::ConfigError(field, "is required");
    if (*value < min || *value > max)
        throw sdk::ConfigError(field, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    return *value;
}

inline std::string readText(const sdk::Document& config, const std::string& pointer, const std::string& field,
                            bool required, std::size_t maxLength = 64) {
    std::optional<std::string> value;
    try {
        value = config.optionalString(pointer);
    } catch (const sdk::Error&) {
        throw sdk::ConfigError(field, "must be a string");
    }
    if (!value && !required) return std::string();
    if (!value || value->empty() || value->size() > maxLength)
        throw sdk::ConfigError(field, "must be a string of 1 to " + std::to_string(maxLength) + " characters");
    return *value;
}

inline ItemSpec readItem(const sdk::Document& config, const std::string& sku) {
    const std::string field = "items." + sku;
    if (config.type(sdk::path("items", sku)) != sdk::JsonType::object)
        throw sdk::ConfigError(field, "must be an object {weight_g, length_mm, width_mm, height_mm, bin}");
    ItemSpec item;
    item.weight_g = readInteger(config, sdk::path("items", sku, "weight_g"), field + ".weight_g", 1, kMaxGrams, {});
    item.length_mm =
        readInteger(config, sdk::path("items", sku, "length_mm"), field + ".length_mm", 1, kMaxMillimetres, {});
    item.width_mm =
        readInteger(config, sdk::path("items", sku, "width_mm"), field + ".width_mm", 1, kMaxMillimetres, {});
    item.height_mm =
        readInteger(config, sdk::path("items", sku, "height_mm"), field + ".height_mm", 1, kMaxMillimetres, {});
    item.bin = readText(config, sdk::path("items", sku, "bin"), field + ".bin", false);
    return item;
}

inline ParcelType readParcelType(const sdk::Document& config, std::size_t i, std::int64_t fillPercent) {
    const std::string field = "parcel_types[" + std::to_string(i) + "]";
    const auto at = [&](const char* member) { return sdk::path("parcel_types", i, member); };
    if (config.type(sdk::path("parcel_types", i)) != sdk::JsonType::object)
        throw sdk::ConfigError(field, "must be an object {type, length_mm, width_mm, height_mm, max_weight_g, tare_g}");
    ParcelType type;
    type.type = readText(config, at("type"), field + ".type", true, 32);
    type.length_mm = readInteger(config, at("length_mm"), field + ".length_mm", 1, kMaxMillimetres, {});
    type.width_mm = readInteger(config, at("width_mm"), field + ".width_mm", 1, kMaxMillimetres, {});
    type.height_mm = readInteger(config, at("height_mm"), field + ".height_mm", 1, kMaxMillimetres, {});
    type.max_weight_g = readInteger(config, at("max_weight_g"), field + ".max_weight_g", 1, kMaxGrams, {});
    type.tare_g = readInteger(config, at("tare_g"), field + ".tare_g", 0, kMaxGrams, 0);
    if (type.tare_g >= type.max_weight_g)
        throw sdk::ConfigError(field + ".tare_g", "must be below max_weight_g (the parcel's gross limit)");
    type.capacity_mm3 = type.length_mm * type.width_mm * type.height_mm * fillPercent / 100;
    return type;
}

inline Config readConfig(const sdk::Document& config) {
    Config out;
    out.default_warehouse = readText(config, "/default_warehouse", "default_warehouse", true);
    out.default_bin = readText(config, "/default_bin", "default_bin", false);
    std::string source = readText(config, "/items_source", "items_source", false);
    if (source.empty()) source = "config";
    if (source != "config" && source != "table")
        throw sdk::ConfigError("items_source", "must be \"config\" (items) or \"table\" (preparation_items)");
    out.items_from_table = source == "table";
    if (config.has("/items")) {
        if (config.type("/items") != sdk::JsonType::object)
            throw sdk::ConfigError("items",
                                   "must be an object mapping SKU to {weight_g, length_mm, width_mm, height_mm, bin}");
        for (const std::string& sku : config.keys("/items")) out.items[sku] = readItem(config, sku);
    } else if (!out.items_from_table) {
        throw sdk::ConfigError("items", "is required when items_source is \"config\"");
    }
    out.fill_percent = readInteger(config, "/fill_percent", "fill_percent", 1, 100, 100);
    out.max_parcels = readInteger(config, "/max_parcels", "max_parcels", 1, 10000, 200);
    if (!config.has("/parcel_types") || config.type("/parcel_types") != sdk::JsonType::array ||
        config.size("/parcel_types") == 0)
        throw sdk::ConfigError("parcel_types", "must be a non-empty array of parcel types");
    std::set<std::string> names;
    for (std::size_t i = 0; i < config.size("/parcel_types"); ++i) {
        out.parcel_types.push_back(readParcelType(config, i, out.fill_percent));
        if (!names.insert(out.parcel_types.back().type).second)
            throw sdk::ConfigError("parcel_types[" + std::to_string(i) + "].type",
                                   "repeats " + out.parcel_types.back().type);
    }
    return out;
}

}  // namespace preparation

#endif  // ORDERHOST_PREPARATION_CONFIG_HPP
