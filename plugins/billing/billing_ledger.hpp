// billing_ledger.hpp — what the steps of orderhost.billing share: the gapless number series,
// the customer's receivables (billing_accounts) and the plugin's tables.
//
// Gapless numbers: the counter is a row of billing_series that a step increments in its own
// transaction through orderhost.db, so a step that is retried, fails or crashes rolls the
// increment back with its document, and two orders never get the same number (on PostgreSQL
// the UPDATE's row lock makes the second order wait for the first one's commit; on SQLite the
// step transaction holds the database's write lock from its start).
#ifndef ORDERHOST_PLUGINS_BILLING_LEDGER_HPP
#define ORDERHOST_PLUGINS_BILLING_LEDGER_HPP

#include <orderhost/sdk.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace billing {

namespace sdk = orderhost::sdk;

inline std::string requiredSeries(const sdk::Document& config, const char* field) {
    std::optional<std::string> value;
    try {
        value = config.optionalString(std::string("/") + field);
    } catch (const sdk::Error&) {
    }
    if (!value || value->empty() || value->size() > 32)
        throw sdk::ConfigError(field, "must be a prefix of 1 to 32 characters, e.g. \"INV-2026-\"");
    return *value;
}

// The next number of `series`, taken inside the step's transaction (see the file comment).
// The row is created by the series' first number only: an INSERT ... ON CONFLICT on every call
// would be one more statement per invoice and, on PostgreSQL, one more wait for the order that
// holds the row (a conflicting insert waits for that transaction's end, as the UPDATE does).
inline std::int64_t takeNumber(const sdk::Database& db, const std::string& series) {
    const char* next = "UPDATE billing_series SET next_number = next_number + 1 WHERE series = ? RETURNING next_number";
    std::vector<sdk::Row> rows = db.query(next, {series});
    if (rows.empty()) {
        db.execute("INSERT INTO billing_series (series, next_number) VALUES (?, 1) ON CONFLICT (series) DO NOTHING",
                   {series});
        rows = db.query(next, {series});
    }
    if (rows.size() != 1) throw sdk::Error(OH_STATUS_INTERNAL_ERROR, std::string(), "series row vanished: " + series);
    return rows.front().integer("next_number") - 1;
}

// The customer's row is created by their first invoice; after that one UPDATE (as takeNumber).
inline void addToReceivables(const sdk::Database& db, const std::string& customer, const std::string& currency,
                             std::int64_t amount) {
    const char* add = "UPDATE billing_accounts SET open_minor = open_minor + ? WHERE customer_id = ? AND currency = ?";
    if (db.execute(add, {amount, customer, currency}) > 0) return;
    db.execute(
        "INSERT INTO billing_accounts (customer_id, currency, open_minor) VALUES (?, ?, 0)"
        " ON CONFLICT (customer_id, currency) DO NOTHING",
        {customer, currency});
    db.execute(add, {amount, customer, currency});
}

// orderhost.credit counts an accepted order (its credit_exposures row in state "open") until
// it is invoiced; from this commit on the invoice counts through the receivables instead, so
// the row is closed here, in the invoice's transaction. `net` is what this invoice invoiced
// of the order; `last` closes the row whatever is left (the order's last invoice). Only when
// the credit step recorded the order (/credit/status "accepted"): without orderhost.credit the
// table does not exist, and a failing statement would abort the step's transaction.
inline void closeExposure(const sdk::Database& db, const sdk::OrderDocument& order, const std::string& orderId,
                          std::int64_t net, bool last, std::int64_t nowMs) {
    if (order.optionalString("/credit/status").value_or("") != "accepted") return;
    db.execute("UPDATE credit_exposures SET invoiced_minor = invoiced_minor + ? WHERE order_id = ? AND state = 'open'",
               {net, orderId});
    db.execute(
        "UPDATE credit_exposures SET state = 'invoiced', closed_at_ms = ? WHERE order_id = ? AND state = 'open'"
        " AND (? = 1 OR invoiced_minor >= amount_minor)",
        {nowMs, orderId, static_cast<std::int64_t>(last ? 1 : 0)});
}

