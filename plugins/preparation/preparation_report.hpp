// preparation_report.hpp — /preparation, the step's answer: from a plan just made (a run, a
// quote) or from the rows an earlier run stored (a re-run). Both give the same JSON:
//   {"status", "pick_lists": [{"warehouse", "picks": [{"bin", "sku", "quantity"}]}],
//    "parcels": [{"parcel", "warehouse", "type", "weight_g", "length_mm", "width_mm",
//                 "height_mm", "lines": [{"sku", "quantity"}]}], "short": [{"sku", "quantity"}]}
// ("short" only when reservations fell short; shortages by SKU in byte order).
#ifndef ORDERHOST_PREPARATION_REPORT_HPP
#define ORDERHOST_PREPARATION_REPORT_HPP

#include "packing.hpp"
#include "preparation_plan.hpp"

#include <orderhost/sdk.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace preparation {

// What a run picks, packs and finds short.
struct Plan {
    std::vector<PickList> lists;
    // The units to pack per warehouse (a parcel leaves from one), in walking order of warehouses.
    std::vector<std::pair<std::string, std::vector<PackItem>>> toPack;
    std::vector<std::pair<std::string, std::int64_t>> shortages;

    void addToPack(const std::string& warehouse, const std::string& sku, std::int64_t quantity, const ItemSpec& spec) {
        auto group = std::find_if(toPack.begin(), toPack.end(), [&](const auto& g) { return g.first == warehouse; });
        if (group == toPack.end()) group = toPack.insert(toPack.end(), {warehouse, {}});
        auto item =
            std::find_if(group->second.begin(), group->second.end(), [&](const PackItem& i) { return i.sku == sku; });
        if (item == group->second.end())
            group->second.push_back(PackItem{sku, quantity, spec});
        else
            item->quantity += quantity;
    }

    void sortForWalking() {
        preparation::sortForWalking(lists);
        std::sort(toPack.begin(), toPack.end(),
                  [](const auto& a, const auto& b) { return walksBefore(a.first, b.first); });
    }
};

inline std::string arrayOf(const std::vector<std::string>& elements) {
    std::string out = "[";
    for (const std::string& e : elements) out.append(out.size() > 1 ? "," : "").append(e);
    return out + "]";
}

inline std::string quantityJson(const std::string& sku, std::int64_t quantity) {
    return sdk::JsonObject().add("sku", sku).add("quantity", quantity).str();
}

inline std::string pickJson(const std::string& bin, const std::string& sku, std::int64_t quantity) {
    return sdk::JsonObject().add("bin", bin).add("sku", sku).add("quantity", quantity).str();
}

inline std::string parcelJson(std::int64_t number, const std::string& warehouse, const std::string& type,
                              std::int64_t weight, std::int64_t length, std::int64_t width, std::int64_t height,
                              const std::vector<std::string>& lines) {
    return sdk::JsonObject()
        .add("parcel", number)
        .add("warehouse", warehouse)
        .add("type", type)
        .add("weight_g", weight)
        .add("length_mm", length)
        .add("width_mm", width)
        .add("height_mm", height)
        .addJson("lines", arrayOf(lines))
        .str();
}

inline void writeReport(sdk::OrderDocument& order, const std::string& status, const std::vector<std::string>& lists,
                        const std::vector<std::string>& parcels,
                        std::vector<std::pair<std::string, std::int64_t>> shortBySku) {
    std::sort(shortBySku.begin(), shortBySku.end());  // byte order, not the database's collation
    std::vector<std::string> shortages;
    for (const auto& [sku, quantity] : shortBySku) shortages.push_back(quantityJson(sku, quantity));
    sdk::JsonObject out;
    out.add("status", status).addJson("pick_lists", arrayOf(lists)).addJson("parcels", arrayOf(parcels));
    if (!shortages.empty()) out.addJson("short", arrayOf(shortages));
    order.setJson("/preparation", out.str());
}

// /preparation from the order's rows. Parcels stored before migration 2 have warehouse ''.
inline void writeFromTables(const sdk::Database& db, sdk::OrderDocument& order, const std::string& orderId) {
    std::string status = "prepared";
    std::vector<std::string> lists, parcels;
    for (const sdk::Row& list : db.query("SELECT list_no, warehouse, status FROM preparation_pick_lists"
                                         " WHERE order_id = ? ORDER BY list_no",
                                         {orderId})) {
        status = list.string("status");
        std::vector<std::string> picks;
        for (const sdk::Row& pick : db.query("SELECT bin, sku, quantity FROM preparation_picks"
                                             " WHERE order_id = ? AND list_no = ? ORDER BY seq",
                                             {orderId, list.integer("list_no")}))
            picks.push_back(pickJson(pick.string("bin"), pick.string("sku"), pick.integer("quantity")));
        lists.push_back(
            sdk::JsonObject().add("warehouse", list.string("warehouse")).addJson("picks", arrayOf(picks)).str());
    }
    for (const sdk::Row& p :
         db.query("SELECT parcel, warehouse, parcel_type, weight_g, length_mm, width_mm, height_mm, status"
                  " FROM preparation_parcels WHERE order_id = ? ORDER BY parcel",
                  {orderId})) {
        status = p.string("status");
        std::vector<std::string> lines;
        for (const sdk::Row& line : db.query("SELECT sku, quantity FROM preparation_parcel_lines"
                                             " WHERE order_id = ? AND parcel = ? ORDER BY line_no",
                                             {orderId, p.integer("parcel")}))
            lines.push_back(quantityJson(line.string("sku"), line.integer("quantity")));
        parcels.push_back(parcelJson(p.integer("parcel"), p.string("warehouse"), p.string("parcel_type"),
                                     p.integer("weight_g"), p.integer("length_mm"), p.integer("width_mm"),
                                     p.integer("height_mm"), lines));
    }
    std::vector<std::pair<std::string, std::int64_t>> shortBySku;
    for (const sdk::Row& s : db.query("SELECT sku, quantity FROM preparation_shortages WHERE order_id = ?", {orderId}))
        shortBySku.emplace_back(s.string("sku"), s.integer("quantity"));
    writeReport(order, status, lists, parcels, std::move(shortBySku));
}

// /preparation from the plan itself, in the order writeFromTables reads the rows a run stores
// for it. A run's status is "prepared"; a quote's "quoted" (nothing is stored).
inline void writeFromPlan(sdk::OrderDocument& order, const Plan& plan, const PackResult& packed,
                          const std::vector<ParcelType>& types, const char* status) {
    std::vector<std::string> lists, parcels;
    for (const PickList& list : plan.lists) {
        std::vector<std::string> picks;
        for (const Pick& pick : list.picks) picks.push_back(pickJson(pick.bin, pick.sku, pick.quantity));
        lists.push_back(sdk::JsonObject().add("warehouse", list.warehouse).addJson("picks", arrayOf(picks)).str());
    }
    for (std::size_t n = 0; n < packed.parcels.size(); ++n) {
        const Parcel& parcel = packed.parcels[n];
        const ParcelType& type = types[parcel.type];
        std::vector<std::string> lines;
        for (const auto& [sku, quantity] : parcel.lines) lines.push_back(quantityJson(sku, quantity));
        parcels.push_back(parcelJson(static_cast<std::int64_t>(n + 1), parcel.warehouse, type.type,
                                     parcel.contents_g + type.tare_g, type.length_mm, type.width_mm, type.height_mm,
                                     lines));
    }
    writeReport(order, status, lists, parcels, plan.shortages);
}

}  // namespace preparation

#endif  // ORDERHOST_PREPARATION_REPORT_HPP
