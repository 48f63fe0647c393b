// The rate table the shipping unit tests share: one carrier (the simulator), France domestic
// (economy 3 days, express 1 day) and an "*" zone (economy only, 6 days).
#pragma once

#include <string>

namespace shippingtest {

inline std::string bookConfig(const std::string& carrierUrl) {
    return R"({"carriers": {"simcarrier": {"base_url": ")" + carrierUrl + R"(", "timeout_ms": 5000}},
      "callback_base": "http://127.0.0.1:9",
      "currency": "EUR",
      "default_transit_days": 5,
      "zones": {"domestic": ["FR"], "world": ["*"]},
      "rates": [
        {"carrier": "simcarrier", "service": "express", "zone": "domestic", "transit_days": 1,
         "brackets": [{"max_weight_g": 2000, "price_minor": 1500}, {"max_weight_g": 30000, "price_minor": 3900}]},
        {"carrier": "simcarrier", "service": "economy", "zone": "domestic", "transit_days": 3,
         "brackets": [{"max_weight_g": 2000, "price_minor": 590}, {"max_weight_g": 30000, "price_minor": 1290}]},
        {"carrier": "simcarrier", "service": "economy", "zone": "world", "transit_days": 6,
         "brackets": [{"max_weight_g": 10000, "price_minor": 2900}]}],
      "sku_weights_g": {"BOLT-M8": 10, "DRILL-18V": 2100}})";
}

inline std::string awaitConfig(const std::string& carrierUrl) {
    return R"({"carriers": {"simcarrier": {"base_url": ")" + carrierUrl + R"("}}})";
}

// An order to France; `attributes` and `extra` are spliced in as JSON members.
inline std::string order(const std::string& attributes = "{}", const std::string& extra = "") {
    return R"({"order_ref": "ERP-1", "currency": "EUR", "attributes": )" + attributes +
           R"(, "shipping_address": {"name": "Ada", "line1": "1 rue X", "city": "Paris", "postal_code": "75001", "country": "FR"},
           "lines": [{"sku": "BOLT-M8", "quantity": 100}, {"sku": "DRILL-18V", "quantity": 1}])" +
           extra + "}";
}

}  // namespace shippingtest