// What the card paid before this invoice existed (a chain that captures before it invoices):
// orderhost.payment could not settle a receivable that was not there yet, so the invoice
// adds only the rest. At most `total`.
inline std::int64_t paidBeforeInvoice(const sdk::OrderDocument& order, std::int64_t total) {
    if (order.has("/billing/invoice_number")) return 0;  // captured after an invoice: settled there
    const std::string status = order.optionalString("/payment/status").value_or("");
    if (status != "captured" && status != "partially_refunded") return 0;
    const std::int64_t paid = order.optionalInteger("/payment/captured_minor").value_or(0) -
                              order.optionalInteger("/payment/refunded_minor").value_or(0);
    return std::max<std::int64_t>(0, std::min(paid, total));
}

// "INV-2026-" + number zero-padded to `width` digits.
inline std::string formatNumber(const std::string& series, std::int64_t number, int width) {
    std::string digits = std::to_string(number);
    if (digits.size() < static_cast<std::size_t>(width)) digits.insert(0, width - digits.size(), '0');
    return series + digits;
}

}  // namespace billing

// The plugin's tables (host database). Appended only: never change a shipped version.
#define ORDERHOST_BILLING_MIGRATIONS                                                                                \
    ORDERHOST_MIGRATION(1, "billing series, invoices, lines, credit notes, accounts, tax rates",                    \
                        "CREATE TABLE billing_series ("                                                             \
                        " series VARCHAR(32) PRIMARY KEY,"                                                          \
                        " next_number BIGINT NOT NULL);"                                                            \
                        "CREATE TABLE billing_invoices ("                                                           \
                        " invoice_number VARCHAR(48) PRIMARY KEY,"                                                  \
                        " series VARCHAR(32) NOT NULL,"                                                             \
                        " number BIGINT NOT NULL,"                                                                  \
                        " order_id VARCHAR(64) NOT NULL UNIQUE,"                                                    \
                        " customer_id VARCHAR(128) NOT NULL,"                                                       \
                        " country VARCHAR(8) NOT NULL,"                                                             \
                        " currency VARCHAR(3) NOT NULL,"                                                            \
                        " net_minor BIGINT NOT NULL,"                                                               \
                        " tax_minor BIGINT NOT NULL,"                                                               \
                        " total_minor BIGINT NOT NULL,"                                                             \
                        " issued_at_ms BIGINT NOT NULL,"                                                            \
                        " UNIQUE (series, number));"                                                                \
                        "CREATE TABLE billing_invoice_lines ("                                                      \
                        " invoice_number VARCHAR(48) NOT NULL,"                                                     \
                        " line_no BIGINT NOT NULL,"                                                                 \
                        " sku VARCHAR(128) NOT NULL,"                                                               \
                        " quantity BIGINT NOT NULL,"                                                                \
                        " tax_class VARCHAR(32) NOT NULL,"                                                          \
                        " tax_rate_bp BIGINT NOT NULL,"                                                             \
                        " net_minor BIGINT NOT NULL,"                                                               \
                        " tax_minor BIGINT NOT NULL,"                                                               \
                        " total_minor BIGINT NOT NULL,"                                                             \
                        " PRIMARY KEY (invoice_number, line_no));"                                                  \
                        "CREATE TABLE billing_credit_notes ("                                                       \
                        " credit_note_number VARCHAR(48) PRIMARY KEY,"                                              \
                        " series VARCHAR(32) NOT NULL,"                                                             \
                        " number BIGINT NOT NULL,"                                                                  \
                        " invoice_number VARCHAR(48) NOT NULL UNIQUE,"                                              \
                        " order_id VARCHAR(64) NOT NULL,"                                                           \
                        " customer_id VARCHAR(128) NOT NULL,"                                                       \
                        " currency VARCHAR(3) NOT NULL,"                                                            \
                        " net_minor BIGINT NOT NULL,"                                                               \
                        " tax_minor BIGINT NOT NULL,"                                                               \
                        " total_minor BIGINT NOT NULL,"                                                             \
                        " issued_at_ms BIGINT NOT NULL,"                                                            \
                        " UNIQUE (series, number));"                                                                \
                        "CREATE TABLE billing_accounts ("                                                           \
                        " customer_id VARCHAR(128) NOT NULL,"                                                       \
                        " currency VARCHAR(3) NOT NULL,"                                                            \
                        " open_minor BIGINT NOT NULL,"                                                              \
                        " PRIMARY KEY (customer_id, currency));"                                                    \
                        "CREATE TABLE billing_tax_rates ("                                                          \
                        " country VARCHAR(8) NOT NULL,"                                                             \
                        " tax_class VARCHAR(32) NOT NULL,"                                                          \
                        " rate_bp BIGINT NOT NULL,"                                                                 \
                        " PRIMARY KEY (country, tax_class))")                                                       \
    ,                                                                                                               \
        ORDERHOST_MIGRATION(2, "credit notes of returns: one per RMA, with their lines",                            \
                            "CREATE TABLE billing_return_credits ("                                                 \
                            " credit_note_number VARCHAR(48) PRIMARY KEY,"                                          \
                            " series VARCHAR(32) NOT NULL,"                                                         \
                            " number BIGINT NOT NULL,"                                                              \
                            " invoice_number VARCHAR(48) NOT NULL,"                                                 \
                            " order_id VARCHAR(64) NOT NULL,"                                                       \
                            " rma_number VARCHAR(48) NOT NULL,"                                                     \
                            " customer_id VARCHAR(128) NOT NULL,"                                                   \
                            " currency VARCHAR(3) NOT NULL,"                                                        \
                            " net_minor BIGINT NOT NULL,"                                                           \
                            " tax_minor BIGINT NOT NULL,"                                                           \
                            " total_minor BIGINT NOT NULL,"                                                         \
                            " issued_at_ms BIGINT NOT NULL,"                                                        \
                            " UNIQUE (series, number),"                                                             \
                            " UNIQUE (order_id, rma_number));"                                                      \
                            "CREATE TABLE billing_return_credit_lines ("                                            \
                            " credit_note_number VARCHAR(48) NOT NULL,"                                             \
                            " line_no BIGINT NOT NULL,"                                                             \
                            " invoice_number VARCHAR(48) NOT NULL,"                                                 \
                            " invoice_line_no BIGINT NOT NULL,"                                                     \
                            " sku VARCHAR(128) NOT NULL,"                                                           \
                            " quantity BIGINT NOT NULL,"                                                            \
                            " tax_rate_bp BIGINT NOT NULL,"                                                         \
                            " net_minor BIGINT NOT NULL,"                                                           \
                            " tax_minor BIGINT NOT NULL,"                                                           \
                            " total_minor BIGINT NOT NULL,"                                                         \
                            " PRIMARY KEY (credit_note_number, line_no))"),                                         \
        ORDERHOST_MIGRATION(3, "invoices per shipment: billing_invoices.shipment, unique per order and shipment",   \
                            "CREATE TABLE billing_invoices_v3 ("                                                    \
                            " invoice_number VARCHAR(48) PRIMARY KEY,"                                              \
                            " series VARCHAR(32) NOT NULL,"                                                         \
                            " number BIGINT NOT NULL,"                                                              \
                            " order_id VARCHAR(64) NOT NULL,"                                                       \
                            " shipment VARCHAR(64) NOT NULL DEFAULT '',"                                            \
                            " customer_id VARCHAR(128) NOT NULL,"                                                   \
                            " country VARCHAR(8) NOT NULL,"                                                         \
                            " currency VARCHAR(3) NOT NULL,"                                                        \
                            " net_minor BIGINT NOT NULL,"                                                           \
                            " tax_minor BIGINT NOT NULL,"                                                           \
                            " total_minor BIGINT NOT NULL,"                                                         \
                            " issued_at_ms BIGINT NOT NULL,"                                                        \
                            " UNIQUE (series, number),"                                                             \
                            " UNIQUE (order_id, shipment));"                                                        \
                            "INSERT INTO billing_invoices_v3 (invoice_number, series, number, order_id, shipment,"  \
                            " customer_id, country, currency, net_minor, tax_minor, total_minor, issued_at_ms)"     \
                            " SELECT invoice_number, series, number, order_id, '', customer_id, country, currency," \
                            " net_minor, tax_minor, total_minor, issued_at_ms FROM billing_invoices;"               \
                            "DROP TABLE billing_invoices;"                                                          \
                            "ALTER TABLE billing_invoices_v3 RENAME TO billing_invoices"),                          \
        ORDERHOST_MIGRATION(                                                                                        \
            4,                                                                                                      \
            "credit notes of returns: one per RMA and invoice; claims on notes of undone returns; the view "        \
            "billing_invoice_line_credits",                                                                         \
            "CREATE TABLE billing_return_credits_v4 ("                                                              \
            " credit_note_number VARCHAR(48) PRIMARY KEY,"                                                          \
            " series VARCHAR(32) NOT NULL,"                                                                         \
            " number BIGINT NOT NULL,"                                                                              \
            " invoice_number VARCHAR(48) NOT NULL,"                                                                 \
            " order_id VARCHAR(64) NOT NULL,"                                                                       \
            " rma_number VARCHAR(48) NOT NULL,"                                                                     \
            " customer_id VARCHAR(128) NOT NULL,"                                                                   \
            " currency VARCHAR(3) NOT NULL,"                                                                        \
            " net_minor BIGINT NOT NULL,"                                                                           \
            " tax_minor BIGINT NOT NULL,"                                                                           \
            " total_minor BIGINT NOT NULL,"                                                                         \
            " issued_at_ms BIGINT NOT NULL,"                                                                        \
            " UNIQUE (series, number),"                                                                             \
            " UNIQUE (order_id, rma_number, invoice_number));"                                                      \
            "INSERT INTO billing_return_credits_v4 (credit_note_number, series, number,"                            \
            " invoice_number, order_id, rma_number, customer_id, currency, net_minor, tax_minor,"                   \
            " total_minor, issued_at_ms) SELECT credit_note_number, series, number, invoice_number,"                \
            " order_id, rma_number, customer_id, currency, net_minor, tax_minor, total_minor,"                      \
            " issued_at_ms FROM billing_return_credits;"                                                            \
            "DROP TABLE billing_return_credits;"                                                                    \
            "ALTER TABLE billing_return_credits_v4 RENAME TO billing_return_credits;"                               \
            "CREATE TABLE billing_return_claims ("                                                                  \
            " order_id VARCHAR(64) NOT NULL,"                                                                       \
            " rma_number VARCHAR(48) NOT NULL,"                                                                     \
            " credit_note_number VARCHAR(48) NOT NULL,"                                                             \
            " credit_line_no BIGINT NOT NULL,"                                                                      \
            " sku VARCHAR(128) NOT NULL,"                                                                           \
            " quantity BIGINT NOT NULL,"                                                                            \
            " claimed_at_ms BIGINT NOT NULL,"                                                                       \
            " PRIMARY KEY (order_id, rma_number, credit_note_number, credit_line_no));"                             \
            "CREATE VIEW billing_invoice_line_credits AS SELECT i.invoice_number, v.order_id,"                      \
            " v.customer_id, v.shipment, i.line_no, i.sku, i.quantity, i.net_minor, i.tax_minor,"                   \
            " COALESCE(c.quantity, 0) AS credited_quantity, COALESCE(c.net, 0) AS credited_net_minor,"              \
            " COALESCE(c.tax, 0) AS credited_tax_minor,"                                                            \
            " CASE WHEN COALESCE(c.quantity, 0) <= i.quantity AND COALESCE(c.net, 0) <= i.net_minor"                \
            " AND COALESCE(c.tax, 0) <= i.tax_minor THEN 1 ELSE 0 END AS reconciled"                                \
            " FROM billing_invoice_lines i JOIN billing_invoices v ON v.invoice_number = i.invoice_number"          \
            " LEFT JOIN (SELECT invoice_number, invoice_line_no, CAST(SUM(quantity) AS BIGINT) AS quantity,"        \
            " CAST(SUM(net_minor) AS BIGINT) AS net, CAST(SUM(tax_minor) AS BIGINT) AS tax"                         \
            " FROM billing_return_credit_lines GROUP BY invoice_number, invoice_line_no) c"                         \
            " ON c.invoice_number = i.invoice_number AND c.invoice_line_no = i.line_no")

#endif  // ORDERHOST_PLUGINS_BILLING_LEDGER_HPP
