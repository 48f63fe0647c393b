// billing_return.hpp — credit-return, the step of orderhost.billing that credits a return.
//
// run(): for the order's RMA (/return/rma/number, written by orderhost.returns) it issues ONE
// partial credit note in the credit-note series (config credit_note_series: give it the same
// series as issue-invoice, so invoices' and returns' credit notes share one gapless counter).
// The lines are the goods received (/return/received/lines), else the authorized ones
// (/return/rma/lines). Each is matched by SKU to a line of the order's invoice and credited by
// the rounding rule of returns (docs/plugins.md, "billing"): once k of the invoice line's Q units
// are credited (by every note of the invoice, and the lines before it in this note — the same
// SKU twice, one resellable and one damaged), the credited net and tax are the line's net and
// tax x k / Q, each rounded half away from zero (proratedShare, billing_tax.hpp); a credit
// line is that cumulative share minus what was credited before. So the credits of an invoice
// line never exceed it, returning all of it credits exactly its net and tax, and the notes
// of all returns of an invoice add up to at most, and finally exactly, the invoice total. (Pricing
// each credit line on its own and rounding its tax over-credited a return split by condition
// by a cent.) The note's total is the sum of its lines.
// More than invoiced (quantity) is REJECTed with credit_exceeds_invoice. The customer's
// receivables (billing_accounts) shrink by the total; /billing/return_credits gets
// {credit_note_number, rma_number, currency, net_minor, tax_minor, total_minor}; event
// "credit_note.issued" (with "rma_number"). An order without an invoice, or a return of which
// nothing was received, is credited nothing (CONTINUE).
// Idempotent per order and RMA: a credit note for them exists -> nothing is issued again.
//
// compensate(): a credit note is a legal document and stays; undoing the step issues nothing
// and CONTINUEs (the customer is owed the amount: settle a refund that could not be made by
// hand, see docs/plugins.md). Put credit-return after the steps that may refuse a return.
#ifndef ORDERHOST_PLUGINS_BILLING_RETURN_HPP
#define ORDERHOST_PLUGINS_BILLING_RETURN_HPP

#include "billing_ledger.hpp"
#include "billing_tax.hpp"

#include <orderhost/sdk.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace billing {

constexpr char kCreditReturnSchema[] = R"({
  "type": "object",
  "required": ["credit_note_series"],
  "properties": {
    "credit_note_series": {"type": "string", "minLength": 1, "maxLength": 32},
    "number_width": {"type": "integer", "minimum": 1, "maximum": 12, "default": 6}
  }
})";

struct CreditLine {
    std::int64_t invoice_line = 0;
    std::string sku;
    std::int64_t quantity = 0;
    std::int64_t rate_bp = 0;
    std::int64_t net = 0;
    std::int64_t tax = 0;
};

class CreditReturnStep : public sdk::Step {
public:
    explicit CreditReturnStep(sdk::CreateContext& ctx) : series_(requiredSeries(ctx.config(), "credit_note_series")) {
        std::optional<std::int64_t> width;
        try {
            width = ctx.config().optionalInteger("/number_width");
        } catch (const sdk::Error&) {
            width = 0;
        }
        if (width && (*width < 1 || *width > 12))
            throw sdk::ConfigError("number_width", "must be an integer from 1 to 12");
        width_ = static_cast<int>(width.value_or(6));
    }

    sdk::Outcome run(sdk::StepCall& call) override {
        sdk::Database db(call);
        sdk::OrderDocument order = call.order();
        const std::string orderId(call.orderId());
        const std::optional<std::string> rma = order.optionalString("/return/rma/number");
        if (!rma) return sdk::Outcome::fail("rma_missing", "/return/rma/number is missing: run authorize-return first");
        if (!db.query("SELECT credit_note_number FROM billing_return_credits WHERE order_id = ? AND rma_number = ?",
                      {orderId, *rma})
                 .empty())
            return sdk::Outcome::proceed();  // issued by an earlier run: /billing/return_credits was kept with it
        const std::vector<sdk::Row> invoices = db.query(
            "SELECT invoice_number, customer_id, currency FROM billing_invoices WHERE order_id = ?", {orderId});
        if (invoices.empty()) return sdk::Outcome::proceed();  // never invoiced: nothing to credit
        if (invoices.size() > 1)  // invoiced per shipment: which invoice a returned unit was on is not known
            return sdk::Outcome::fail("credit_return_split_invoices",
                                      "the order has " + std::to_string(invoices.size()) +
                                          " invoices (invoice: per_shipment); credit-return credits orders with one"
                                          " invoice only: credit this return by hand");
        const std::string invoice = invoices.front().string("invoice_number");
        const std::string lines = order.has("/return/received/lines") ? "/return/received/lines" : "/return/rma/lines";
        std::vector<CreditLine> credit;
        if (std::optional<sdk::Outcome> refused = priceLines(db, order, invoice, lines, credit)) return *refused;
        if (credit.empty()) return sdk::Outcome::proceed();  // nothing came back
        std::int64_t net = 0, tax = 0;
        for (const CreditLine& l : credit) {
            net += l.net;
            tax += l.tax;
        }
        const std::string note = formatNumber(series_, takeNumber(db, series_), width_);
        const std::string customer = invoices.front().string("customer_id"),
                          currency = invoices.front().string("currency");
        db.execute(
            "INSERT INTO billing_return_credits (credit_note_number, series, number, invoice_number, order_id,"
            " rma_number, customer_id, currency, net_minor, tax_minor, total_minor, issued_at_ms)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {note, series_, std::stoll(note.substr(series_.size())), invoice, orderId, *rma, customer, currency, net,
             tax, net + tax, call.nowMs()});
        for (std::size_t i = 0; i < credit.size(); ++i) {
            const CreditLine& l = credit[i];
            db.execute(
                "INSERT INTO billing_return_credit_lines (credit_note_number, line_no, invoice_number,"
                " invoice_line_no, sku, quantity, tax_rate_bp, net_minor, tax_minor, total_minor)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                {note, static_cast<std::int64_t>(i + 1), invoice, l.invoice_line, l.sku, l.quantity, l.rate_bp, l.net,
                 l.tax, l.net + l.tax});
        }
        addToReceivables(db, customer, currency, -(net + tax));
        const std::string entry = sdk::JsonObject()
                                      .add("credit_note_number", note)
                                      .add("rma_number", *rma)
                                      .add("invoice_number", invoice)
                                      .add("currency", currency)
                                      .add("net_minor", net)
                                      .add("tax_minor", tax)
                                      .add("total_minor", net + tax)
                                      .str();
        order.setJson("/billing/return_credits/-", entry);
        call.events().emit("credit_note.issued", sdk::JsonObject()
                                                     .add("credit_note_number", note)
                                                     .add("invoice_number", invoice)
                                                     .add("rma_number", *rma)
                                                     .add("order_id", orderId)
                                                     .add("customer_id", customer)
                                                     .add("currency", currency)
                                                     .add("total_minor", net + tax)
                                                     .str());
        return sdk::Outcome::proceed();
    }

    // A credit note is not undone (see the file comment).
    sdk::Outcome compensate(sdk::StepCall&) override { return sdk::Outcome::proceed(); }

