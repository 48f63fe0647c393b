// Reading what a request carries (ApiRequestHandler's helpers).
#pragma once

#include "host/api/ApiRequestHandler.h"

#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/URI.h>

#include <string>

namespace orderhost::api {

// Thrown while reading a request to end it with a specific problem reply.
struct RequestRefused {
    Poco::Net::HTTPResponse::HTTPStatus status;
    std::string detail;
};

// Every Prefer header of the request as one list (RFC 7240 allows several fields).
std::string preferences(const Poco::Net::HTTPServerRequest& request);

// The body, which must be application/json, complete and within http.max_body_bytes.
std::string readJsonBody(const ApiSettings& settings, Poco::Net::HTTPServerRequest& request);

Poco::URI parseUri(const Poco::Net::HTTPServerRequest& request);
Poco::URI::QueryParameters queryParameters(const Poco::URI& uri);

// The shapes of an order id (a UUID the host made) and an order_ref (api.md): only text of that
// shape reaches the database (on PostgreSQL a byte that is not UTF-8 fails the statement).
bool looksLikeOrderId(const std::string& id);
bool looksLikeOrderRef(const std::string& orderRef);

// A signal's ?if_not_waiting=: true for "acknowledge", false for "conflict" or none; any other
// value, or the parameter twice, is refused (400).
bool acknowledgesFinished(const Poco::URI::QueryParameters& parameters);

}  // namespace orderhost::api
