// The chains as shipped (config/chains/) with the real reference plugins, on every backend:
// a host whose chains are copies of config/chains with only the outside systems' addresses
// replaced by those of simulator processes the fixture starts (payment gateway, carrier, SMTP
// listener) and the host's own URL for the carrier's callbacks. So these tests prove what an
// administrator deploys, not a test chain, and they fail when a shipped chain stops naming the
// demo addresses they replace (the administrator's edit points, docs/admin-guide.md).
#pragma once

#include "HostObservation.h"
#include "HostProcess.h"
#include "tests/support/CarrierSimulator.h"
#include "tests/support/GatewaySimulator.h"
#include "tests/support/SmtpSink.h"
#include "tests/support/TestDatabase.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace orderhost::testing {

class ComposedChainsFixture : public ::testing::TestWithParam<TestBackend> {
protected:
    void SetUp() override;
    void TearDown() override;

    // An ERP order for `chain` of customer C-100 (limit 10,000.00) paying by card, with
    // `linesJson` (a JSON array) and optional extra attributes (`,"specs":{...}`).
    static std::string order(const std::string& ref, const std::string& chain, const std::string& linesJson,
                             const std::string& moreAttributes = "");
    // Posts `body`; the order's id (fails the test unless it was accepted).
    std::string place(const std::string& body) const;
    // Sums over the stock (every SKU, every warehouse): "on_hand", "reserved", ...
    std::int64_t stockTotal(const std::string& column, const std::string& sku) const;
    // Rows of sourcing_stock_check whose quantities do not match the movements ledger and the
    // allocations (0 when everything reconciles).
    std::int64_t unreconciledStock() const;
    // Messages the SMTP listener received for `recipient`.
    int mailsTo(const std::string& recipient) const;
    std::string shipmentIdOf(const std::string& ref) const;

    std::string folder_;
    GatewaySimulator gateway_;
    CarrierSimulator carrier_;
    SmtpSink smtp_;
    std::unique_ptr<TestDatabase> database_;
    std::unique_ptr<DatabaseRows> rows_;
    std::unique_ptr<HostProcess> host_;
};

}  // namespace orderhost::testing
