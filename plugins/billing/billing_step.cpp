// orderhost.billing — the invoice of an order, its credit note, and the customer's receivables.
//
// run(): issues ONE invoice per order (config invoice: per_order, the default), or one per
// shipment (per_shipment: the warehouses of /sourcing/reserved, billing_shipments.hpp, with its
// rounding rule so that they add up to the per-order invoice), each numbered without gaps in the configured series
// ("INV-2026-" + a zero-padded counter). The counter is a row of billing_series that the step
// increments in its own transaction through orderhost.db, so:
//   - a step that is retried, fails or crashes rolls the increment back with the invoice: no
//     number is ever consumed without its invoice;
//   - two orders never get the same number: on PostgreSQL the UPDATE's row lock makes the
//     second order wait for the first one's commit (it then reads the incremented row); on
//     SQLite the step transaction holds the database's write lock from its start.
// Tax comes from a rate table (country x tax class -> basis points, from the config or from
// billing_tax_rates); the rounding rule is in billing_tax.hpp. The country is the order's
// /shipping_address/country (else config default_country); a line's tax class is
// /lines/<i>/tax_class when an earlier step set one, else the SKU's entry in config
// "tax_classes", else config default_tax_class. The invoice and its lines are
// inserted, the customer's open receivables (billing_accounts) grow by the total, the order
// gets /billing, and the event "invoice.issued" is published with the step's result.
// Idempotent: an invoice for the order already exists -> it is reported again, nothing issued.
//
// compensate(): issued invoices are immutable. Undo issues, per invoice, a credit note for the full amount
// (less what credit notes of returns credited already) in its own gapless series (same counter
// mechanism), referencing the invoice, reduces the receivables and publishes
// "credit_note.issued". At most one credit note per invoice, so a repeated compensate issues
// nothing more.
//
// In a quote (billing_document.hpp: writeQuote) run() prices and taxes the lines by the same code and writes
// /billing with status "quoted": no number, no row, no receivable, no event.
//
// credit-return (billing_return.hpp): partial credit notes for the returned lines of an RMA, one per
// invoice that carried them (billing_return_pricing.hpp: which invoice, and the rounding).
//
// Thread contract: OH_STEP_THREAD_SAFE (members are read-only after construction).
#include "billing_document.hpp"
#include "billing_ledger.hpp"
#include "billing_return.hpp"
#include "billing_shipments.hpp"
#include "billing_tax.hpp"

#include <orderhost/sdk.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sdk = orderhost::sdk;

namespace {

using billing::addToReceivables;
using billing::markCredited;
using billing::requiredSeries;
using billing::takeNumber;
using billing::writeInvoices;

constexpr char kConfigSchema[] = R"({
  "type": "object",
  "required": ["series", "credit_note_series", "default_tax_class"],
  "properties": {
    "series": {"type": "string", "minLength": 1, "maxLength": 32},
    "credit_note_series": {"type": "string", "minLength": 1, "maxLength": 32},
    "number_width": {"type": "integer", "minimum": 1, "maximum": 12, "default": 6},
    "tax_rates_source": {"enum": ["config", "table"], "default": "config"},
    "tax_rates": {"type": "object", "additionalProperties": {
      "type": "object", "additionalProperties": {"type": "integer", "minimum": 0, "maximum": 10000}}},
    "default_tax_class": {"type": "string", "minLength": 1},
    "tax_classes": {"type": "object", "additionalProperties": {"type": "string", "minLength": 1}},
    "default_country": {"type": "string", "minLength": 2},
    "invoice": {"enum": ["per_order", "per_shipment"], "default": "per_order"}
  }
})";

using billing::InvoiceDraft;
using billing::InvoiceLine;
using billing::Totals;

struct Pricing {
    std::string currency, customer, country;
    std::vector<InvoiceLine> lines;  // one per /lines entry, in order
    Totals totals;
};

