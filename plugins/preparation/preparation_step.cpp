// orderhost.preparation — pick lists and parcels for an order's goods (step kind pick-pack).
//
// run(): reads the goods lines and /sourcing/reserved (preparation_plan.hpp), builds one pick
// list per warehouse in walking order (walking_order.hpp), packs the picked units into parcels
// by first-fit decreasing on volume with a weight check (packing.hpp), writes everything into
// its tables through orderhost.db in the step's transaction and the result into /preparation:
//   {"status": "prepared", "pick_lists": [{"warehouse", "picks": [{"bin", "sku", "quantity"}]}],
//    "parcels": [{"parcel", "warehouse", "type", "weight_g", "length_mm", "width_mm", "height_mm",
//                 "lines": [{"sku", "quantity"}]}], "short": [{"sku", "quantity"}] (when any)}
// (preparation_report.hpp). Each warehouse's goods are packed into parcels of their own.
// A run writes /preparation from what it stored (the rows it inserted, in their order); a rerun
// of an order that already has rows rebuilds it from the tables (the same JSON). Without goods lines:
// {"status": "not_needed", ...} and nothing stored. FAIL (nothing kept) when a SKU has no weight
// and dimensions (item_dimensions_missing), no bin (bin_missing), fits no parcel type
// (item_too_large) or needs more than max_parcels parcels (too_many_parcels); the codes' messages
// name the SKU. Idempotent: when the order already has rows, they are reported again.
// In a quote (ABI 1.2) run() plans and packs the same way and writes /preparation with
// "status": "quoted" from the plan, storing nothing: book-shipment's quote prices these parcels.
// compensate(): the order's pick lists and parcels become "cancelled" (rows kept, with the time);
// /preparation/status = "cancelled". Repeating it changes nothing.
//
// Thread contract: OH_STEP_THREAD_SAFE (the config is read-only after construction).
#include "packing.hpp"
#include "preparation_config.hpp"
#include "preparation_plan.hpp"
#include "preparation_report.hpp"

#include <orderhost/sdk.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sdk = orderhost::sdk;
using namespace preparation;

namespace {

constexpr char kConfigSchema[] = R"({
  "type": "object",
  "required": ["default_warehouse", "parcel_types"],
  "properties": {
    "default_warehouse": {"type": "string", "minLength": 1, "maxLength": 64},
    "default_bin": {"type": "string", "minLength": 1, "maxLength": 64},
    "items_source": {"enum": ["config", "table"], "default": "config"},
    "items": {"type": "object", "additionalProperties": {"type": "object",
      "required": ["weight_g", "length_mm", "width_mm", "height_mm"],
      "properties": {"weight_g": {"type": "integer", "minimum": 1}, "length_mm": {"type": "integer", "minimum": 1},
        "width_mm": {"type": "integer", "minimum": 1}, "height_mm": {"type": "integer", "minimum": 1},
        "bin": {"type": "string"}}}},
    "parcel_types": {"type": "array", "minItems": 1, "items": {"type": "object",
      "required": ["type", "length_mm", "width_mm", "height_mm", "max_weight_g"],
      "properties": {"type": {"type": "string"}, "length_mm": {"type": "integer", "minimum": 1},
        "width_mm": {"type": "integer", "minimum": 1}, "height_mm": {"type": "integer", "minimum": 1},
        "max_weight_g": {"type": "integer", "minimum": 1}, "tare_g": {"type": "integer", "minimum": 0, "default": 0}}}},
    "fill_percent": {"type": "integer", "minimum": 1, "maximum": 100, "default": 100},
    "max_parcels": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 200}
  }
})";

class PickPackStep : public sdk::Step {
public:
    explicit PickPackStep(sdk::CreateContext& ctx) : config_(readConfig(ctx.config())) {}

