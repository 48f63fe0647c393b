// orderhost.validation — entry and validation of the order, the first step of most chains.
//
// Checks the order's shape (customer, currency, lines), every line (SKU, quantity, kind,
// price) against an optional catalog, fills missing unit prices from the catalog, and writes
// /lines/<i>/total and /totals. Money is int64 minor units; every product and sum is checked
// for overflow because an ERP may send anything. Nothing is written unless the whole order
// passes, so a rejected order keeps the document exactly as the ERP sent it.
// Without a "catalog" in the config, SKUs are only checked for shape, and every line needs
// its own unit_price; with one, unknown SKUs are refused unless allow_unknown_skus is true.
// An order placed from a quote (the host wrote /quote after checking that the lines are the
// quoted ones) is priced at the quote's unit prices, /quote/order/lines/<i>/unit_price, even
// when the catalog changed since: that is what the customer was quoted.
#include <orderhost/sdk.hpp>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sdk = orderhost::sdk;

namespace {

constexpr char kConfigSchema[] = R"({
  "type": "object",
  "properties": {
    "catalog": {"type": "object", "additionalProperties": {
      "type": "object", "properties": {"price": {"type": "integer", "minimum": 0}}}},
    "currency": {"type": "string", "description": "ISO 4217 code of the catalog's prices"},
    "allow_unknown_skus": {"type": "boolean", "default": false},
    "max_lines": {"type": "integer", "minimum": 1, "default": 500}
  }
})";

// A value read from the ERP's document, which may be absent or of the wrong type: both are
// business rejections here, not step failures.
template <class T>
struct Field {
    enum State { absent, mistyped, present } state = absent;
    T value{};
};

template <class T, class Read>
Field<T> readField(Read&& read) {
    Field<T> field;
    try {
        std::optional<T> value = read();
        if (value) field = {Field<T>::present, *value};
    } catch (const sdk::Error& e) {
        if (e.status() != OH_STATUS_TYPE_MISMATCH) throw;
        field.state = Field<T>::mistyped;
    }
    return field;
}

Field<std::string> stringField(const sdk::Document& doc, const std::string& path) {
    return readField<std::string>([&] { return doc.optionalString(path); });
}
Field<std::int64_t> integerField(const sdk::Document& doc, const std::string& path) {
    return readField<std::int64_t>([&] { return doc.optionalInteger(path); });
}

sdk::Outcome lineReject(const char* code, std::size_t index, const std::string& what) {
    return sdk::Outcome::reject(code, "line " + std::to_string(index) + ": " + what);
}

// One checked line, ready to be written back.
struct Line {
    std::int64_t quantity = 0;
    std::int64_t unit_price = 0;
    bool price_from_catalog = false;
    std::int64_t total = 0;
};

class ValidateStep : public sdk::Step {
public:
    explicit ValidateStep(sdk::CreateContext& ctx) {
        sdk::Document config = ctx.config();
        allow_unknown_skus_ = config.optionalBoolean("/allow_unknown_skus").value_or(false);
        max_lines_ = config.optionalInteger("/max_lines").value_or(500);
        if (max_lines_ < 1) throw sdk::ConfigError("max_lines", "must be a positive integer");
        catalog_currency_ = config.optionalString("/currency").value_or("");
        if (config.has("/currency") && !sdk::isIsoCurrency(catalog_currency_))
            throw sdk::ConfigError("currency", "must be an ISO 4217 currency code such as \"EUR\"");
        if (config.has("/catalog")) readCatalog(config);
    }