class BillingStep : public sdk::Step {
public:
    explicit BillingStep(sdk::CreateContext& ctx) {
        const sdk::Document config = ctx.config();
        series_ = requiredSeries(config, "series");
        credit_note_series_ = requiredSeries(config, "credit_note_series");
        if (credit_note_series_ == series_)
            throw sdk::ConfigError("credit_note_series", "must differ from series: each series has its own counter");
        std::optional<std::int64_t> width;
        try {
            width = config.optionalInteger("/number_width");
        } catch (const sdk::Error&) {
            width = 0;
        }
        if (width && (*width < 1 || *width > 12))
            throw sdk::ConfigError("number_width", "must be an integer from 1 to 12");
        width_ = static_cast<int>(width.value_or(6));
        const std::string source = config.optionalString("/tax_rates_source").value_or("config");
        if (source != "config" && source != "table")
            throw sdk::ConfigError("tax_rates_source",
                                   "must be \"config\" (rates in tax_rates) or \"table\" (billing_tax_rates)");
        rates_from_table_ = source == "table";
        if (!rates_from_table_) {
            if (!config.has("/tax_rates"))
                throw sdk::ConfigError("tax_rates", "is required when tax_rates_source is \"config\"");
            rates_ = billing::readConfigRates(config);
        }
        const std::optional<std::string> tax_class = config.optionalString("/default_tax_class");
        if (!tax_class || tax_class->empty())
            throw sdk::ConfigError("default_tax_class",
                                   "must name the tax class of lines without /lines/<i>/tax_class");
        default_tax_class_ = *tax_class;
        default_country_ = config.optionalString("/default_country").value_or("");
        std::optional<std::string> invoice;
        try {
            invoice = config.optionalString("/invoice");
        } catch (const sdk::Error&) {
            invoice = "";
        }
        if (invoice && *invoice != "per_order" && *invoice != "per_shipment")
            throw sdk::ConfigError("invoice", "must be \"per_order\" or \"per_shipment\" (billing_shipments.hpp)");
        per_shipment_ = invoice.value_or("per_order") == "per_shipment";
        if (config.has("/tax_classes")) {
            if (config.type("/tax_classes") != sdk::JsonType::object)
                throw sdk::ConfigError("tax_classes", "must be an object mapping SKU to tax class");
            for (const std::string& sku : config.keys("/tax_classes")) {
                std::optional<std::string> tax_class;
                try {
                    tax_class = config.optionalString(sdk::path("tax_classes", sku));
                } catch (const sdk::Error&) {
                }
                if (!tax_class || tax_class->empty())
                    throw sdk::ConfigError("tax_classes." + sku, "must be a tax class name");
                tax_classes_[sku] = *tax_class;
            }
        }
    }

    sdk::Outcome run(sdk::StepCall& call) override {
        if (call.quoting()) return quote(call);
        sdk::Database db(call);
        sdk::OrderDocument order = call.order();
        const std::string orderId(call.orderId());
        const std::vector<sdk::Row> existing = db.query(
            "SELECT invoice_number, shipment, currency, net_minor, tax_minor, total_minor FROM billing_invoices"
            " WHERE order_id = ? ORDER BY number",
            {orderId});
        if (!existing.empty()) {  // issued by an earlier run whose result was kept
            writeInvoices(order, billing::issuedFrom(existing));
            return sdk::Outcome::proceed();
        }
        Pricing priced;
        if (std::optional<sdk::Outcome> problem = price(db, order, priced)) return *problem;
        const std::string &currency = priced.currency, &customer = priced.customer, &country = priced.country;
        const Totals& totals = priced.totals;
        std::vector<InvoiceDraft> drafts = draftsOf(order, priced);
        // Paid by card before this step (a chain that captures first): owed by nobody.
        std::int64_t prepaid = billing::paidBeforeInvoice(order, totals.total);
        std::vector<billing::IssuedInvoice> issued;
        for (const InvoiceDraft& draft : drafts) {
            // The customer's rows first, the number last: the series row, which every order
            // needs, stays locked (until the checkpoint commits) for as few statements as can be.
            const std::int64_t settled = std::min(prepaid, draft.totals.total);
            prepaid -= settled;
            addToReceivables(db, customer, currency, draft.totals.total - settled);
            billing::closeExposure(db, order, orderId, draft.totals.net, &draft == &drafts.back(), call.nowMs());
            const std::string invoice = issue(db, call, draft, customer, country, currency);
            issued.push_back({invoice, draft.shipment, currency, draft.totals});
            call.events().emit("invoice.issued", sdk::JsonObject()
                                                     .add("invoice_number", invoice)
                                                     .add("order_id", orderId)
                                                     .add("customer_id", customer)
                                                     .add("shipment", draft.shipment)
                                                     .add("currency", currency)
                                                     .add("net_minor", draft.totals.net)
                                                     .add("tax_minor", draft.totals.tax)
                                                     .add("total_minor", draft.totals.total)
                                                     .str());
        }
        writeInvoices(order, issued);  // as inserted: a rerun reads the same back (existing above)
        return sdk::Outcome::proceed();
    }