    sdk::Outcome run(sdk::StepCall& call) override {
        sdk::Database db(call);
        sdk::OrderDocument order = call.order();
        const std::string orderId(call.orderId());
        if (!call.quoting() && hasRows(db, orderId)) {  // prepared by an earlier run whose result was kept
            writeFromTables(db, order, orderId);
            return sdk::Outcome::proceed();
        }
        const auto goods = goodsOf(order);
        if (goods.empty()) {
            order.setJson("/preparation", R"({"status":"not_needed","pick_lists":[],"parcels":[]})");
            return sdk::Outcome::proceed();
        }
        Plan plan;
        if (std::optional<sdk::Outcome> problem = planPicks(db, goods, reservationsOf(order), call.quoting(), plan))
            return *problem;
        plan.sortForWalking();
        const PackResult packed =
            packPerWarehouse(plan.toPack, config_.parcel_types, static_cast<std::size_t>(config_.max_parcels));
        if (!packed.error_code.empty()) return sdk::Outcome::fail(packed.error_code, packed.error_message);
        if (call.quoting()) {  // the parcels a quote's shipping rates need; no pick list is stored
            writeFromPlan(order, plan, packed, config_.parcel_types, "quoted");
            return sdk::Outcome::proceed();
        }
        store(db, orderId, call.nowMs(), plan, packed);
        writeFromPlan(order, plan, packed, config_.parcel_types, "prepared");  // what store() wrote: no read back
        return sdk::Outcome::proceed();
    }

    sdk::Outcome compensate(sdk::StepCall& call) override {
        sdk::Database db(call);
        const std::string orderId(call.orderId());
        const std::int64_t now = call.nowMs();
        db.execute(
            "UPDATE preparation_pick_lists SET status = 'cancelled', cancelled_at_ms = ?"
            " WHERE order_id = ? AND status = 'prepared'",
            {now, orderId});
        db.execute(
            "UPDATE preparation_parcels SET status = 'cancelled', cancelled_at_ms = ?"
            " WHERE order_id = ? AND status = 'prepared'",
            {now, orderId});
        sdk::OrderDocument order = call.order();
        if (hasRows(db, orderId) && order.has("/preparation")) order.set("/preparation/status", "cancelled");
        return sdk::Outcome::proceed();
    }

private:
    // A run that stored anything stored a pick list or, when every good was short (a split
    // that found no stock of any of them), only shortages (a re-run inserted them again and
    // failed on their key before 2026-12-05).
    static bool hasRows(const sdk::Database& db, const std::string& orderId) {
        return !db.query("SELECT order_id FROM preparation_pick_lists WHERE order_id = ?", {orderId}).empty() ||
               !db.query("SELECT order_id FROM preparation_shortages WHERE order_id = ?", {orderId}).empty();
    }

    // Weight, dimensions and bin of `sku`: preparation_items (items_source "table"), else config items.
    std::optional<ItemSpec> specOf(const sdk::Database& db, const std::string& sku) const {
        if (config_.items_from_table) {
            const std::vector<sdk::Row> rows = db.query(
                "SELECT weight_g, length_mm, width_mm, height_mm, bin FROM preparation_items WHERE sku = ?", {sku});
            if (!rows.empty()) {
                const sdk::Row& r = rows.front();
                ItemSpec spec{r.integer("weight_g"), r.integer("length_mm"), r.integer("width_mm"),
                              r.integer("height_mm"), r.optionalString("bin").value_or("")};
                if (spec.weight_g > 0 && spec.length_mm > 0 && spec.width_mm > 0 && spec.height_mm > 0 &&
                    spec.weight_g <= kMaxGrams && spec.length_mm <= kMaxMillimetres &&
                    spec.width_mm <= kMaxMillimetres && spec.height_mm <= kMaxMillimetres)
                    return spec;
                throw sdk::Error(OH_STATUS_INVALID_ARGUMENT, std::string(),
                                 "preparation_items row of SKU " + sku + " has a size or weight out of range");
            }
        }
        auto found = config_.items.find(sku);
        return found == config_.items.end() ? std::nullopt : std::optional<ItemSpec>(found->second);
    }