    sdk::Outcome run(sdk::StepCall& call) override {
        sdk::OrderDocument order = call.order();
        if (std::optional<sdk::Outcome> refused = checkHeader(order)) return *refused;
        std::size_t count = order.size("/lines");
        std::vector<Line> lines(count);
        std::int64_t net = 0;
        std::int64_t items = 0;
        for (std::size_t i = 0; i < count; ++i) {
            if (std::optional<sdk::Outcome> refused = checkLine(order, i, lines[i])) return *refused;
            if (__builtin_add_overflow(net, lines[i].total, &net) ||
                __builtin_add_overflow(items, lines[i].quantity, &items))
                return sdk::Outcome::reject("amount_overflow", "order totals exceed the int64 range");
        }
        write(order, lines, net, items);
        return sdk::Outcome::proceed();
    }

private:
    // Catalog entries are copied once here so that run() only reads (OH_STEP_THREAD_SAFE).
    void readCatalog(const sdk::Document& config) {
        if (config.type("/catalog") != sdk::JsonType::object)
            throw sdk::ConfigError("catalog", "must be an object mapping SKU to {\"price\": ...}");
        has_catalog_ = true;
        for (const std::string& sku : config.keys("/catalog")) {
            std::string field = "catalog." + sku;
            if (config.type(sdk::path("catalog", sku)) != sdk::JsonType::object)
                throw sdk::ConfigError(field, "must be an object");
            Field<std::int64_t> price = integerField(config, sdk::path("catalog", sku, "price"));
            if (price.state == Field<std::int64_t>::mistyped || price.value < 0)
                throw sdk::ConfigError(field + ".price", "must be a non-negative integer (minor units)");
            catalog_[sku] =
                price.state == Field<std::int64_t>::present ? std::optional<std::int64_t>(price.value) : std::nullopt;
        }
    }

    std::optional<sdk::Outcome> checkHeader(const sdk::OrderDocument& order) const {
        if (!order.has("/lines") || order.type("/lines") != sdk::JsonType::array || order.size("/lines") == 0)
            return sdk::Outcome::reject("no_lines", "the order has no lines");
        std::size_t count = order.size("/lines");
        if (count > static_cast<std::uint64_t>(max_lines_))
            return sdk::Outcome::reject("too_many_lines", "the order has " + std::to_string(count) +
                                                              " lines; at most " + std::to_string(max_lines_) +
                                                              " allowed");
        Field<std::string> customer = stringField(order, "/customer/id");
        if (customer.state != Field<std::string>::present || customer.value.empty())
            return sdk::Outcome::reject("missing_customer", "customer.id must be a non-empty string");
        Field<std::string> currency = stringField(order, "/currency");
        if (currency.state != Field<std::string>::present || !sdk::isIsoCurrency(currency.value))
            return sdk::Outcome::reject("invalid_currency",
                                        currency.state == Field<std::string>::present
                                            ? "currency \"" + currency.value.substr(0, 16) +
                                                  "\" is not an ISO 4217 currency code (such as \"EUR\")"
                                            : "currency must be an ISO 4217 code such as \"EUR\"");
        return std::nullopt;
    }

    std::optional<sdk::Outcome> checkLine(const sdk::OrderDocument& order, std::size_t i, Line& line) const {
        Field<std::string> sku = stringField(order, sdk::path("lines", i, "sku"));
        if (sku.state != Field<std::string>::present || sku.value.empty())
            return lineReject("invalid_sku", i, "sku must be a non-empty string");
        Field<std::int64_t> quantity = integerField(order, sdk::path("lines", i, "quantity"));
        if (quantity.state != Field<std::int64_t>::present || quantity.value <= 0)
            return lineReject("invalid_quantity", i, "quantity must be a positive integer");
        line.quantity = quantity.value;
        Field<std::string> kind = stringField(order, sdk::path("lines", i, "kind"));
        if (kind.state == Field<std::string>::mistyped ||
            (kind.state == Field<std::string>::present && kind.value != "goods" && kind.value != "service" &&
             kind.value != "custom"))
            return lineReject("invalid_kind", i, "kind must be \"goods\", \"service\" or \"custom\"");
        if (std::optional<sdk::Outcome> refused = checkPrice(order, i, sku.value, line)) return refused;
        if (__builtin_mul_overflow(line.quantity, line.unit_price, &line.total))
            return lineReject("amount_overflow", i, "quantity x unit_price exceeds the int64 range");
        return std::nullopt;
    }

