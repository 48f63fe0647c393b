// billing_shipments.hpp — an invoice per shipment (issue-invoice config invoice: per_shipment).
//
// A shipment is a warehouse the order's goods leave from: /sourcing/reserved (orderhost.sourcing,
// {"sku", "warehouse", "quantity"}) splits an order across warehouses when one cannot serve it.
// Each warehouse gets its own invoice with the quantities reserved there, in the order the
// warehouses first appear in /sourcing/reserved; what no warehouse reserved (services, custom
// lines — a custom line never takes the reserved units of a goods line of its SKU) rides on the
// first shipment's invoice. Backordered goods (shortage: split) are on no
// invoice of this order (backorderedOf, below). An order with one warehouse or none gets one
// invoice, as with per_order.
//
// Rounding rule for a line split over shipments: the line is priced and taxed ONCE, as on a
// per-order invoice (billing_tax.hpp: per line, half away from zero). Each part but the last
// gets net = line net x part quantity / line quantity (truncated toward zero) and tax =
// lineTax(part net); the LAST part gets what is left of the line's net and tax. So the
// shipment invoices add up to the per-order invoice to the minor unit, line by line (3 x 0.05
// at 10 % over three shipments: 0.01 + 0.01 + 0.00 tax, the order's 0.02, not 3 x 0.01).
#ifndef ORDERHOST_PLUGINS_BILLING_SHIPMENTS_HPP
#define ORDERHOST_PLUGINS_BILLING_SHIPMENTS_HPP

#include "billing_tax.hpp"

#include <orderhost/sdk.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace billing {

struct InvoiceLine {
    std::string sku;
    bool stocked = true;  // a goods line: sourcing reserves it (custom and service lines are not)
    std::int64_t quantity = 0;
    std::string tax_class;
    std::int64_t rate_bp = 0;
    std::int64_t net = 0;
    std::int64_t tax = 0;
};

struct Totals {
    std::int64_t net = 0;
    std::int64_t tax = 0;
    std::int64_t total = 0;
};

// One invoice's worth: the shipment (warehouse code, "" for a per-order invoice) and its lines.
struct InvoiceDraft {
    std::string shipment;
    std::vector<InvoiceLine> lines;
    Totals totals;
};

inline void addLine(InvoiceDraft& draft, const InvoiceLine& line) {
    draft.lines.push_back(line);
    draft.totals.net += line.net;
    draft.totals.tax += line.tax;
    draft.totals.total += line.net + line.tax;
}

