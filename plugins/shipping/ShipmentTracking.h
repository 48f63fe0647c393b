// What both shipping steps share: the signals they wait on, how a wake-up is read, how the
// carrier's view of a shipment is recorded (order document and tables), and the outcomes for
// a carrier that is away or refuses.
//
// Signals (docs/plugins.md "Shipping"):
//   shipment_tracking            posted by the carrier for every tracking event. The payload is
//                                only a wake-up: the step asks the carrier (GET) for the truth,
//                                so lost, late or reordered events do not matter.
//   shipment_exception_resolved  posted by a person once a carrier exception (damaged parcel,
//                                address not found) is dealt with. {"resolution": "continue"}
//                                accepts the shipment as it is and goes on; any other payload
//                                makes the step ask the carrier again.
#pragma once

#include "Carrier.h"
#include "ShippingConfig.h"

#include <orderhost/sdk.hpp>

#include <optional>
#include <string>

namespace orderhost::shipping {

inline constexpr char kTrackingSignal[] = "shipment_tracking";
inline constexpr char kExceptionSignal[] = "shipment_exception_resolved";

// Why the step runs again. Signal payloads are removed from the order as they are read, so
// a payload never wakes a later run (or the next shipping step) a second time.
struct Wake {
    bool timedOut = false;          // the host's signal timeout (on_signal_timeout: rerun)
    bool resolvedByPerson = false;  // shipment_exception_resolved with resolution "continue"
    std::string note;               // the person's note, if any
};
Wake consumeSignals(const sdk::OrderDocument& order);

// The carrier named in the order's /shipping/carrier (or `name`), with a timeout that ends
// before the host stops waiting for this call; std::nullopt when the config has no such carrier.
std::optional<HttpCarrier> carrierForCall(const CarrierMap& carriers, const std::string& name,
                                          const sdk::StepCall& call);

// Stores the carrier's view: new tracking events appended to /shipping/events and
// shipping_events, the status and pickup/delivery times to /shipping and shipping_shipments.
void recordShipment(const sdk::StepCall& call, const Shipment& shipment);

sdk::Outcome retryLater(const CarrierReply& reply, const std::string& operation);
sdk::Outcome refusedByCarrier(const CarrierReply& reply, const std::string& operation);
sdk::Outcome unknownCarrier(const std::string& name);
// A carrier exception holds the order for a person: SUSPEND on shipment_exception_resolved.
sdk::Outcome heldForException(const Shipment& shipment);

// Whole days since the epoch of a "YYYY-MM-DD" date; std::nullopt when it is not one.
std::optional<std::int64_t> daysFromIsoDate(const std::string& date);
std::string isoDateOfDay(std::int64_t daysSinceEpoch);

}  // namespace orderhost::shipping
