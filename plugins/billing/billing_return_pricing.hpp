// billing_return_pricing.hpp — which invoice line a returned quantity is credited against, and
// for how much (credit-return, billing_return.hpp).
//
// Which invoice: an order has one invoice (invoice: per_order), or one per shipment
// (per_shipment, billing_shipments.hpp), each carrying part of a line. A returned quantity of
// a SKU is credited against the order's invoices from the LATEST (highest number) to the
// earliest, each taking what it still has uncredited of that SKU (invoiced minus what every
// credit note of a return already credited on it), within an invoice line by line. The goods
// of the last shipment are the ones most recently delivered, so the most likely to come back
// within the return window; and whatever the order, a unit is credited only where one is
// still uncredited, so no invoice line is ever credited more than it carried.
//
// How much (the rounding rule of returns, per invoice line): once k of an invoice line's Q
// units are credited — by earlier notes and by the lines before it in this note (the same SKU
// twice, one resellable and one damaged) — the credited net and tax are the line's net and tax
// x k / Q, each rounded half away from zero (proratedShare, billing_tax.hpp); a credit line is
// that cumulative share minus what was credited before. So the credits of an invoice line never
// exceed it, and returning all of it credits exactly its net and tax, to the minor unit, for a
// shipment invoice's part of a line as for a per-order line.
#ifndef ORDERHOST_PLUGINS_BILLING_RETURN_PRICING_HPP
#define ORDERHOST_PLUGINS_BILLING_RETURN_PRICING_HPP

#include "billing_tax.hpp"

#include <orderhost/sdk.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace billing {

// One line of a return's credit note: `quantity` units of invoice line `invoice_line` of `invoice`.
struct CreditLine {
    std::string invoice;
    std::int64_t invoice_line = 0;
    std::string sku;
    std::int64_t quantity = 0;
    std::int64_t rate_bp = 0;
    std::int64_t net = 0;
    std::int64_t tax = 0;
};

// Credits `quantity` of `sku` (named `named` in messages) against the order's invoice lines by
// the rule above, appending to `out` (which holds this note's lines so far); an outcome on a refusal.
inline std::optional<sdk::Outcome> allocateCredit(const sdk::Database& db, const std::string& orderId,
                                                  const std::string& sku, std::int64_t quantity,
                                                  const std::string& named, std::vector<CreditLine>& out) {
    const std::vector<sdk::Row> invoiced = db.query(
        "SELECT i.invoice_number, i.line_no, i.quantity, i.tax_rate_bp, i.net_minor, i.tax_minor,"
        " (SELECT COALESCE(SUM(c.quantity), 0) FROM billing_return_credit_lines c WHERE c.invoice_number ="
        " i.invoice_number AND c.invoice_line_no = i.line_no) AS credited_quantity,"
        " (SELECT COALESCE(SUM(c.net_minor), 0) FROM billing_return_credit_lines c WHERE c.invoice_number ="
        " i.invoice_number AND c.invoice_line_no = i.line_no) AS credited_net,"
        " (SELECT COALESCE(SUM(c.tax_minor), 0) FROM billing_return_credit_lines c WHERE c.invoice_number ="
        " i.invoice_number AND c.invoice_line_no = i.line_no) AS credited_tax"
        " FROM billing_invoice_lines i JOIN billing_invoices v ON v.invoice_number = i.invoice_number"
        " WHERE v.order_id = ? AND i.sku = ? ORDER BY v.number DESC, i.line_no",
        {orderId, sku});
    if (invoiced.empty())
        return sdk::Outcome::reject("credit_line_not_invoiced", named + " is not on the order's invoice");
    std::int64_t wanted = quantity, uncredited = 0;
    for (const sdk::Row& inv : invoiced) {
        const std::string invoice = inv.string("invoice_number");
        const std::int64_t lineNo = inv.integer("line_no"), invoicedQuantity = inv.integer("quantity");
        // Credited before: by earlier notes, and earlier in this note.
        std::int64_t creditedQuantity = inv.integer("credited_quantity"), creditedNet = inv.integer("credited_net"),
                     creditedTax = inv.integer("credited_tax");
        for (const CreditLine& l : out) {
            if (l.invoice != invoice || l.invoice_line != lineNo) continue;
            creditedQuantity += l.quantity;
            creditedNet += l.net;
            creditedTax += l.tax;
        }
        const std::int64_t left = invoicedQuantity - creditedQuantity;
        uncredited += std::max<std::int64_t>(left, 0);
        const std::int64_t take = std::min(left, wanted);
        if (take <= 0) continue;
        CreditLine line;
        line.invoice = invoice;
        line.invoice_line = lineNo;
        line.sku = sku;
        line.quantity = take;
        line.rate_bp = inv.integer("tax_rate_bp");
        const std::int64_t upTo = creditedQuantity + take;
        line.net = proratedShare(inv.integer("net_minor"), upTo, invoicedQuantity) - creditedNet;
        line.tax = proratedShare(inv.integer("tax_minor"), upTo, invoicedQuantity) - creditedTax;
        out.push_back(std::move(line));
        wanted -= take;
    }
    if (wanted > 0)
        return sdk::Outcome::reject("credit_exceeds_invoice", named + ": " + std::to_string(quantity) + " to credit, " +
                                                                  std::to_string(uncredited) +
                                                                  " invoiced and not credited yet");
    return std::nullopt;
}

