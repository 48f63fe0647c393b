#include "OrderToCashBooks.h"

#include <Poco/Data/ODBC/Connector.h>
#include <Poco/Data/Session.h>
#include <gtest/gtest.h>

namespace orderhost::testing {
namespace {

std::int64_t sum(Poco::Data::Session& session, const std::string& sql, const std::string& customer) {
    Poco::Int64 value = 0;
    std::string bound = customer;
    session << sql, Poco::Data::Keywords::use(bound), Poco::Data::Keywords::into(value), Poco::Data::Keywords::now;
    return value;
}

std::int64_t count(Poco::Data::Session& session, const std::string& sql) {
    Poco::Int64 value = 0;
    session << sql, Poco::Data::Keywords::into(value), Poco::Data::Keywords::now;
    return value;
}

}  // namespace

CustomerBooks readBooks(const std::string& connectionString, const std::string& customer,
                        const GatewaySimulator* gateway) {
    Poco::Data::ODBC::Connector::registerConnector();
    Poco::Data::Session session("ODBC", connectionString);
    CustomerBooks books;
    books.invoiced =
        sum(session, "SELECT COALESCE(SUM(total_minor), 0) FROM billing_invoices WHERE customer_id = ?", customer);
    books.credited =
        sum(session, "SELECT COALESCE(SUM(total_minor), 0) FROM billing_credit_notes WHERE customer_id = ?", customer) +
        sum(session, "SELECT COALESCE(SUM(total_minor), 0) FROM billing_return_credits WHERE customer_id = ?",
            customer);
    // Card money of invoiced orders only: an order never invoiced owes nothing to settle.
    books.paidRecorded = sum(session,
                             "SELECT COALESCE(SUM(CASE WHEN p.operation = 'capture' THEN p.amount_minor"
                             " WHEN p.operation = 'refund' THEN -p.amount_minor ELSE 0 END), 0)"
                             " FROM payment_records p WHERE p.order_id IN"
                             " (SELECT order_id FROM billing_invoices WHERE customer_id = ?)",
                             customer);
    books.receivables =
        sum(session, "SELECT COALESCE(SUM(open_minor), 0) FROM billing_accounts WHERE customer_id = ?", customer);
    books.unbilled = sum(session,
                         "SELECT COALESCE(SUM(amount_minor - invoiced_minor), 0) FROM credit_exposures"
                         " WHERE customer_id = ? AND state = 'open'",
                         customer);
    books.overCreditedLines = sum(session,
                                  "SELECT COUNT(*) FROM billing_invoice_line_credits WHERE customer_id = ? AND"
                                  " reconciled = 0",
                                  customer);
    books.seriesWithGaps = count(session,
                                 "SELECT COUNT(*) FROM billing_series s WHERE s.next_number - 1 <>"
                                 " (SELECT COUNT(*) FROM billing_invoices d WHERE d.series = s.series) +"
                                 " (SELECT COUNT(*) FROM billing_credit_notes d WHERE d.series = s.series) +"
                                 " (SELECT COUNT(*) FROM billing_return_credits d WHERE d.series = s.series)");
    if (gateway != nullptr) {
        books.paidAtGateway = gateway->netCaptured();
        books.heldAtGateway = gateway->openAuthorizations();
    }
    return books;
}

void expectBooksBalance(const CustomerBooks& books, bool gatewayIsThisCustomers) {
    EXPECT_EQ(books.receivables, books.invoiced - books.credited - books.paidRecorded)
        << "receivables " << books.receivables << " != invoiced " << books.invoiced << " - credited " << books.credited
        << " - paid " << books.paidRecorded;
    if (gatewayIsThisCustomers) {
        EXPECT_EQ(books.paidAtGateway, books.paidRecorded) << "the gateway's ledger and payment_records disagree";
    }
    EXPECT_EQ(books.heldAtGateway, 0) << "the gateway holds authorizations that nothing will capture or void";
    EXPECT_EQ(books.overCreditedLines, 0) << "an invoice line was credited beyond what it carried";
    EXPECT_EQ(books.seriesWithGaps, 0) << "a number series has a gap or a reused number";
}

}  // namespace orderhost::testing
