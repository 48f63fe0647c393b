// orderhost.sourcing — reading and checking the steps' configuration. Every refusal names the
// field, down to the seed entry ("seed.stock[1].on_hand: must be a non-negative integer"), so
// an administrator finds the typo without reading code.
#include "sourcing.hpp"

#include <set>

namespace orderhost::sourcing {

namespace {

const std::set<std::string> kReserveFields = {"warehouse_rule", "shortage", "unknown_sku", "requisitions", "seed"};

void refuseUnknownKeys(const sdk::Document& config, const std::string& path, const std::string& field,
                       const std::set<std::string>& allowed) {
    for (const std::string& key : config.keys(path)) {
        if (allowed.count(key) != 0) continue;
        std::string names;
        for (const std::string& name : allowed) names += (names.empty() ? "" : ", ") + name;
        throw sdk::ConfigError(field.empty() ? key : field + "." + key,
                               "is unknown; allowed: " + (names.empty() ? std::string("none") : names));
    }
}

void requireObject(const sdk::Document& config, const std::string& path, const std::string& field) {
    if (config.type(path) != sdk::JsonType::object) throw sdk::ConfigError(field, "must be an object");
}

std::string choice(const sdk::Document& config, const char* field, const std::vector<const char*>& allowed) {
    std::optional<std::string> value;
    try {
        value = config.optionalString(std::string("/") + field);
    } catch (const sdk::Error&) {
        value = "";  // present but not a string: refused below
    }
    if (!value) return allowed.front();
    std::string names;
    for (const char* name : allowed) {
        if (*value == name) return *value;
        names += std::string(names.empty() ? "" : ", ") + "\"" + name + "\"";
    }
    throw sdk::ConfigError(field, "must be one of " + names);
}

std::string text(const sdk::Document& config, const std::string& path, const std::string& field, bool required) {
    std::optional<std::string> value;
    try {
        value = config.optionalString(path);
    } catch (const sdk::Error&) {
        throw sdk::ConfigError(field, "must be a string");
    }
    if (required && (!value || value->empty())) throw sdk::ConfigError(field, "is required (a non-empty string)");
    return value.value_or("");
}

std::int64_t count(const sdk::Document& config, const std::string& path, const std::string& field) {
    std::optional<std::int64_t> value;
    try {
        value = config.optionalInteger(path);
    } catch (const sdk::Error&) {
        throw sdk::ConfigError(field, "must be a non-negative integer");
    }
    if (value.value_or(0) < 0) throw sdk::ConfigError(field, "must be a non-negative integer");
    return value.value_or(0);
}

// Calls read(path, field) for each entry of the array seed.<name>.
template <class Read>
void eachSeedEntry(const sdk::Document& config, const char* name, const std::set<std::string>& fields, Read read) {
    const std::string path = std::string("/seed/") + name;
    if (!config.has(path)) return;
    if (config.type(path) != sdk::JsonType::array)
        throw sdk::ConfigError(std::string("seed.") + name, "must be an array");
    for (std::size_t i = 0; i < config.size(path); ++i) {
        const std::string entry = path + "/" + std::to_string(i);
        const std::string field = std::string("seed.") + name + "[" + std::to_string(i) + "]";
        requireObject(config, entry, field);
        refuseUnknownKeys(config, entry, field, fields);
        read(entry, field);
    }
}

// Refuses a second seed entry with the same key (the table's primary key): inserting it would
// fail the first order with a constraint violation instead of naming the entry.
void refuseDuplicate(std::set<std::string>& seen, const std::string& key, const std::string& field,
                     const std::string& what) {
    if (!seen.insert(key).second) throw sdk::ConfigError(field, "repeats " + what + "; each may appear once");
}

Seed readSeed(const sdk::Document& config) {
    Seed seed;
    if (!config.has("/seed")) return seed;
    requireObject(config, "/seed", "seed");
    refuseUnknownKeys(config, "/seed", "seed", {"warehouses", "stock", "suppliers", "sku_suppliers"});
    std::set<std::string> warehouses, suppliers, stockKeys, skuKeys;
    eachSeedEntry(config, "warehouses", {"warehouse", "name", "priority"},
                  [&](const std::string& p, const std::string& f) {
                      SeedWarehouse w{text(config, p + "/warehouse", f + ".warehouse", true),
                                      text(config, p + "/name", f + ".name", false),
                                      count(config, p + "/priority", f + ".priority")};
                      refuseDuplicate(warehouses, w.warehouse, f + ".warehouse", "warehouse \"" + w.warehouse + "\"");
                      seed.warehouses.push_back(std::move(w));
                  });
    eachSeedEntry(
        config, "stock", {"warehouse", "sku", "bin", "on_hand"}, [&](const std::string& p, const std::string& f) {
            SeedStock s{text(config, p + "/warehouse", f + ".warehouse", true),
                        text(config, p + "/sku", f + ".sku", true), text(config, p + "/bin", f + ".bin", false),
                        count(config, p + "/on_hand", f + ".on_hand")};
            if (warehouses.count(s.warehouse) == 0)
                throw sdk::ConfigError(f + ".warehouse",
                                       "names \"" + s.warehouse + "\", which is not in seed.warehouses");
            refuseDuplicate(stockKeys, s.sku + '\n' + s.warehouse, f + ".sku",
                            "SKU \"" + s.sku + "\" in warehouse \"" + s.warehouse + "\"");
            seed.stock.push_back(std::move(s));
        });
    eachSeedEntry(config, "suppliers", {"supplier", "name", "email"}, [&](const std::string& p, const std::string& f) {
        SeedSupplier s{text(config, p + "/supplier", f + ".supplier", true),
                       text(config, p + "/name", f + ".name", false), text(config, p + "/email", f + ".email", false)};
        refuseDuplicate(suppliers, s.supplier, f + ".supplier", "supplier \"" + s.supplier + "\"");
        seed.suppliers.push_back(std::move(s));
    });
    eachSeedEntry(config, "sku_suppliers", {"sku", "supplier", "reorder_point", "reorder_quantity"},
                  [&](const std::string& p, const std::string& f) {
                      SeedSkuSupplier s{text(config, p + "/sku", f + ".sku", true),
                                        text(config, p + "/supplier", f + ".supplier", true),
                                        count(config, p + "/reorder_point", f + ".reorder_point"),
                                        count(config, p + "/reorder_quantity", f + ".reorder_quantity")};
                      if (suppliers.count(s.supplier) == 0)
                          throw sdk::ConfigError(f + ".supplier",
                                                 "names \"" + s.supplier + "\", which is not in seed.suppliers");
                      // One preferred supplier per SKU (sourcing_sku_suppliers' key is the SKU).
                      refuseDuplicate(skuKeys, s.sku, f + ".sku", "SKU \"" + s.sku + "\"");
                      seed.sku_suppliers.push_back(std::move(s));
                  });
    if (seed.warehouses.empty() && (!seed.stock.empty() || !seed.sku_suppliers.empty()))
        throw sdk::ConfigError("seed.warehouses", "must list at least one warehouse when the seed has stock");
    return seed;
}

}  // namespace

ReserveConfig readReserveConfig(const sdk::Document& config) {
    refuseUnknownKeys(config, "", "", kReserveFields);
    ReserveConfig out;
    out.rule = choice(config, "warehouse_rule", {"priority", "single_warehouse"}) == "priority"
                   ? WarehouseRule::priority
                   : WarehouseRule::single_warehouse;
    const std::string shortage = choice(config, "shortage", {"reject", "backorder", "split"});
    out.shortage = shortage == "reject"      ? ShortagePolicy::reject
                   : shortage == "backorder" ? ShortagePolicy::backorder
                                             : ShortagePolicy::split;
    out.ignore_unknown = choice(config, "unknown_sku", {"reject", "ignore"}) == "ignore";
    try {
        out.requisitions = config.optionalBoolean("/requisitions").value_or(true);
    } catch (const sdk::Error&) {
        throw sdk::ConfigError("requisitions", "must be true or false");
    }
    out.seed = readSeed(config);
    return out;
}

void refuseAnySetting(const sdk::Document& config, const char* stepKind) {
    for (const std::string& key : config.keys(""))
        throw sdk::ConfigError(key, std::string("is unknown: the ") + stepKind + " step takes no settings");
}

}  // namespace orderhost::sourcing