// A claim of a returned unit on a credit note that a return issued and that stood when that
// return was undone (its RMA cancelled: the refund failed, or a later step refused or failed).
// The note already credits the unit, so a new return of it claims that credit instead of
// crediting the unit a second time (and refund-return pays the standing note as outstanding).
struct StandingClaim {
    std::string credit_note;
    std::int64_t credit_line = 0;
    std::string claimed_rma;  // the undone return that issued the note
    std::string sku;
    std::int64_t quantity = 0;
};

// The RMA numbers of the order's earlier returns that were undone (/returns/<n>/rma/status
// "cancelled", written by orderhost.returns' undo; the host keeps the document of an ended return).
inline std::vector<std::string> undoneRmas(const sdk::OrderDocument& order) {
    std::vector<std::string> undone;
    const std::size_t returns = order.has("/returns") ? order.size("/returns") : 0;
    for (std::size_t i = 0; i < returns; ++i)
        if (order.optionalString(sdk::path("returns", i, "rma", "status")).value_or("") == "cancelled")
            if (std::optional<std::string> rma = order.optionalString(sdk::path("returns", i, "rma", "number")))
                undone.push_back(*rma);
    return undone;
}

// Claims up to `quantity` of `sku` on the standing credit lines of the `undone` returns (oldest
// note first), less what returns that went through claimed before and `claims` (this run's);
// appends to `claims` and answers the quantity left to credit anew.
inline std::int64_t claimStandingCredit(const sdk::Database& db, const std::string& orderId,
                                        const std::vector<std::string>& undone, const std::string& sku,
                                        std::int64_t quantity, std::vector<StandingClaim>& claims) {
    if (undone.empty()) return quantity;
    const auto isUndone = [&](const std::string& rma) {
        return std::find(undone.begin(), undone.end(), rma) != undone.end();
    };
    const std::vector<sdk::Row> standing = db.query(
        "SELECT l.credit_note_number, l.line_no, l.quantity, r.rma_number FROM billing_return_credit_lines l"
        " JOIN billing_return_credits r ON r.credit_note_number = l.credit_note_number"
        " WHERE r.order_id = ? AND l.sku = ? ORDER BY r.number, l.line_no",
        {orderId, sku});
    for (const sdk::Row& line : standing) {
        if (quantity <= 0) break;
        if (!isUndone(line.string("rma_number"))) continue;
        const std::string note = line.string("credit_note_number");
        const std::int64_t lineNo = line.integer("line_no");
        std::int64_t claimed = 0;  // by returns that were not undone themselves
        for (const sdk::Row& claim :
             db.query("SELECT rma_number, quantity FROM billing_return_claims WHERE credit_note_number = ? AND"
                      " credit_line_no = ?",
                      {note, lineNo}))
            if (!isUndone(claim.string("rma_number"))) claimed += claim.integer("quantity");
        for (const StandingClaim& c : claims)
            if (c.credit_note == note && c.credit_line == lineNo) claimed += c.quantity;
        const std::int64_t take = std::min(line.integer("quantity") - claimed, quantity);
        if (take <= 0) continue;
        quantity -= take;
        const auto same = std::find_if(claims.begin(), claims.end(), [&](const StandingClaim& c) {
            return c.credit_note == note && c.credit_line == lineNo;
        });
        if (same != claims.end()) {  // the same SKU twice in this return (one resellable, one damaged)
            same->quantity += take;
            continue;
        }
        claims.push_back({note, lineNo, line.string("rma_number"), sku, take});
    }
    return quantity;
}

}  // namespace billing

#endif  // ORDERHOST_PLUGINS_BILLING_RETURN_PRICING_HPP
