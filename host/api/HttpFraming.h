// Where a request's body ends (RFC 9112 §6): checked before anything reads the body.
//
// Two parties that disagree on where a body ends disagree on where the next request starts:
// behind a proxy that is request smuggling. So a request whose framing is ambiguous or not
// supported is refused and its connection closed without reading on:
//   - more than one Content-Length, or one that is not a plain decimal number of bytes;
//   - Transfer-Encoding together with Content-Length;
//   - a Transfer-Encoding other than exactly one "chunked";
//   - a request line whose version is not HTTP/1.0 or HTTP/1.1 (a space in the target), or a
//     header field name that is not a token (a space before the colon);
//   - an HTTP/1.1 request without a Host header, or any with two.
// A chunked body is decoded strictly (ChunkedBody.h).
// A request with neither header has an empty body (§6.3 rule 7): it is never read to EOF.
#pragma once

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include <optional>
#include <string>

namespace orderhost::api {

struct FramingProblem {
    Poco::Net::HTTPResponse::HTTPStatus status;
    std::string detail;
};

// The reason `request` must be refused (400), or nothing when its framing is unambiguous.
std::optional<FramingProblem> checkFraming(const Poco::Net::HTTPRequest& request);

// True when the request carries a body to read: chunked, or a Content-Length above 0.
bool hasRequestBody(const Poco::Net::HTTPRequest& request);

}  // namespace orderhost::api
