// billing_document.hpp — what issue-invoice writes into the order document: /billing after a
// run (the issued invoices: as issued, or read back from billing_invoices on a rerun) and after a quote (the invoice
// the order would get, without a number). docs/plugins.md#billing shows both.
#ifndef ORDERHOST_PLUGINS_BILLING_DOCUMENT_HPP
#define ORDERHOST_PLUGINS_BILLING_DOCUMENT_HPP

#include "billing_shipments.hpp"

#include <orderhost/sdk.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace billing {

inline std::string invoiceJson(const std::string& invoice, const std::string& currency, const Totals& t) {
    return sdk::JsonObject()
        .add("status", "invoiced")
        .add("invoice_number", invoice)
        .add("currency", currency)
        .add("net_minor", t.net)
        .add("tax_minor", t.tax)
        .add("total_minor", t.total)
        .str();
}

// One issued invoice as /billing reports it.
struct IssuedInvoice {
    std::string number, shipment, currency;
    Totals totals;
};

// billing_invoices rows (invoice_number, shipment, currency, net_minor, tax_minor, total_minor).
inline std::vector<IssuedInvoice> issuedFrom(const std::vector<sdk::Row>& rows) {
    std::vector<IssuedInvoice> issued;
    for (const sdk::Row& row : rows)
        issued.push_back({row.string("invoice_number"),
                          row.string("shipment"),
                          row.string("currency"),
                          {row.integer("net_minor"), row.integer("tax_minor"), row.integer("total_minor")}});
    return issued;
}

// /billing: the first invoice's number and the order's totals; with more than one invoice
// (per shipment) also "invoices": [{invoice_number, shipment, net_minor, tax_minor, total_minor}].
// `invoices` in number order (the order they were issued in).
inline void writeInvoices(sdk::OrderDocument& order, const std::vector<IssuedInvoice>& invoices) {
    Totals sum;
    for (const IssuedInvoice& invoice : invoices) {
        sum.net += invoice.totals.net;
        sum.tax += invoice.totals.tax;
        sum.total += invoice.totals.total;
    }
    order.setJson("/billing", invoiceJson(invoices.front().number, invoices.front().currency, sum));
    if (invoices.size() < 2) return;
    order.setJson("/billing/invoices", "[]");
    for (const IssuedInvoice& invoice : invoices)
        order.setJson("/billing/invoices/-", sdk::JsonObject()
                                                 .add("invoice_number", invoice.number)
                                                 .add("shipment", invoice.shipment)
                                                 .add("net_minor", invoice.totals.net)
                                                 .add("tax_minor", invoice.totals.tax)
                                                 .add("total_minor", invoice.totals.total)
                                                 .str());
}

inline void markCredited(sdk::OrderDocument& order, const std::string& note) {
    order.set("/billing/status", "credited");
    order.set("/billing/credit_note_number", note);
}

// /billing of a quote: {"status": "quoted", currency, country, net_minor, tax_minor,
// total_minor, "lines": [{line, sku, quantity, tax_class, tax_rate_bp, net_minor, tax_minor,
// total_minor}]} — the invoice's lines as billing_invoice_lines would hold them, one per
// /lines entry — and with more than one shipment (invoice: per_shipment) "invoices":
// [{shipment, net_minor, tax_minor, total_minor}]. No "invoice_number": none is taken.
inline void writeQuote(sdk::OrderDocument& order, const std::string& currency, const std::string& country,
                       const std::vector<InvoiceLine>& lines, const Totals& totals,
                       const std::vector<InvoiceDraft>& drafts) {
    std::string lineArray = "[";
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const InvoiceLine& l = lines[i];
        lineArray.append(i == 0 ? "" : ",")
            .append(sdk::JsonObject()
                        .add("line", static_cast<std::int64_t>(i))
                        .add("sku", l.sku)
                        .add("quantity", l.quantity)
                        .add("tax_class", l.tax_class)
                        .add("tax_rate_bp", l.rate_bp)
                        .add("net_minor", l.net)
                        .add("tax_minor", l.tax)
                        .add("total_minor", l.net + l.tax)
                        .str());
    }
    sdk::JsonObject billing;
    billing.add("status", "quoted")
        .add("currency", currency)
        .add("country", country)
        .add("net_minor", totals.net)
        .add("tax_minor", totals.tax)
        .add("total_minor", totals.total)
        .addJson("lines", lineArray + "]");
    if (drafts.size() > 1) {
        std::string invoices = "[";
        for (const InvoiceDraft& draft : drafts)
            invoices.append(invoices.size() > 1 ? "," : "")
                .append(sdk::JsonObject()
                            .add("shipment", draft.shipment)
                            .add("net_minor", draft.totals.net)
                            .add("tax_minor", draft.totals.tax)
                            .add("total_minor", draft.totals.total)
                            .str());
        billing.addJson("invoices", invoices + "]");
    }
    order.setJson("/billing", billing.str());
}

}  // namespace billing

#endif  // ORDERHOST_PLUGINS_BILLING_DOCUMENT_HPP
