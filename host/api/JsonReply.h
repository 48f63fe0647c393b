// Writing JSON replies, and errors as RFC 7807 problem documents:
//   {"type":"about:blank","title":"Unprocessable order","status":422,"detail":"...",
//    "errors":[{"field":"/lines/0/quantity","message":"..."}]}
//
// Every reply is valid UTF-8: bytes that are not (a client's "%FF", a plugin's raw message)
// become U+FFFD on the way out (ClientText.h), so one bad byte cannot make a reply unreadable
// JSON for every consumer.
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPServerResponse.h>

#include "host/document/OrderSchema.h"

#include <string>
#include <vector>

namespace orderhost::api {

// Content-Type: `contentType`, or by default application/json below 400 and
// application/problem+json from 400 on.
void sendJson(Poco::Net::HTTPServerResponse& response, Poco::Net::HTTPResponse::HTTPStatus status,
              const Poco::JSON::Object& body, const char* contentType = nullptr);
// The same for a body already written as JSON text (valid UTF-8).
void sendJsonText(Poco::Net::HTTPServerResponse& response, Poco::Net::HTTPResponse::HTTPStatus status,
                  const std::string& payload, const char* contentType = nullptr);

// `errors` (optional) lists field-level problems as {"field","message"} objects.
void sendProblem(Poco::Net::HTTPServerResponse& response, Poco::Net::HTTPResponse::HTTPStatus status,
                 const std::string& detail, const Poco::JSON::Array::Ptr& errors = nullptr);

// Order schema errors as the `errors` of a problem: [{"field","message"}, ...].
Poco::JSON::Array::Ptr schemaErrors(const std::vector<document::SchemaError>& errors);

// The problem document's text, for replies written straight to a socket (ConnectionGate).
std::string problemJson(Poco::Net::HTTPResponse::HTTPStatus status, const std::string& detail);

}  // namespace orderhost::api
