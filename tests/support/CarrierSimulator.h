// The carrier simulator (scripts/simulators/carrier.py) as a process a test starts and stops
// (SimulatorProcess), with typed access to its ledger: what the carrier saw (bookings,
// cancellations) and which tracking callbacks reached the host. Callbacks are retried every
// 100 ms here (the script's default is 500 ms), so tests do not wait long for a 409's retry.
#pragma once

#include "SimulatorProcess.h"

#include <Poco/JSON/Object.h>

#include <string>

namespace orderhost::testing {

class CarrierSimulator : public SimulatorProcess {
public:
    CarrierSimulator();

    // Ledger entries of one operation ("booking", "cancellation", "tracking").
    int count(const std::string& operation) const;
    // Callback tries that ended with `outcome` ("delivered", "retry", "gave_up"), optionally
    // only those of one tracking event ("picked_up", "delivered", ...).
    int deliveries(const std::string& outcome, const std::string& event = "") const;
    // The shipment id of the first booking ("" when none).
    std::string firstShipmentId() const;
    Poco::JSON::Object::Ptr shipment(const std::string& id) const;
    // POST /admin/shipments/{id}/advance: a tracking event (throws when the carrier refuses it).
    void advance(const std::string& id, const std::string& status, const std::string& detail = "") const;
};

}  // namespace orderhost::testing