    // A quote stores no pick list and packing needs no bin: a missing bin is no failure there
    // (the pick shows bin ""). A backordering draft's quote has no reservation yet and picks
    // from default_warehouse, where SKUs of reserved stock often have no configured bin; it
    // answered `failed` (bin_missing) before 2026-12-05.
    std::optional<sdk::Outcome> planPicks(const sdk::Database& db, const std::vector<Goods>& goods,
                                          const std::vector<Reserved>& reserved, bool quoting, Plan& plan) const {
        for (const Goods& g : goods) {
            const std::string& sku = g.sku;
            const std::optional<ItemSpec> spec = specOf(db, sku);
            if (!spec)
                return sdk::Outcome::fail("item_dimensions_missing",
                                          "no weight and dimensions for SKU " + sku + " (config items." + sku +
                                              (config_.items_from_table ? " or table preparation_items)" : ")"));
            const std::string configuredBin = spec->bin.empty() ? config_.default_bin : spec->bin;
            std::int64_t left = g.stocked;
            bool fromReservations = false;
            for (const Reserved& r : reserved) {
                if (r.sku != sku) continue;
                fromReservations = true;
                const std::int64_t take = std::min(left, r.quantity);
                const std::string bin = r.bin.empty() ? configuredBin : r.bin;
                if (take == 0) continue;
                if (bin.empty() && !quoting) return binMissing(sku);
                const std::string& warehouse = r.warehouse.empty() ? config_.default_warehouse : r.warehouse;
                addPick(plan.lists, warehouse, bin, sku, take);
                plan.addToPack(warehouse, sku, take, *spec);
                left -= take;
            }
            const std::int64_t fromDefault = (fromReservations ? 0 : left) + g.made;
            if (fromDefault > 0) {
                if (configuredBin.empty() && !quoting) return binMissing(sku);
                addPick(plan.lists, config_.default_warehouse, configuredBin, sku, fromDefault);
                plan.addToPack(config_.default_warehouse, sku, fromDefault, *spec);
            }
            if (!fromReservations) left = 0;
            if (left > 0) plan.shortages.emplace_back(sku, left);
        }
        return std::nullopt;
    }

    static sdk::Outcome binMissing(const std::string& sku) {
        return sdk::Outcome::fail("bin_missing", "SKU " + sku +
                                                     " has no bin: the reservation names none, and neither"
                                                     " config items." +
                                                     sku + ".bin nor default_bin is set");
    }

    void store(const sdk::Database& db, const std::string& orderId, std::int64_t now, const Plan& plan,
               const PackResult& packed) const {
        for (std::size_t l = 0; l < plan.lists.size(); ++l) {
            const auto listNo = static_cast<std::int64_t>(l + 1);
            db.execute(
                "INSERT INTO preparation_pick_lists (order_id, list_no, warehouse, status, created_at_ms)"
                " VALUES (?, ?, ?, 'prepared', ?)",
                {orderId, listNo, plan.lists[l].warehouse, now});
            for (std::size_t p = 0; p < plan.lists[l].picks.size(); ++p) {
                const Pick& pick = plan.lists[l].picks[p];
                db.execute(
                    "INSERT INTO preparation_picks (order_id, list_no, seq, bin, sku, quantity) VALUES (?, ?, ?, ?, ?, "
                    "?)",
                    {orderId, listNo, static_cast<std::int64_t>(p + 1), pick.bin, pick.sku, pick.quantity});
            }
        }
        for (std::size_t n = 0; n < packed.parcels.size(); ++n) {
            const Parcel& parcel = packed.parcels[n];
            const ParcelType& type = config_.parcel_types[parcel.type];
            const auto parcelNo = static_cast<std::int64_t>(n + 1);
            db.execute(
                "INSERT INTO preparation_parcels (order_id, parcel, warehouse, parcel_type, weight_g, length_mm,"
                " width_mm, height_mm, status, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'prepared', ?)",
                {orderId, parcelNo, parcel.warehouse, type.type, parcel.contents_g + type.tare_g, type.length_mm,
                 type.width_mm, type.height_mm, now});
            for (std::size_t i = 0; i < parcel.lines.size(); ++i)
                db.execute(
                    "INSERT INTO preparation_parcel_lines (order_id, parcel, line_no, sku, quantity) VALUES (?, ?, ?, "
                    "?, ?)",
                    {orderId, parcelNo, static_cast<std::int64_t>(i + 1), parcel.lines[i].first,
                     parcel.lines[i].second});
        }
        for (const auto& [sku, quantity] : plan.shortages)
            db.execute("INSERT INTO preparation_shortages (order_id, sku, quantity) VALUES (?, ?, ?)",
                       {orderId, sku, quantity});
    }