// The order's priced lines (`lines`, per-order rounding applied) split over its shipments.
inline std::vector<InvoiceDraft> splitByShipment(const sdk::OrderDocument& order,
                                                 const std::vector<InvoiceLine>& lines) {
    std::vector<std::string> warehouses;                              // in order of appearance
    std::map<std::string, std::map<std::string, std::int64_t>> left;  // sku -> warehouse -> reserved, unassigned
    const std::size_t reserved = order.has("/sourcing/reserved") ? order.size("/sourcing/reserved") : 0;
    for (std::size_t i = 0; i < reserved; ++i) {
        const std::string warehouse =
            order.optionalString(sdk::path("sourcing", "reserved", i, "warehouse")).value_or("");
        const std::string sku = order.optionalString(sdk::path("sourcing", "reserved", i, "sku")).value_or("");
        const std::int64_t quantity =
            order.optionalInteger(sdk::path("sourcing", "reserved", i, "quantity")).value_or(0);
        if (warehouse.empty() || quantity <= 0) continue;
        if (std::find(warehouses.begin(), warehouses.end(), warehouse) == warehouses.end())
            warehouses.push_back(warehouse);
        left[sku][warehouse] += quantity;
    }
    if (warehouses.size() <= 1) {
        InvoiceDraft one{warehouses.empty() ? std::string() : warehouses.front(), {}, {}};
        for (const InvoiceLine& line : lines) addLine(one, line);
        return {one};
    }
    std::vector<InvoiceDraft> drafts;
    for (const std::string& warehouse : warehouses) drafts.push_back(InvoiceDraft{warehouse, {}, {}});
    for (const InvoiceLine& line : lines) {
        std::vector<std::int64_t> parts(warehouses.size(), 0);  // quantity of the line per shipment
        std::int64_t unassigned = line.quantity;
        // Only goods lines take reserved units: a custom line of a SKU also ordered from stock
        // is made, not reserved, and must not take the stocked line's shipments (it rides on
        // the first, like a service).
        for (std::size_t w = 0; line.stocked && w < warehouses.size() && unassigned > 0; ++w) {
            std::int64_t& there = left[line.sku][warehouses[w]];
            parts[w] = std::min(there, unassigned);
            there -= parts[w];
            unassigned -= parts[w];
        }
        parts.front() += unassigned;  // not reserved anywhere: with the first shipment
        std::size_t last = 0;
        for (std::size_t w = 0; w < parts.size(); ++w)
            if (parts[w] > 0) last = w;
        std::int64_t netLeft = line.net, taxLeft = line.tax;
        for (std::size_t w = 0; w < parts.size(); ++w) {
            if (parts[w] == 0 && !(w == 0 && line.quantity <= 0)) continue;
            InvoiceLine part = line;
            part.quantity = parts[w];
            if (w == last) {
                part.net = netLeft;
                part.tax = taxLeft;
            } else {
                part.net = static_cast<std::int64_t>(static_cast<__int128>(line.net) * parts[w] / line.quantity);
                part.tax = lineTax(part.net, line.rate_bp).value_or(0);
                // Never more than the line has left: rounded-up parts could otherwise leave the
                // last one a negative tax (4 x 0.05 at 10 % over four shipments: 1, 1, 1, -1).
                part.tax = line.tax >= 0 ? std::clamp<std::int64_t>(part.tax, 0, taxLeft)
                                         : std::clamp<std::int64_t>(part.tax, taxLeft, 0);
            }
            netLeft -= part.net;
            taxLeft -= part.tax;
            addLine(drafts[w], part);
        }
    }
    std::vector<InvoiceDraft> issued;  // a warehouse whose lines all went elsewhere gets no invoice
    for (InvoiceDraft& draft : drafts)
        if (!draft.lines.empty()) issued.push_back(std::move(draft));
    return issued;
}

// What orderhost.sourcing could not reserve and left to a follow-up order (shortage: split,
// /sourcing/backordered [{sku, quantity}]): not invoiced with this order, whose goods leave
// without it — the follow-up order is invoiced (and charged) for it. SKU → quantity.
inline std::map<std::string, std::int64_t> backorderedOf(const sdk::OrderDocument& order) {
    std::map<std::string, std::int64_t> backordered;
    const std::size_t count = order.has("/sourcing/backordered") ? order.size("/sourcing/backordered") : 0;
    for (std::size_t i = 0; i < count; ++i) {
        const std::string sku = order.optionalString(sdk::path("sourcing", "backordered", i, "sku")).value_or("");
        const std::int64_t quantity =
            order.optionalInteger(sdk::path("sourcing", "backordered", i, "quantity")).value_or(0);
        if (!sku.empty() && quantity > 0) backordered[sku] += quantity;
    }
    return backordered;
}

// Takes line `i`'s part of `backordered` (goods lines, first come first served) off `line`:
// its quantity and its net (pro rata). False when the net does not fit in 64 bits.
inline bool leaveOutBackordered(const sdk::OrderDocument& order, std::size_t i,
                                std::map<std::string, std::int64_t>& backordered, InvoiceLine& line) {
    const auto shortOf = backordered.find(line.sku);
    if (shortOf == backordered.end() || shortOf->second <= 0 || line.quantity <= 0) return true;
    const std::string kind = order.optionalString(sdk::path("lines", i, "kind")).value_or("goods");
    if (kind != "goods") return true;  // sourcing reserves goods only
    const std::int64_t taken = std::min(shortOf->second, line.quantity);
    shortOf->second -= taken;
    const std::int64_t kept = line.quantity - taken;
    // The line's net pro rata (a step may have discounted its total below unit_price x
    // quantity), rounded half away from zero; 128 bits, so no product overflows.
    const __int128 scaled = static_cast<__int128>(line.net) * kept;
    const __int128 half = line.quantity / 2;
    const __int128 net = (scaled >= 0 ? scaled + half : scaled - half) / line.quantity;
    if (net > INT64_MAX || net < INT64_MIN) return false;
    line.quantity = kept;
    line.net = static_cast<std::int64_t>(net);
    return true;
}

}  // namespace billing

#endif  // ORDERHOST_PLUGINS_BILLING_SHIPMENTS_HPP
