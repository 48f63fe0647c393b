#include "ShippingConfig.h"

#include <stdexcept>
#include <vector>

namespace orderhost::shipping {
namespace {

std::optional<std::int64_t> optionalInteger(const sdk::Document& config, const std::string& pointer,
                                            const std::string& field, std::int64_t low, std::int64_t high) {
    std::optional<std::int64_t> value;
    try {
        value = config.optionalInteger(pointer);
    } catch (const sdk::Error&) {
        throw sdk::ConfigError(field, "must be an integer");
    }
    if (value && (*value < low || *value > high))
        throw sdk::ConfigError(field, "must be between " + std::to_string(low) + " and " + std::to_string(high));
    return value;
}

std::string optionalString(const sdk::Document& config, const std::string& pointer, const std::string& field) {
    try {
        return config.optionalString(pointer).value_or("");
    } catch (const sdk::Error&) {
        throw sdk::ConfigError(field, "must be a string");
    }
}

bool isObject(const sdk::Document& config, const std::string& pointer) {
    return config.has(pointer) && config.type(pointer) == sdk::JsonType::object;
}

}  // namespace

CarrierMap carriersFrom(const sdk::Document& config) {
    const std::int64_t defaultTimeout = optionalInteger(config, "/timeout_ms", "timeout_ms", 1, 600000).value_or(10000);
    if (!isObject(config, "/carriers") || config.size("/carriers") == 0)
        throw sdk::ConfigError("carriers", "is required: an object of carrier name -> {base_url, timeout_ms?}");
    CarrierMap carriers;
    for (const std::string& name : config.keys("/carriers")) {
        const std::string pointer = sdk::path("carriers", name);
        const std::string field = "carriers." + name;
        if (!isObject(config, pointer)) throw sdk::ConfigError(field, "must be an object {base_url, timeout_ms?}");
        const std::string url = optionalString(config, pointer + "/base_url", field + ".base_url");
        if (url.empty())
            throw sdk::ConfigError(field + ".base_url", "is required (the carrier, e.g. http://127.0.0.1:9200)");
        const std::int64_t timeout =
            optionalInteger(config, pointer + "/timeout_ms", field + ".timeout_ms", 1, 600000).value_or(defaultTimeout);
        try {
            carriers.emplace(name, HttpCarrier(url, timeout));
        } catch (const std::invalid_argument& e) {
            throw sdk::ConfigError(field + ".base_url", e.what());
        }
    }
    return carriers;
}

BookingSettings bookingSettingsFrom(const sdk::Document& config) {
    BookingSettings settings{carriersFrom(config), {}, {}, {}, 5, {}, std::nullopt, {"1", 0, 400, 300, 200}, true};
    std::vector<std::string> names;
    for (const auto& entry : settings.carriers) names.push_back(entry.first);
    settings.rates = RateTable::fromConfig(config, names);

    settings.callbackBase = optionalString(config, "/callback_base", "callback_base");
    if (settings.callbackBase.empty())
        throw sdk::ConfigError("callback_base",
                               "is required: the host's URL as the carrier reaches it, e.g. http://127.0.0.1:8080");
    try {
        HttpCarrier(settings.callbackBase, 1);  // the same URL rules as a carrier's base_url
    } catch (const std::invalid_argument& e) {
        throw sdk::ConfigError("callback_base", e.what());
    }
    while (!settings.callbackBase.empty() && settings.callbackBase.back() == '/') settings.callbackBase.pop_back();

    settings.currency = optionalString(config, "/currency", "currency");
    if (!settings.currency.empty() && settings.currency.size() != 3)
        throw sdk::ConfigError("currency", "must be a 3-letter ISO 4217 code");
    settings.defaultTransitDays =
        optionalInteger(config, "/default_transit_days", "default_transit_days", 0, 365).value_or(5);
    try {
        settings.waitForPickup = config.optionalBoolean("/wait_for_pickup").value_or(true);
    } catch (const sdk::Error&) {
        throw sdk::ConfigError("wait_for_pickup", "must be true or false");
    }
    settings.defaultWeightG = optionalInteger(config, "/default_weight_g", "default_weight_g", 1, 1000000000);

    if (config.has("/sku_weights_g")) {
        if (!isObject(config, "/sku_weights_g"))
            throw sdk::ConfigError("sku_weights_g", "must be an object of SKU -> grams");
        for (const std::string& sku : config.keys("/sku_weights_g"))
            settings.skuWeightsG[sku] =
                optionalInteger(config, sdk::path("sku_weights_g", sku), "sku_weights_g." + sku, 0, 1000000000)
                    .value_or(0);
    }
    if (config.has("/default_parcel_mm")) {
        if (!isObject(config, "/default_parcel_mm"))
            throw sdk::ConfigError("default_parcel_mm", "must be an object {length, width, height}");
        std::int64_t* sides[] = {&settings.defaultParcel.lengthMm, &settings.defaultParcel.widthMm,
                                 &settings.defaultParcel.heightMm};
        const char* names3[] = {"length", "width", "height"};
        for (int i = 0; i < 3; ++i)
            *sides[i] = optionalInteger(config, std::string("/default_parcel_mm/") + names3[i],
                                        std::string("default_parcel_mm.") + names3[i], 1, 10000)
                            .value_or(*sides[i]);
    }
    return settings;
}

}  // namespace orderhost::shipping
