// packing.hpp — packing an order's goods into parcels: first-fit decreasing by volume.
//
// The algorithm (pure: no host, no database, so the step and its tests see the same thing):
//  1. Every unit is an item with the SKU's weight and dimensions. Units are taken largest
//     volume first (ties: heavier first, then SKU), so all units of one SKU come together.
//  2. First fit: a unit goes into the first open parcel (in the order they were opened) where
//     it fits geometrically (its sorted dimensions within the type's sorted inner dimensions:
//     any rotation), its volume fits the type's remaining capacity (inner volume x
//     fill_percent / 100) and its weight the remaining weight (max_weight_g - tare_g).
//  3. No open parcel takes it: a new parcel of the LARGEST type that can take the unit alone
//     is opened (capacity, then max weight, then config order). No type can: the order cannot
//     be packed, code item_too_large naming the SKU.
//  4. Afterwards each parcel is downsized to the smallest type (capacity, then max weight) that
//     still holds its volume, weight and every SKU in it geometrically.
// Units of one SKU are placed in batches (as many as fit), which gives the same result as
// unit by unit because identical units follow each other and a parcel never gains room.
// A parcel's weight_g is its contents plus the type's tare_g.
#ifndef ORDERHOST_PREPARATION_PACKING_HPP
#define ORDERHOST_PREPARATION_PACKING_HPP

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace preparation {

struct ItemSpec {
    std::int64_t weight_g = 0, length_mm = 0, width_mm = 0, height_mm = 0;
    std::string bin;  // where the SKU lies when the reservation names no bin ("" = none)
    std::int64_t volume() const { return length_mm * width_mm * height_mm; }
};

struct ParcelType {
    std::string type;
    std::int64_t length_mm = 0, width_mm = 0, height_mm = 0, max_weight_g = 0, tare_g = 0;
    std::int64_t capacity_mm3 = 0;  // inner volume x fill_percent / 100
    std::int64_t maxContents() const { return max_weight_g - tare_g; }
};

struct PackItem {
    std::string sku;
    std::int64_t quantity = 0;
    ItemSpec spec;
};

struct Parcel {
    std::string warehouse;  // where it is packed (packPerWarehouse); its goods all come from there
    std::size_t type = 0;   // index into the parcel types
    std::int64_t volume_mm3 = 0, contents_g = 0;
    std::vector<std::pair<std::string, std::int64_t>> lines;  // SKU, quantity
};

struct PackResult {
    std::vector<Parcel> parcels;
    std::string error_code;  // "" when packed
    std::string error_message;
};

inline std::array<std::int64_t, 3> sortedDims(std::int64_t a, std::int64_t b, std::int64_t c) {
    std::array<std::int64_t, 3> d{a, b, c};
    std::sort(d.begin(), d.end());
    return d;
}

inline bool fitsInside(const ItemSpec& item, const ParcelType& type) {
    const auto i = sortedDims(item.length_mm, item.width_mm, item.height_mm);
    const auto t = sortedDims(type.length_mm, type.width_mm, type.height_mm);
    return i[0] <= t[0] && i[1] <= t[1] && i[2] <= t[2];
}

// How many more units of `item` fit into `parcel` of `type`.
inline std::int64_t roomFor(const Parcel& parcel, const ParcelType& type, const ItemSpec& item) {
    if (!fitsInside(item, type)) return 0;
    const std::int64_t byVolume = (type.capacity_mm3 - parcel.volume_mm3) / item.volume();
    const std::int64_t byWeight = (type.maxContents() - parcel.contents_g) / item.weight_g;
    return std::max<std::int64_t>(0, std::min(byVolume, byWeight));
}

// Type indexes from the largest (capacity, then max weight, then config order) to the smallest.
inline std::vector<std::size_t> largestFirst(const std::vector<ParcelType>& types) {
    std::vector<std::size_t> order(types.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        if (types[a].capacity_mm3 != types[b].capacity_mm3) return types[a].capacity_mm3 > types[b].capacity_mm3;
        return types[a].max_weight_g > types[b].max_weight_g;
    });
    return order;
}