    sdk::Outcome compensate(sdk::StepCall& call) override {
        sdk::Database db(call);
        sdk::OrderDocument order = call.order();
        const std::string orderId(call.orderId());
        const std::vector<sdk::Row> invoices = db.query(
            "SELECT invoice_number, customer_id, currency, net_minor, tax_minor, total_minor FROM billing_invoices"
            " WHERE order_id = ? ORDER BY number",
            {orderId});
        if (invoices.empty()) return sdk::Outcome::proceed();  // nothing was issued
        std::string last;
        for (const sdk::Row& inv : invoices) last = creditInvoice(db, call, inv);
        markCredited(order, last);
        return sdk::Outcome::proceed();
    }

private:
    // Quote mode (ABI 1.2): the invoice the order would get — the same price() and draftsOf()
    // as run(), so the same tax per line and rounding — without a number, a row, a receivable
    // or an event. The series counter is not even read: on PostgreSQL its UPDATE would lock
    // the row (placements would queue behind a quote) although the rollback undoes it, and no
    // sequence is involved anywhere (billing_ledger.hpp), so no number can be lost.
    sdk::Outcome quote(sdk::StepCall& call) const {
        sdk::Database db(call);
        sdk::OrderDocument order = call.order();
        Pricing priced;
        if (std::optional<sdk::Outcome> problem = price(db, order, priced)) return *problem;
        billing::writeQuote(order, priced.currency, priced.country, priced.lines, priced.totals,
                            draftsOf(order, priced));
        return sdk::Outcome::proceed();
    }

    // What the invoice needs before a number is taken; an outcome when the order cannot be
    // invoiced. Reads tax rates only.
    std::optional<sdk::Outcome> price(const sdk::Database& db, const sdk::OrderDocument& order, Pricing& out) const {
        const std::optional<std::string> currency = order.optionalString("/currency");
        const std::optional<std::string> customer = order.optionalString("/customer/id");
        if (!currency || !customer)
            return sdk::Outcome::fail("order_incomplete", "/currency and /customer/id are required to invoice");
        out.currency = *currency;
        out.customer = *customer;
        out.country = order.optionalString("/shipping_address/country").value_or(default_country_);
        if (out.country.empty())
            return sdk::Outcome::fail("country_missing",
                                      "/shipping_address/country is missing and the step has no default_country");
        return priceLines(db, order, out.country, out.lines, out.totals);
    }

    std::vector<InvoiceDraft> draftsOf(const sdk::OrderDocument& order, const Pricing& priced) const {
        return per_shipment_ ? billing::splitByShipment(order, priced.lines)
                             : std::vector<InvoiceDraft>{{"", priced.lines, priced.totals}};
    }

