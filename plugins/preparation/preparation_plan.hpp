// preparation_plan.hpp — what to pick where: the order's goods against its reservations.
//
// Goods are the lines of kind "goods" (or without a kind) and "custom" (made to order, goods
// once made); "service" lines are not picked. Quantities are summed per SKU in line order,
// stocked (goods lines) and made (custom lines) apart: sourcing reserves only stocked goods.
// Where a SKU is picked from:
//   - its stocked quantity, when the SKU has entries in /sourcing/reserved ({"sku", "warehouse",
//     "bin", "quantity"}, written by the sourcing step): each entry in turn, up to the ordered
//     quantity; an entry without a warehouse is in default_warehouse, one without a bin in the
//     SKU's configured bin (else default_bin). What the reservations do not cover (sourcing
//     split the order) is listed as short: neither picked nor packed;
//   - its stocked quantity without any entry (no sourcing step, an unknown SKU), and every made
//     unit (the factory delivers to default_warehouse): from default_warehouse at the SKU's
//     configured bin (else default_bin). A custom line of a SKU that is also ordered from stock
//     is not taken for a shortage of the stocked line (stop 46's probe: it was charged, never
//     picked).
// Pick lists are grouped by warehouse; within one, picks of the same bin and SKU are merged and
// sorted in walking order (walking_order.hpp), then by SKU. Warehouses are listed in the same
// natural order.
#ifndef ORDERHOST_PREPARATION_PLAN_HPP
#define ORDERHOST_PREPARATION_PLAN_HPP

#include "walking_order.hpp"

#include <orderhost/sdk.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace preparation {

namespace sdk = orderhost::sdk;

struct Pick {
    std::string bin, sku;
    std::int64_t quantity = 0;
};

struct PickList {
    std::string warehouse;
    std::vector<Pick> picks;
};

struct Reserved {
    std::string sku, warehouse, bin;
    std::int64_t quantity = 0;
};

// One SKU's goods: units from stock (goods lines) and units made to order (custom lines).
struct Goods {
    std::string sku;
    std::int64_t stocked = 0, made = 0;
};

// The goods of the order, summed per SKU, in the order of their first line.
inline std::vector<Goods> goodsOf(const sdk::OrderDocument& order) {
    std::vector<Goods> goods;
    const std::size_t lines = order.has("/lines") ? order.size("/lines") : 0;
    for (std::size_t i = 0; i < lines; ++i) {
        const std::string kind = order.optionalString(sdk::path("lines", i, "kind")).value_or("goods");
        if (kind == "service") continue;
        const std::string sku = order.string(sdk::path("lines", i, "sku"));
        const std::int64_t quantity = order.integer(sdk::path("lines", i, "quantity"));
        if (quantity <= 0)
            throw sdk::Error(OH_STATUS_INVALID_ARGUMENT, sdk::path("lines", i, "quantity"), "must be positive");
        auto found = std::find_if(goods.begin(), goods.end(), [&](const Goods& g) { return g.sku == sku; });
        if (found == goods.end()) found = goods.insert(goods.end(), Goods{sku, 0, 0});
        (kind == "custom" ? found->made : found->stocked) += quantity;
    }
    return goods;
}

// /sourcing/reserved as the sourcing step wrote it (absent or not an array: none), then an
// entry of quantity 0 for each SKU of /sourcing/backordered: a SKU sourcing split and could not
// reserve at all (no stock anywhere) has no reserved entry, and without one it read as "no
// sourcing step" and was picked in full from default_warehouse — goods billing leaves off the
// invoice (a review found it, 2026-12-05). With the entry it is sourced, and short.
inline std::vector<Reserved> reservationsOf(const sdk::OrderDocument& order) {
    std::vector<Reserved> reserved;
    const auto entries = [&](const char* member, const auto& add) {
        const std::string at = std::string("/sourcing/") + member;
        if (!order.has(at) || order.type(at) != sdk::JsonType::array) return;
        for (std::size_t i = 0; i < order.size(at); ++i) add(i);
    };
    entries("reserved", [&](std::size_t i) {
        Reserved r;
        r.sku = order.optionalString(sdk::path("sourcing", "reserved", i, "sku")).value_or("");
        r.warehouse = order.optionalString(sdk::path("sourcing", "reserved", i, "warehouse")).value_or("");
        r.bin = order.optionalString(sdk::path("sourcing", "reserved", i, "bin")).value_or("");
        r.quantity = order.optionalInteger(sdk::path("sourcing", "reserved", i, "quantity")).value_or(0);
        if (!r.sku.empty() && r.quantity > 0) reserved.push_back(std::move(r));
    });
    entries("backordered", [&](std::size_t i) {
        const std::string sku = order.optionalString(sdk::path("sourcing", "backordered", i, "sku")).value_or("");
        if (!sku.empty()) reserved.push_back(Reserved{sku, "", "", 0});
    });
    return reserved;
}

// Adds `quantity` of `sku` at warehouse/bin, merging with a pick of the same bin and SKU.
inline void addPick(std::vector<PickList>& lists, const std::string& warehouse, const std::string& bin,
                    const std::string& sku, std::int64_t quantity) {
    auto list = std::find_if(lists.begin(), lists.end(), [&](const PickList& l) { return l.warehouse == warehouse; });
    if (list == lists.end()) list = lists.insert(lists.end(), PickList{warehouse, {}});
    auto pick = std::find_if(list->picks.begin(), list->picks.end(),
                             [&](const Pick& p) { return p.bin == bin && p.sku == sku; });
    if (pick == list->picks.end())
        list->picks.push_back(Pick{bin, sku, quantity});
    else
        pick->quantity += quantity;
}

inline void sortForWalking(std::vector<PickList>& lists) {
    std::sort(lists.begin(), lists.end(),
              [](const PickList& a, const PickList& b) { return walksBefore(a.warehouse, b.warehouse); });
    for (PickList& list : lists)
        std::sort(list.picks.begin(), list.picks.end(), [](const Pick& a, const Pick& b) {
            if (a.bin != b.bin) return walksBefore(a.bin, b.bin);
            return a.sku < b.sku;
        });
}

}  // namespace preparation

#endif  // ORDERHOST_PREPARATION_PLAN_HPP
