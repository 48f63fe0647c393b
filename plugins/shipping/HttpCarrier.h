// Carrier over HTTP/JSON (the API of scripts/simulators/carrier.py, shaped like a real
// carrier's: an Idempotency-Key header on bookings and cancellations). Built on Poco::Net like
// the payment plugin's HttpGateway; one HTTP session per call, so one HttpCarrier may be used
// from several threads at once (it only reads its members).
#pragma once

#include "Carrier.h"

#include <Poco/URI.h>

#include <cstdint>
#include <string>

namespace orderhost::shipping {

class HttpCarrier : public Carrier {
public:
    // baseUrl: "http://host:port" (a path prefix is kept); timeoutMs: per request. Throws
    // std::invalid_argument for a URL that is not http://host[:port].
    HttpCarrier(const std::string& baseUrl, std::int64_t timeoutMs);

    CarrierReply book(const BookingRequest& request) const override;
    CarrierReply cancel(const std::string& shipmentId, const std::string& idempotencyKey) const override;
    CarrierReply lookup(const std::string& shipmentId) const override;

    // A shorter timeout for one call (the step's deadline is nearer than the configured one).
    HttpCarrier withTimeout(std::int64_t timeoutMs) const;
    std::int64_t timeoutMs() const { return timeoutMs_; }

private:
    CarrierReply exchange(const std::string& method, const std::string& path, const std::string& body,
                          const std::string& idempotencyKey) const;

    Poco::URI base_;
    std::int64_t timeoutMs_;
};

}  // namespace orderhost::shipping