    std::optional<sdk::Outcome> checkPrice(const sdk::OrderDocument& order, std::size_t i, const std::string& sku,
                                           Line& line) const {
        std::optional<std::int64_t> catalog_price;
        Field<std::int64_t> quoted = integerField(order, sdk::path("quote", "order", "lines", i, "unit_price"));
        if (quoted.state == Field<std::int64_t>::present) {
            Field<std::string> quoted_sku = stringField(order, sdk::path("quote", "order", "lines", i, "sku"));
            if (quoted_sku.state != Field<std::string>::present || quoted_sku.value != sku || quoted.value < 0)
                return lineReject("quote_mismatch", i, "the quote's line does not match SKU \"" + sku + "\"");
            catalog_price = quoted.value;  // the quoted price stands in for the catalog's
        } else if (has_catalog_) {
            auto entry = catalog_.find(sku);
            if (entry == catalog_.end() && !allow_unknown_skus_)
                return lineReject("unknown_sku", i, "unknown SKU \"" + sku + "\"");
            if (entry != catalog_.end()) catalog_price = entry->second;
            // A catalog price is in the catalog's currency: 8999 cents are not 8999 yen.
            const std::string currency = order.optionalString("/currency").value_or("");
            if (catalog_price && !catalog_currency_.empty() && currency != catalog_currency_)
                return lineReject("currency_not_priced", i,
                                  "the catalog prices SKU \"" + sku + "\" in " + catalog_currency_ +
                                      ", and the order is in " + currency + " (no conversion: send the order in " +
                                      catalog_currency_ + ")");
        }
        Field<std::int64_t> price = integerField(order, sdk::path("lines", i, "unit_price"));
        if (price.state == Field<std::int64_t>::mistyped || price.value < 0)
            return lineReject("invalid_price", i, "unit_price must be a non-negative integer (minor units)");
        if (price.state == Field<std::int64_t>::present) {
            if (catalog_price && *catalog_price != price.value)
                return lineReject("price_mismatch", i,
                                  "unit_price " + std::to_string(price.value) + " differs from the " +
                                      (quoted.state == Field<std::int64_t>::present ? "quoted" : "catalog") +
                                      " price " + std::to_string(*catalog_price) + " of SKU \"" + sku + "\"");
            line.unit_price = price.value;
            return std::nullopt;
        }
        if (!catalog_price)
            return lineReject("missing_price", i, "no unit_price and no catalog price for SKU \"" + sku + "\"");
        line.unit_price = *catalog_price;
        line.price_from_catalog = true;
        return std::nullopt;
    }

    static void write(const sdk::OrderDocument& order, const std::vector<Line>& lines, std::int64_t net,
                      std::int64_t items) {
        for (std::size_t i = 0; i < lines.size(); ++i) {
            if (lines[i].price_from_catalog) order.set(sdk::path("lines", i, "unit_price"), lines[i].unit_price);
            order.set(sdk::path("lines", i, "total"), lines[i].total);
        }
        order.setJson(
            "/totals",
            sdk::JsonObject().add("net", net).add("items", items).add("currency", order.string("/currency")).str());
    }

    // SKU → catalog price (nullopt: known SKU without a price). Read-only after construction.
    std::unordered_map<std::string, std::optional<std::int64_t>> catalog_;
    bool has_catalog_ = false;
    std::string catalog_currency_;  // config "currency"; empty: prices taken to be in the order's currency
    bool allow_unknown_skus_ = false;
    std::int64_t max_lines_ = 500;
};

}  // namespace

ORDERHOST_PLUGIN("orderhost.validation", "1.0.0", "orderhost", "Order entry validation",
                 ORDERHOST_STEP(ValidateStep, "validate", OH_CATEGORY_VALIDATION,
                                "Checks customer, currency, lines, SKUs and prices; computes totals", kConfigSchema,
                                OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS | OH_STEP_ANSWERS_QUOTES));