    // Inserts one invoice (a gapless number of the series) and its lines; its number.
    std::string issue(const sdk::Database& db, const sdk::StepCall& call, const InvoiceDraft& draft,
                      const std::string& customer, const std::string& country, const std::string& currency) const {
        const std::int64_t number = takeNumber(db, series_);
        const std::string invoice = formatNumber(series_, number);
        db.execute(
            "INSERT INTO billing_invoices (invoice_number, series, number, order_id, shipment, customer_id, country,"
            " currency, net_minor, tax_minor, total_minor, issued_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {invoice, series_, number, std::string(call.orderId()), draft.shipment, customer, country, currency,
             draft.totals.net, draft.totals.tax, draft.totals.total, call.nowMs()});
        for (std::size_t i = 0; i < draft.lines.size(); ++i) {
            const InvoiceLine& l = draft.lines[i];
            db.execute(
                "INSERT INTO billing_invoice_lines (invoice_number, line_no, sku, quantity, tax_class, tax_rate_bp,"
                " net_minor, tax_minor, total_minor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                {invoice, static_cast<std::int64_t>(i + 1), l.sku, l.quantity, l.tax_class, l.rate_bp, l.net, l.tax,
                 l.net + l.tax});
        }
        return invoice;
    }

    // The credit note of one invoice (less what credit notes of returns credited already), or
    // the one an earlier compensate issued; its number.
    std::string creditInvoice(const sdk::Database& db, const sdk::StepCall& call, const sdk::Row& inv) const {
        const std::string invoice = inv.string("invoice_number");
        const std::vector<sdk::Row> notes =
            db.query("SELECT credit_note_number FROM billing_credit_notes WHERE invoice_number = ?", {invoice});
        if (!notes.empty()) return notes.front().string("credit_note_number");  // credited by an earlier compensate
        const std::int64_t number = takeNumber(db, credit_note_series_);
        const std::string note = formatNumber(credit_note_series_, number);
        const std::string customer = inv.string("customer_id"), currency = inv.string("currency");
        const sdk::Row returned = db.query(
                                        "SELECT COALESCE(SUM(net_minor), 0) AS net, COALESCE(SUM(tax_minor), 0) AS tax"
                                        " FROM billing_return_credits WHERE invoice_number = ?",
                                        {invoice})
                                      .front();
        const std::int64_t net = inv.integer("net_minor") - returned.integer("net");
        const std::int64_t tax = inv.integer("tax_minor") - returned.integer("tax");
        const std::string orderId(call.orderId());
        db.execute(
            "INSERT INTO billing_credit_notes (credit_note_number, series, number, invoice_number, order_id,"
            " customer_id, currency, net_minor, tax_minor, total_minor, issued_at_ms)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {note, credit_note_series_, number, invoice, orderId, customer, currency, net, tax, net + tax,
             call.nowMs()});
        addToReceivables(db, customer, currency, -(net + tax));
        call.events().emit("credit_note.issued", sdk::JsonObject()
                                                     .add("credit_note_number", note)
                                                     .add("invoice_number", invoice)
                                                     .add("order_id", orderId)
                                                     .add("customer_id", customer)
                                                     .add("currency", currency)
                                                     .add("total_minor", net + tax)
                                                     .str());
        return note;
    }

    // Fills `lines` and `totals` from /lines (net = /lines/<i>/total, written by validation);
    // an outcome when the order cannot be invoiced. Writes nothing.
    std::optional<sdk::Outcome> priceLines(const sdk::Database& db, const sdk::OrderDocument& order,
                                           const std::string& country, std::vector<InvoiceLine>& lines,
                                           Totals& totals) const {
        const std::size_t count = order.has("/lines") ? order.size("/lines") : 0;
        if (count == 0) return sdk::Outcome::fail("lines_missing", "/lines is empty: nothing to invoice");
        std::map<std::string, std::int64_t> backordered = billing::backorderedOf(order);
        for (std::size_t i = 0; i < count; ++i) {
            InvoiceLine line;
            const std::optional<std::int64_t> net = order.optionalInteger(sdk::path("lines", i, "total"));
            if (!net)
                return sdk::Outcome::fail("totals_missing", sdk::path("lines", i, "total") +
                                                                " is missing: run the validation step before billing");
            line.net = *net;
            line.sku = order.optionalString(sdk::path("lines", i, "sku")).value_or("");
            line.quantity = order.optionalInteger(sdk::path("lines", i, "quantity")).value_or(0);
            line.stocked = order.optionalString(sdk::path("lines", i, "kind")).value_or("goods") == "goods";
            if (!billing::leaveOutBackordered(order, i, backordered, line))
                return sdk::Outcome::fail("amount_overflow", "invoice amounts exceed the int64 range");
            line.tax_class = order.optionalString(sdk::path("lines", i, "tax_class")).value_or(taxClassOf(line.sku));
            const std::optional<std::int64_t> rate = rateOf(db, country, line.tax_class);
            if (!rate)
                return sdk::Outcome::fail("tax_rate_missing", "no tax rate for country " + country + " and tax class " +
                                                                  line.tax_class + " (line " + std::to_string(i) + ")");
            line.rate_bp = *rate;
            const std::optional<std::int64_t> tax = billing::lineTax(line.net, line.rate_bp);
            if (!tax || __builtin_add_overflow(totals.net, line.net, &totals.net) ||
                __builtin_add_overflow(totals.tax, *tax, &totals.tax))
                return sdk::Outcome::fail("amount_overflow", "invoice amounts exceed the int64 range");
            line.tax = *tax;
            lines.push_back(std::move(line));
        }
        if (__builtin_add_overflow(totals.net, totals.tax, &totals.total))
            return sdk::Outcome::fail("amount_overflow", "invoice total exceeds the int64 range");
        return std::nullopt;
    }

    std::optional<std::int64_t> rateOf(const sdk::Database& db, const std::string& country,
                                       const std::string& tax_class) const {
        if (!rates_from_table_) {
            auto found = rates_.find({country, tax_class});
            return found == rates_.end() ? std::nullopt : std::optional<std::int64_t>(found->second);
        }
        const std::vector<sdk::Row> rows =
            db.query("SELECT rate_bp FROM billing_tax_rates WHERE country = ? AND tax_class = ?", {country, tax_class});
        return rows.empty() ? std::nullopt : std::optional<std::int64_t>(rows.front().integer("rate_bp"));
    }

    // The SKU's class from config "tax_classes", else default_tax_class.
    const std::string& taxClassOf(const std::string& sku) const {
        auto found = tax_classes_.find(sku);
        return found != tax_classes_.end() ? found->second : default_tax_class_;
    }

    std::string formatNumber(const std::string& series, std::int64_t number) const {
        return billing::formatNumber(series, number, width_);
    }

    // Read-only after construction (OH_STEP_THREAD_SAFE).
    std::string series_, credit_note_series_, default_tax_class_, default_country_;
    int width_ = 6;
    bool rates_from_table_ = false;
    bool per_shipment_ = false;
    billing::RateTable rates_;
    std::map<std::string, std::string> tax_classes_;  // SKU -> tax class
};

}  // namespace

ORDERHOST_MIGRATIONS("", ORDERHOST_BILLING_MIGRATIONS);

ORDERHOST_PLUGIN("orderhost.billing", "1.1.0", "orderhost", "Invoices, credit notes and receivables",
                 ORDERHOST_STEP(BillingStep, "issue-invoice", OH_CATEGORY_BILLING,
                                "Issues the order's invoice (gapless number, tax, totals); undo issues a credit note;"
                                " a quote gets the tax and totals, no number",
                                kConfigSchema,
                                OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS | OH_STEP_ANSWERS_QUOTES),
                 ORDERHOST_STEP(billing::CreditReturnStep, "credit-return", OH_CATEGORY_BILLING,
                                "Issues partial credit notes (one per invoice concerned) for the returned lines of"
                                " the order's RMA",
                                billing::kCreditReturnSchema, OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS));
