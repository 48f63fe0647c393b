// Idempotency-Key on the API's POSTs (issue 13 item 2; docs/api.md, "Idempotency-Key").
//
// A client that may repeat a POST (a timeout, a lost connection) sends a key of its choice:
//   - the first request with the key runs and its reply (status, body, Location) is kept;
//   - the same key with the same request (path and body, byte for byte) gets that reply
//     again, with `Idempotent-Replayed: true`, and nothing runs twice;
//   - the same key with another request on that route is refused with 422;
//   - requests with the key while the first one runs wait for its reply (up to
//     kWaitForFirstMs, then 409 with Retry-After);
//   - keys expire after http.idempotency_ttl_s. Replies of 5xx are not kept: a repeat runs.
// Keys are stored in the host's database (store/IdempotencyStore.h), so they hold across
// restarts and across hosts sharing it.
//
//   runIdempotent(context, request, "POST /v1/orders", path, body, response,
//                 [&](HTTPServerResponse& out) { postOrder(context, body, out); });
#pragma once

#include "host/api/ApiRequestHandler.h"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <cstdint>
#include <functional>
#include <string>

namespace orderhost::api {

// How long a request waits for the reply of the first request with its key.
inline constexpr int64_t kWaitForFirstMs = 30000;

// Runs `endpoint` once per key: see above. `client` and `route` name the scope of keys (the
// caller's API key id, "*" for api.token and an open host; the method and path template), so
// two clients' keys never meet; `path` and `body` are the request's fingerprint. Without an
// Idempotency-Key header (or without a key store) it just runs `endpoint` on `response`.
void runIdempotent(ApiContext& context, const Poco::Net::HTTPServerRequest& request, const std::string& client,
                   const std::string& route, const std::string& path, const std::string& body,
                   Poco::Net::HTTPServerResponse& response,
                   const std::function<void(Poco::Net::HTTPServerResponse&)>& endpoint);

}  // namespace orderhost::api
