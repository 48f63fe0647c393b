// The shipping plugin's view of a parcel carrier: book a shipment, cancel it before pickup,
// and read it with its tracking events. Booking and cancelling carry an idempotency key: the
// carrier answers a repeated key with its original answer instead of booking again, which is
// what makes a retried or re-run step ship once.
//
// HttpCarrier (HttpCarrier.h) speaks the JSON API of scripts/simulators/carrier.py; another
// carrier's connector implements this interface and nothing else in the plugin changes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace orderhost::shipping {

struct Parcel {
    std::string reference;  // the preparation plugin's parcel id, or "1" for a computed parcel
    std::int64_t weightG = 0;
    std::int64_t lengthMm = 0;
    std::int64_t widthMm = 0;
    std::int64_t heightMm = 0;
};

// One tracking event as the carrier reports it (seq counts from 1 per shipment).
struct TrackingEvent {
    std::int64_t seq = 0;
    std::string status;  // picked_up, in_transit, out_for_delivery, delivered, exception
    std::string detail;
    std::int64_t atMs = 0;
};

struct Shipment {
    std::string id;
    std::string trackingNumber;
    std::string status;              // booked, picked_up, in_transit, out_for_delivery, delivered, exception, cancelled
    std::int64_t pickedUpAtMs = 0;   // 0: not picked up (yet)
    std::int64_t deliveredAtMs = 0;  // 0: not delivered (yet)
    std::vector<TrackingEvent> events;
};

// What the carrier answered, reduced to what the steps decide on.
struct CarrierReply {
    enum class Kind {
        done,         // the booking / cancellation happened (or had happened, for a repeated key)
        refused,      // the carrier refused the request (parcel too heavy, already picked up, ...)
        unavailable,  // 5xx, timeout, connection lost: the effect may or may not have happened
    };
    Kind kind = Kind::unavailable;
    Shipment shipment;
    std::string errorCode;  // refused / unavailable: the carrier's or the transport's code
    std::string message;    // for administrators
};

struct BookingRequest {
    std::string service;
    std::string reference;  // the order's reference, printed on the label
    std::vector<Parcel> parcels;
    std::string destinationJson;  // {name, line1, city, postal_code, country, ...} as JSON text
    // Where the carrier posts tracking events:
    // {callbackBase}/v1/orders/{orderId}/signals/{signal}?if_not_waiting=acknowledge.
    std::string callbackBase;
    std::string orderId;
    std::string signal;
    std::string idempotencyKey;
};

class Carrier {
public:
    virtual ~Carrier() = default;
    virtual CarrierReply book(const BookingRequest& request) const = 0;
    virtual CarrierReply cancel(const std::string& shipmentId, const std::string& idempotencyKey) const = 0;
    // The shipment as the carrier sees it now, with every tracking event so far.
    virtual CarrierReply lookup(const std::string& shipmentId) const = 0;
};

}  // namespace orderhost::shipping