private:
    // The credit lines of `linesPath` priced from the invoice's lines; an outcome on a refusal.
    static std::optional<sdk::Outcome> priceLines(const sdk::Database& db, const sdk::OrderDocument& order,
                                                  const std::string& invoice, const std::string& linesPath,
                                                  std::vector<CreditLine>& out) {
        for (std::size_t i = 0; i < order.size(linesPath); ++i) {
            CreditLine line;
            const std::string at = linesPath + "/" + std::to_string(i);
            line.sku = order.optionalString(at + "/sku").value_or("");
            line.quantity = order.optionalInteger(at + "/quantity").value_or(0);
            if (line.quantity <= 0) continue;
            const std::string named = at + " (SKU " + line.sku + ")";
            const std::vector<sdk::Row> invoiced = db.query(
                "SELECT i.line_no, i.quantity, i.tax_rate_bp, i.net_minor, i.tax_minor,"
                " (SELECT COALESCE(SUM(c.quantity), 0) FROM billing_return_credit_lines c WHERE c.invoice_number ="
                " i.invoice_number AND c.invoice_line_no = i.line_no) AS credited_quantity,"
                " (SELECT COALESCE(SUM(c.net_minor), 0) FROM billing_return_credit_lines c WHERE c.invoice_number ="
                " i.invoice_number AND c.invoice_line_no = i.line_no) AS credited_net,"
                " (SELECT COALESCE(SUM(c.tax_minor), 0) FROM billing_return_credit_lines c WHERE c.invoice_number ="
                " i.invoice_number AND c.invoice_line_no = i.line_no) AS credited_tax"
                " FROM billing_invoice_lines i WHERE i.invoice_number = ? AND i.sku = ? ORDER BY i.line_no",
                {invoice, line.sku});
            if (invoiced.empty())
                return sdk::Outcome::reject("credit_line_not_invoiced", named + " is not on invoice " + invoice);
            const sdk::Row& inv = invoiced.front();
            // Credited before: by earlier notes, and earlier in this note (the same SKU twice,
            // e.g. one resellable and one damaged).
            std::int64_t creditedQuantity = inv.integer("credited_quantity"), creditedNet = inv.integer("credited_net"),
                         creditedTax = inv.integer("credited_tax");
            for (const CreditLine& l : out) {
                if (l.invoice_line != inv.integer("line_no")) continue;
                creditedQuantity += l.quantity;
                creditedNet += l.net;
                creditedTax += l.tax;
            }
            const std::int64_t left = inv.integer("quantity") - creditedQuantity;
            if (line.quantity > left)
                return sdk::Outcome::reject("credit_exceeds_invoice", named + ": " + std::to_string(line.quantity) +
                                                                          " to credit, " + std::to_string(left) +
                                                                          " invoiced and not credited yet");
            line.invoice_line = inv.integer("line_no");
            line.rate_bp = inv.integer("tax_rate_bp");
            // The cumulative share of the invoice line once this line is credited, minus what
            // was credited before (file comment): never above the line, all of it at the end.
            const std::int64_t upTo = creditedQuantity + line.quantity, invoicedQuantity = inv.integer("quantity");
            line.net = proratedShare(inv.integer("net_minor"), upTo, invoicedQuantity) - creditedNet;
            line.tax = proratedShare(inv.integer("tax_minor"), upTo, invoicedQuantity) - creditedTax;
            out.push_back(std::move(line));
        }
        return std::nullopt;
    }

    // Read-only after construction (OH_STEP_THREAD_SAFE).
    std::string series_;
    int width_ = 6;
};

}  // namespace billing

#endif  // ORDERHOST_PLUGINS_BILLING_RETURN_HPP
