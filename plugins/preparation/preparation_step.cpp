// orderhost.preparation — pick lists and parcels for an order's goods (step kind pick-pack).
//
// run(): reads the goods lines and /sourcing/reserved (preparation_plan.hpp), builds one pick
// list per warehouse in walking order (walking_order.hpp), packs the picked units into parcels
// by first-fit decreasing on volume with a weight check (packing.hpp), writes everything into
// its tables through orderhost.db in the step's transaction and the result into /preparation:
//   {"status": "prepared", "pick_lists": [{"warehouse", "picks": [{"bin", "sku", "quantity"}]}],
//    "parcels": [{"parcel", "type", "weight_g", "length_mm", "width_mm", "height_mm",
//                 "lines": [{"sku", "quantity"}]}], "short": [{"sku", "quantity"}] (when any)}
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

struct Plan {
    std::vector<PickList> lists;
    std::vector<PackItem> toPack;
    std::vector<std::pair<std::string, std::int64_t>> shortages;
};

std::string arrayOf(const std::vector<std::string>& elements) {
    std::string out = "[";
    for (const std::string& e : elements) out.append(out.size() > 1 ? "," : "").append(e);
    return out + "]";
}

// /preparation from the order's rows (see the file comment for its shape).
void writeFromTables(const sdk::Database& db, sdk::OrderDocument& order, const std::string& orderId) {
    std::string status = "prepared";
    std::vector<std::string> lists, parcels, shortages;
    for (const sdk::Row& list : db.query("SELECT list_no, warehouse, status FROM preparation_pick_lists"
                                         " WHERE order_id = ? ORDER BY list_no",
                                         {orderId})) {
        status = list.string("status");
        std::vector<std::string> picks;
        for (const sdk::Row& pick : db.query("SELECT bin, sku, quantity FROM preparation_picks"
                                             " WHERE order_id = ? AND list_no = ? ORDER BY seq",
                                             {orderId, list.integer("list_no")}))
            picks.push_back(sdk::JsonObject()
                                .add("bin", pick.string("bin"))
                                .add("sku", pick.string("sku"))
                                .add("quantity", pick.integer("quantity"))
                                .str());
        lists.push_back(
            sdk::JsonObject().add("warehouse", list.string("warehouse")).addJson("picks", arrayOf(picks)).str());
    }
    for (const sdk::Row& p : db.query("SELECT parcel, parcel_type, weight_g, length_mm, width_mm, height_mm, status"
                                      " FROM preparation_parcels WHERE order_id = ? ORDER BY parcel",
                                      {orderId})) {
        status = p.string("status");
        std::vector<std::string> lines;
        for (const sdk::Row& line : db.query("SELECT sku, quantity FROM preparation_parcel_lines"
                                             " WHERE order_id = ? AND parcel = ? ORDER BY line_no",
                                             {orderId, p.integer("parcel")}))
            lines.push_back(
                sdk::JsonObject().add("sku", line.string("sku")).add("quantity", line.integer("quantity")).str());
        parcels.push_back(sdk::JsonObject()
                              .add("parcel", p.integer("parcel"))
                              .add("type", p.string("parcel_type"))
                              .add("weight_g", p.integer("weight_g"))
                              .add("length_mm", p.integer("length_mm"))
                              .add("width_mm", p.integer("width_mm"))
                              .add("height_mm", p.integer("height_mm"))
                              .addJson("lines", arrayOf(lines))
                              .str());
    }
    // By SKU in byte order, as writeFromPlan sorts them: not ORDER BY, whose order on PostgreSQL
    // is the database's collation (en_US puts "a-2" before "B").
    std::vector<std::pair<std::string, std::int64_t>> shortBySku;
    for (const sdk::Row& s : db.query("SELECT sku, quantity FROM preparation_shortages WHERE order_id = ?", {orderId}))
        shortBySku.emplace_back(s.string("sku"), s.integer("quantity"));
    std::sort(shortBySku.begin(), shortBySku.end());
    for (const auto& [sku, quantity] : shortBySku)
        shortages.push_back(sdk::JsonObject().add("sku", sku).add("quantity", quantity).str());
    sdk::JsonObject out;
    out.add("status", status).addJson("pick_lists", arrayOf(lists)).addJson("parcels", arrayOf(parcels));
    if (!shortages.empty()) out.addJson("short", arrayOf(shortages));
    order.setJson("/preparation", out.str());
}

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
        if (std::optional<sdk::Outcome> problem = planPicks(db, goods, reservationsOf(order), plan)) return *problem;
        sortForWalking(plan.lists);
        const PackResult packed =
            pack(plan.toPack, config_.parcel_types, static_cast<std::size_t>(config_.max_parcels));
        if (!packed.error_code.empty()) return sdk::Outcome::fail(packed.error_code, packed.error_message);
        if (call.quoting()) {  // the parcels a quote's shipping rates need; no pick list is stored
            writeFromPlan(order, plan, packed, "quoted");
            return sdk::Outcome::proceed();
        }
        store(db, orderId, call.nowMs(), plan, packed);
        writeFromPlan(order, plan, packed, "prepared");  // what store() wrote: no read back
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
    // A run that stored anything stored a pick list: shortages come only from reservations
    // that cover part of a SKU, and each reservation (quantity > 0) gives a pick.
    static bool hasRows(const sdk::Database& db, const std::string& orderId) {
        return !db.query("SELECT order_id FROM preparation_pick_lists WHERE order_id = ?", {orderId}).empty();
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

    std::optional<sdk::Outcome> planPicks(const sdk::Database& db,
                                          const std::vector<std::pair<std::string, std::int64_t>>& goods,
                                          const std::vector<Reserved>& reserved, Plan& plan) const {
        for (const auto& [sku, wanted] : goods) {
            const std::optional<ItemSpec> spec = specOf(db, sku);
            if (!spec)
                return sdk::Outcome::fail("item_dimensions_missing",
                                          "no weight and dimensions for SKU " + sku + " (config items." + sku +
                                              (config_.items_from_table ? " or table preparation_items)" : ")"));
            const std::string configuredBin = spec->bin.empty() ? config_.default_bin : spec->bin;
            std::int64_t left = wanted;
            bool fromReservations = false;
            for (const Reserved& r : reserved) {
                if (r.sku != sku) continue;
                fromReservations = true;
                const std::int64_t take = std::min(left, r.quantity);
                const std::string bin = r.bin.empty() ? configuredBin : r.bin;
                if (take == 0) continue;
                if (bin.empty()) return binMissing(sku);
                addPick(plan.lists, r.warehouse.empty() ? config_.default_warehouse : r.warehouse, bin, sku, take);
                left -= take;
            }
            if (!fromReservations) {
                if (configuredBin.empty()) return binMissing(sku);
                addPick(plan.lists, config_.default_warehouse, configuredBin, sku, left);
                left = 0;
            }
            if (left > 0) plan.shortages.emplace_back(sku, left);
            if (wanted - left > 0) plan.toPack.push_back(PackItem{sku, wanted - left, *spec});
        }
        return std::nullopt;
    }

    static sdk::Outcome binMissing(const std::string& sku) {
        return sdk::Outcome::fail("bin_missing", "SKU " + sku +
                                                     " has no bin: the reservation names none, and neither"
                                                     " config items." +
                                                     sku + ".bin nor default_bin is set");
    }

    // /preparation from the plan itself, in the shape and order writeFromTables reads the rows
    // store() writes for it: lists, picks, parcels and their lines as numbered, shortages by SKU.
    // A run's status is "prepared"; a quote's "quoted" (as packed now; nothing is stored).
    void writeFromPlan(sdk::OrderDocument& order, const Plan& plan, const PackResult& packed,
                       const char* status) const {
        std::vector<std::string> lists, parcels, shortages;
        for (const PickList& list : plan.lists) {
            std::vector<std::string> picks;
            for (const Pick& pick : list.picks)
                picks.push_back(
                    sdk::JsonObject().add("bin", pick.bin).add("sku", pick.sku).add("quantity", pick.quantity).str());
            lists.push_back(sdk::JsonObject().add("warehouse", list.warehouse).addJson("picks", arrayOf(picks)).str());
        }
        for (std::size_t n = 0; n < packed.parcels.size(); ++n) {
            const Parcel& parcel = packed.parcels[n];
            const ParcelType& type = config_.parcel_types[parcel.type];
            std::vector<std::string> lines;
            for (const auto& [sku, quantity] : parcel.lines)
                lines.push_back(sdk::JsonObject().add("sku", sku).add("quantity", quantity).str());
            parcels.push_back(sdk::JsonObject()
                                  .add("parcel", static_cast<std::int64_t>(n + 1))
                                  .add("type", type.type)
                                  .add("weight_g", parcel.contents_g + type.tare_g)
                                  .add("length_mm", type.length_mm)
                                  .add("width_mm", type.width_mm)
                                  .add("height_mm", type.height_mm)
                                  .addJson("lines", arrayOf(lines))
                                  .str());
        }
        std::vector<std::pair<std::string, std::int64_t>> shortBySku = plan.shortages;
        std::sort(shortBySku.begin(), shortBySku.end());  // byte order, as writeFromTables sorts them
        for (const auto& [sku, quantity] : shortBySku)
            shortages.push_back(sdk::JsonObject().add("sku", sku).add("quantity", quantity).str());
        sdk::JsonObject out;
        out.add("status", status).addJson("pick_lists", arrayOf(lists)).addJson("parcels", arrayOf(parcels));
        if (!shortages.empty()) out.addJson("short", arrayOf(shortages));
        order.setJson("/preparation", out.str());
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
                "INSERT INTO preparation_parcels (order_id, parcel, parcel_type, weight_g, length_mm, width_mm,"
                " height_mm, status, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, 'prepared', ?)",
                {orderId, parcelNo, type.type, parcel.contents_g + type.tare_g, type.length_mm, type.width_mm,
                 type.height_mm, now});
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

ORDERHOST_MIGRATIONS("", ORDERHOST_MIGRATION(1, "pick lists, picks, parcels, parcel lines, shortages, item sizes",
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
                                             " bin VARCHAR(64))"));

ORDERHOST_PLUGIN(
    "orderhost.preparation", "1.0.0", "orderhost", "Pick lists in walking order and parcel packing",
    ORDERHOST_STEP(PickPackStep, "pick-pack", OH_CATEGORY_PREPARATION,
                   "Pick lists per warehouse in walking order; parcels by first-fit decreasing volume with a weight"
                   " limit; undo cancels them; a quote gets the parcels, nothing stored",
                   kConfigSchema, OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS | OH_STEP_ANSWERS_QUOTES));
