// billing_return.hpp — credit-return, the step of orderhost.billing that credits a return.
//
// run(): for the order's RMA (/return/rma/number, written by orderhost.returns) it issues one
// partial credit note per invoice that carried returned units — ONE note for an order invoiced
// per order; one per shipment invoice concerned for an order invoiced per shipment — in the
// credit-note series (config credit_note_series: give it the same series as issue-invoice, so
// invoices' and returns' credit notes share one gapless counter), all in the step's one
// transaction. The lines are the goods received (/return/received/lines), else the authorized
// ones (/return/rma/lines). Which invoice line a returned unit is credited against, and the
// rounding rule of returns (cumulative share per invoice line, so the credits of an invoice
// line never exceed it and returning all of it credits exactly its net and tax), are in
// billing_return_pricing.hpp. A note's total is the sum of its lines.
// More than invoiced and not yet credited (quantity) is REJECTed with credit_exceeds_invoice.
// The customer's receivables (billing_accounts) shrink by each total; /billing/return_credits
// gets one {credit_note_number, rma_number, invoice_number, currency, net_minor, tax_minor,
// total_minor} per note; one event "credit_note.issued" (with "rma_number") per note. An order
// without an invoice, or a return of which nothing was received, is credited nothing (CONTINUE).
// Idempotent per order and RMA: a credit note for them exists -> nothing is issued again (the
// notes of one RMA commit together, so one found means all were).
//
// compensate(): a credit note is a legal document and stays; undoing the step issues nothing
// and CONTINUEs (the customer is owed the amount: refund-return of orderhost.payment pays a
// credit note whose refund is still outstanding, see docs/plugins.md). Put credit-return after
// the steps that may refuse a return.
#ifndef ORDERHOST_PLUGINS_BILLING_RETURN_HPP
#define ORDERHOST_PLUGINS_BILLING_RETURN_HPP

#include "billing_ledger.hpp"
#include "billing_return_pricing.hpp"

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
        if (!db.query("SELECT credit_note_number FROM billing_return_credits WHERE order_id = ? AND rma_number = ?"
                      " UNION ALL SELECT credit_note_number FROM billing_return_claims WHERE order_id = ? AND"
                      " rma_number = ?",
                      {orderId, *rma, orderId, *rma})
                 .empty())
            return sdk::Outcome::proceed();  // issued by an earlier run: /billing/return_credits was kept with it
        const std::vector<sdk::Row> invoices = db.query(
            "SELECT invoice_number, customer_id, currency FROM billing_invoices WHERE order_id = ? ORDER BY number",
            {orderId});
        if (invoices.empty()) return sdk::Outcome::proceed();  // never invoiced: nothing to credit
        const std::string lines = order.has("/return/received/lines") ? "/return/received/lines" : "/return/rma/lines";
        const std::vector<std::string> undone = undoneRmas(order);
        std::vector<CreditLine> credit;
        std::vector<StandingClaim> claims;
        for (std::size_t i = 0; i < order.size(lines); ++i) {
            const std::string at = lines + "/" + std::to_string(i);
            const std::string sku = order.optionalString(at + "/sku").value_or("");
            const std::int64_t quantity = order.optionalInteger(at + "/quantity").value_or(0);
            if (quantity <= 0) continue;
            // Units a standing note of an undone return credits already are claimed, not credited again.
            const std::int64_t fresh = claimStandingCredit(db, orderId, undone, sku, quantity, claims);
            if (fresh <= 0) continue;
            if (std::optional<sdk::Outcome> refused =
                    allocateCredit(db, orderId, sku, fresh, at + " (SKU " + sku + ")", credit))
                return *refused;
        }
        for (const StandingClaim& c : claims) recordClaim(db, call, order, *rma, c);
        // One note per invoice that carried returned units, in the invoices' order.
        for (const sdk::Row& invoice : invoices) {
            std::vector<CreditLine> ofInvoice;
            for (const CreditLine& l : credit)
                if (l.invoice == invoice.string("invoice_number")) ofInvoice.push_back(l);
            if (!ofInvoice.empty()) issueNote(db, call, order, *rma, invoice, ofInvoice);
        }
        return sdk::Outcome::proceed();  // nothing came back: no note, no claim
    }

    // A credit note is not undone (see the file comment).
    sdk::Outcome compensate(sdk::StepCall&) override { return sdk::Outcome::proceed(); }

