// The payment gateway simulator (scripts/simulators/payment_gateway.py) as a process a test
// starts and stops (SimulatorProcess), with typed access to its ledger (what the outside
// world saw).
#pragma once

#include "SimulatorProcess.h"

#include <cstdint>
#include <string>

namespace orderhost::testing {

class GatewaySimulator : public SimulatorProcess {
public:
    GatewaySimulator();

    // Successful ledger entries of one operation ("authorization", "capture", "void", "refund").
    int count(const std::string& operation) const;
    // Captured minus refunded, in minor units: what the customer was charged in the end.
    std::int64_t netCaptured() const;
    // Authorizations the gateway still holds (authorized or awaiting 3-D Secure): money a
    // customer cannot spend although no order will capture it.
    int openAuthorizations() const;
    // The idempotency key of the first ledger entry of `operation` ("" when none).
    std::string keyOf(const std::string& operation) const;
};

}  // namespace orderhost::testing