    const Config config_;  // read-only after construction (OH_STEP_THREAD_SAFE)
};

}  // namespace

ORDERHOST_MIGRATIONS("",
                     ORDERHOST_MIGRATION(1, "pick lists, picks, parcels, parcel lines, shortages, item sizes",
                                         "CREATE TABLE preparation_pick_lists ("
                                         " order_id VARCHAR(64) NOT NULL,"
                                         " list_no BIGINT NOT NULL,"
                                         " warehouse VARCHAR(64) NOT NULL,"
                                         " status VARCHAR(16) NOT NULL,"
                                         " created_at_ms BIGINT NOT NULL,"
                                         " cancelled_at_ms BIGINT,"
                                         " PRIMARY KEY (order_id, list_no));"
                                         "CREATE TABLE preparation_picks ("
                                         " order_id VARCHAR(64) NOT NULL,"
                                         " list_no BIGINT NOT NULL,"
                                         " seq BIGINT NOT NULL,"
                                         " bin VARCHAR(64) NOT NULL,"
                                         " sku VARCHAR(128) NOT NULL,"
                                         " quantity BIGINT NOT NULL,"
                                         " PRIMARY KEY (order_id, list_no, seq));"
                                         "CREATE TABLE preparation_parcels ("
                                         " order_id VARCHAR(64) NOT NULL,"
                                         " parcel BIGINT NOT NULL,"
                                         " parcel_type VARCHAR(32) NOT NULL,"
                                         " weight_g BIGINT NOT NULL,"
                                         " length_mm BIGINT NOT NULL,"
                                         " width_mm BIGINT NOT NULL,"
                                         " height_mm BIGINT NOT NULL,"
                                         " status VARCHAR(16) NOT NULL,"
                                         " created_at_ms BIGINT NOT NULL,"
                                         " cancelled_at_ms BIGINT,"
                                         " PRIMARY KEY (order_id, parcel));"
                                         "CREATE TABLE preparation_parcel_lines ("
                                         " order_id VARCHAR(64) NOT NULL,"
                                         " parcel BIGINT NOT NULL,"
                                         " line_no BIGINT NOT NULL,"
                                         " sku VARCHAR(128) NOT NULL,"
                                         " quantity BIGINT NOT NULL,"
                                         " PRIMARY KEY (order_id, parcel, line_no));"
                                         "CREATE TABLE preparation_shortages ("
                                         " order_id VARCHAR(64) NOT NULL,"
                                         " sku VARCHAR(128) NOT NULL,"
                                         " quantity BIGINT NOT NULL,"
                                         " PRIMARY KEY (order_id, sku));"
                                         "CREATE TABLE preparation_items ("
                                         " sku VARCHAR(128) PRIMARY KEY,"
                                         " weight_g BIGINT NOT NULL,"
                                         " length_mm BIGINT NOT NULL,"
                                         " width_mm BIGINT NOT NULL,"
                                         " height_mm BIGINT NOT NULL,"
                                         " bin VARCHAR(64))"),
                     ORDERHOST_MIGRATION(2, "parcels per warehouse: preparation_parcels.warehouse",
                                         "ALTER TABLE preparation_parcels ADD COLUMN warehouse VARCHAR(64)"
                                         " NOT NULL DEFAULT ''"));

ORDERHOST_PLUGIN(
    "orderhost.preparation", "1.1.0", "orderhost", "Pick lists in walking order and parcel packing",
    ORDERHOST_STEP(PickPackStep, "pick-pack", OH_CATEGORY_PREPARATION,
                   "Pick lists per warehouse in walking order; parcels by first-fit decreasing volume with a weight"
                   " limit; undo cancels them; a quote gets the parcels, nothing stored",
                   kConfigSchema, OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS | OH_STEP_ANSWERS_QUOTES));
