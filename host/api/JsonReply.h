// Writing JSON replies, and errors as RFC 7807 problem documents:
//   {"type":"about:blank","title":"Unprocessable order","status":422,"detail":"...",
//    "errors":[{"field":"/lines/0/quantity","message":"..."}]}
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <string>

namespace orderhost::api {

void sendJson(Poco::Net::HTTPServerResponse& response, Poco::Net::HTTPResponse::HTTPStatus status,
              const Poco::JSON::Object& body);

// `errors` (optional) lists field-level problems as {"field","message"} objects.
void sendProblem(Poco::Net::HTTPServerResponse& response, Poco::Net::HTTPResponse::HTTPStatus status,
                 const std::string& detail, const Poco::JSON::Array::Ptr& errors = nullptr);

}  // namespace orderhost::api