inline void put(Parcel& parcel, const PackItem& item, std::int64_t count) {
    parcel.volume_mm3 += count * item.spec.volume();
    parcel.contents_g += count * item.spec.weight_g;
    parcel.lines.emplace_back(item.sku, count);
}

// Step 4: the smallest type that holds what the parcel holds.
inline void downsize(Parcel& parcel, const std::vector<ParcelType>& types, const std::vector<PackItem>& items,
                     const std::vector<std::size_t>& largest) {
    for (auto it = largest.rbegin(); it != largest.rend(); ++it) {
        const ParcelType& type = types[*it];
        if (type.capacity_mm3 < parcel.volume_mm3 || type.maxContents() < parcel.contents_g) continue;
        const bool allFit = std::all_of(parcel.lines.begin(), parcel.lines.end(), [&](const auto& line) {
            return std::all_of(items.begin(), items.end(), [&](const PackItem& item) {
                return item.sku != line.first || fitsInside(item.spec, type);
            });
        });
        if (allFit) {
            parcel.type = *it;
            return;
        }
    }
}

// `opened`: parcels already packed for the order (other warehouses); max_parcels counts them too.
inline PackResult pack(std::vector<PackItem> items, const std::vector<ParcelType>& types, std::size_t maxParcels,
                       std::size_t opened = 0) {
    std::stable_sort(items.begin(), items.end(), [](const PackItem& a, const PackItem& b) {
        if (a.spec.volume() != b.spec.volume()) return a.spec.volume() > b.spec.volume();
        if (a.spec.weight_g != b.spec.weight_g) return a.spec.weight_g > b.spec.weight_g;
        return a.sku < b.sku;
    });
    const std::vector<std::size_t> largest = largestFirst(types);
    PackResult result;
    for (const PackItem& item : items) {
        std::int64_t left = item.quantity;
        for (Parcel& parcel : result.parcels) {
            const std::int64_t n = std::min(left, roomFor(parcel, types[parcel.type], item.spec));
            if (n > 0) put(parcel, item, n);
            left -= n;
            if (left == 0) break;
        }
        while (left > 0) {
            Parcel fresh;
            const auto type = std::find_if(largest.begin(), largest.end(),
                                           [&](std::size_t t) { return roomFor(fresh, types[t], item.spec) > 0; });
            if (type == largest.end()) {
                result.error_code = "item_too_large";
                result.error_message = "SKU " + item.sku + " (" + std::to_string(item.spec.length_mm) + "x" +
                                       std::to_string(item.spec.width_mm) + "x" + std::to_string(item.spec.height_mm) +
                                       " mm, " + std::to_string(item.spec.weight_g) + " g) fits no parcel type";
                return result;
            }
            if (opened + result.parcels.size() >= maxParcels) {
                result.error_code = "too_many_parcels";
                result.error_message = "packing needs more than max_parcels (" + std::to_string(maxParcels) +
                                       ") parcels; stopped at SKU " + item.sku;
                return result;
            }
            fresh.type = *type;
            const std::int64_t n = std::min(left, roomFor(fresh, types[fresh.type], item.spec));
            put(fresh, item, n);
            left -= n;
            result.parcels.push_back(std::move(fresh));
        }
    }
    for (Parcel& parcel : result.parcels) downsize(parcel, types, items, largest);
    return result;
}

// A parcel leaves from one warehouse: each warehouse's goods are packed on their own (in the
// order given), its parcels after the previous warehouse's. Before 2026-12-05 the goods of all
// warehouses went into the same parcels (stop 46's probe: one parcel held goods of two).
inline PackResult packPerWarehouse(const std::vector<std::pair<std::string, std::vector<PackItem>>>& groups,
                                   const std::vector<ParcelType>& types, std::size_t maxParcels) {
    PackResult all;
    for (const auto& [warehouse, items] : groups) {
        PackResult part = pack(items, types, maxParcels, all.parcels.size());
        if (!part.error_code.empty()) return part;
        for (Parcel& parcel : part.parcels) {
            parcel.warehouse = warehouse;
            all.parcels.push_back(std::move(parcel));
        }
    }
    return all;
}

}  // namespace preparation

#endif  // ORDERHOST_PREPARATION_PACKING_HPP
