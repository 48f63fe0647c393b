// Order to cash, reconciled: what the host's database (orderhost.billing's, orderhost.credit's
// and orderhost.payment's tables) and the gateway simulator's ledger say about one customer,
// and the checks every order-to-cash test ends with — so each test does not write its own
// sums over invoices, credit notes and captures.
#pragma once

#include "GatewaySimulator.h"

#include <cstdint>
#include <string>

namespace orderhost::testing {

struct CustomerBooks {
    std::int64_t invoiced = 0;       // Σ billing_invoices.total_minor
    std::int64_t credited = 0;       // Σ credit notes: full (billing_credit_notes) and of returns
    std::int64_t paidRecorded = 0;   // Σ payment_records captures − refunds of the customer's orders
    std::int64_t receivables = 0;    // Σ billing_accounts.open_minor: what the customer owes
    std::int64_t unbilled = 0;       // Σ open credit_exposures: accepted, not yet invoiced
    std::int64_t paidAtGateway = 0;  // the gateway's net captured (all its customers)
    int heldAtGateway = 0;           // authorizations the gateway still holds (all its customers)
    // Invoice lines of the customer that credit notes of returns credited beyond what they
    // carried, in units, net or tax (per invoice: an order invoiced per shipment has several).
    std::int64_t overCreditedLines = 0;
    // Number series (all customers) whose counter is not the count of the documents numbered in
    // them: invoices, credit notes of undos and of returns (billing_series.next_number - 1).
    std::int64_t seriesWithGaps = 0;
};

// Reads the books of `customer` from the host's database at `connectionString` and from
// `gateway` (nullptr: no card payments; the gateway fields stay 0).
CustomerBooks readBooks(const std::string& connectionString, const std::string& customer,
                        const GatewaySimulator* gateway);

// The books balance: receivables = invoiced − credited − paid (payment_records, and the
// gateway's ledger agrees when every card payment it saw is this customer's:
// `gatewayIsThisCustomers`), the gateway holds no authorization nobody will capture, no
// invoice line is credited beyond itself, and every number series is gapless.
void expectBooksBalance(const CustomerBooks& books, bool gatewayIsThisCustomers = true);

}  // namespace orderhost::testing