private:
    // Records that `rma` claims `c` (billing_return_claims, /billing/return_claims).
    static void recordClaim(const sdk::Database& db, const sdk::StepCall& call, sdk::OrderDocument& order,
                            const std::string& rma, const StandingClaim& c) {
        db.execute(
            "INSERT INTO billing_return_claims (order_id, rma_number, credit_note_number, credit_line_no, sku,"
            " quantity, claimed_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
            {std::string(call.orderId()), rma, c.credit_note, c.credit_line, c.sku, c.quantity, call.nowMs()});
        order.setJson("/billing/return_claims/-", sdk::JsonObject()
                                                      .add("rma_number", rma)
                                                      .add("credit_note_number", c.credit_note)
                                                      .add("claimed_rma", c.claimed_rma)
                                                      .add("sku", c.sku)
                                                      .add("quantity", c.quantity)
                                                      .str());
    }

    // Issues the credit note of `rma` for `lines` (all on `invoice`): its gapless number, rows,
    // receivables, /billing/return_credits entry and event.
    void issueNote(const sdk::Database& db, const sdk::StepCall& call, sdk::OrderDocument& order,
                   const std::string& rma, const sdk::Row& inv, const std::vector<CreditLine>& lines) const {
        std::int64_t net = 0, tax = 0;
        for (const CreditLine& l : lines) {
            net += l.net;
            tax += l.tax;
        }
        const std::int64_t number = takeNumber(db, series_);
        const std::string note = formatNumber(series_, number, width_);
        const std::string orderId(call.orderId()), invoice = inv.string("invoice_number"),
                                                   customer = inv.string("customer_id"),
                                                   currency = inv.string("currency");
        db.execute(
            "INSERT INTO billing_return_credits (credit_note_number, series, number, invoice_number, order_id,"
            " rma_number, customer_id, currency, net_minor, tax_minor, total_minor, issued_at_ms)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {note, series_, number, invoice, orderId, rma, customer, currency, net, tax, net + tax, call.nowMs()});
        for (std::size_t i = 0; i < lines.size(); ++i) {
            const CreditLine& l = lines[i];
            db.execute(
                "INSERT INTO billing_return_credit_lines (credit_note_number, line_no, invoice_number,"
                " invoice_line_no, sku, quantity, tax_rate_bp, net_minor, tax_minor, total_minor)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                {note, static_cast<std::int64_t>(i + 1), invoice, l.invoice_line, l.sku, l.quantity, l.rate_bp, l.net,
                 l.tax, l.net + l.tax});
        }
        addToReceivables(db, customer, currency, -(net + tax));
        order.setJson("/billing/return_credits/-", sdk::JsonObject()
                                                       .add("credit_note_number", note)
                                                       .add("rma_number", rma)
                                                       .add("invoice_number", invoice)
                                                       .add("currency", currency)
                                                       .add("net_minor", net)
                                                       .add("tax_minor", tax)
                                                       .add("total_minor", net + tax)
                                                       .str());
        call.events().emit("credit_note.issued", sdk::JsonObject()
                                                     .add("credit_note_number", note)
                                                     .add("invoice_number", invoice)
                                                     .add("rma_number", rma)
                                                     .add("order_id", orderId)
                                                     .add("customer_id", customer)
                                                     .add("currency", currency)
                                                     .add("total_minor", net + tax)
                                                     .str());
    }

    // Read-only after construction (OH_STEP_THREAD_SAFE).
    std::string series_;
    int width_ = 6;
};

}  // namespace billing

#endif  // ORDERHOST_PLUGINS_BILLING_RETURN_HPP
