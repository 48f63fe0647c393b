// Gateway over HTTP/JSON (the API of scripts/simulators/payment_gateway.py, shaped like a
// real card gateway's). Built on Poco::Net, which the project already depends on, so the
// plugin needs no new Debian package; one HTTP session per call, so one HttpGateway may be
// used from several threads at once (it only reads its members).
#pragma once

#include "Gateway.h"

#include <Poco/URI.h>

#include <cstdint>
#include <string>
#include <vector>

namespace orderhost::payment {

class HttpGateway : public Gateway {
public:
    // baseUrl: "http://host:port" (a path prefix is kept); timeoutMs: per request, connect
    // plus answer. Throws std::invalid_argument for a URL that is not http://host[:port].
    HttpGateway(const std::string& baseUrl, std::int64_t timeoutMs);

    GatewayReply authorize(const AuthorizeRequest& request) const override;
    GatewayReply capture(const std::string& authorizationId, std::int64_t amountMinor,
                         const std::string& idempotencyKey) const override;
    GatewayReply voidAuthorization(const std::string& authorizationId,
                                   const std::string& idempotencyKey) const override;
    GatewayReply refund(const std::string& authorizationId, std::int64_t amountMinor,
                        const std::string& idempotencyKey) const override;
    GatewayReply cancelByKey(const std::string& authorizationKey, const std::string& idempotencyKey) const override;
    GatewayReply lookup(const std::string& authorizationId) const override;
    RefundList refunds(const std::string& authorizationId) const override;

    // A shorter timeout for one call (the step's deadline is nearer than the configured one).
    HttpGateway withTimeout(std::int64_t timeoutMs) const;

private:
    // One request; `answer`, when given, receives the answer's text as it came.
    GatewayReply exchange(const std::string& method, const std::string& path, const std::string& body,
                          std::string* answer = nullptr) const;

    Poco::URI base_;
    std::int64_t timeoutMs_;
};

}  // namespace orderhost::payment
