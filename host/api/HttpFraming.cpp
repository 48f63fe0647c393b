#include "host/api/HttpFraming.h"

#include "host/api/ClientText.h"

#include <Poco/String.h>

#include <algorithm>
#include <cctype>
#include <string_view>
#include <vector>

namespace orderhost::api {
namespace {
using Poco::Net::HTTPResponse;

// The values of every field named `name` (case-insensitively), in arrival order, exactly as
// Poco holds them. Not trimmed: Poco's own framing (getChunkedTransferEncoding,
// getContentLength64) reads them untrimmed, and its header parser, which trims, decodes RFC 2047
// words afterwards — "Transfer-Encoding: =? chunked" is held as " chunked". Trimmed, the host
// saw "chunked" where Poco read no framing at all and left the chunked body in the connection
// as the next request (found by fuzz_http_head).
std::vector<std::string> fieldValues(const Poco::Net::HTTPRequest& request, const std::string& name) {
    std::vector<std::string> values;
    for (const auto& [field, value] : request) {
        if (Poco::icompare(field, name) == 0) values.push_back(value);
    }
    return values;
}

// 1*DIGIT that fits an int64 (18 digits always do): "+5", "-1", "5 5", "0x10" are not lengths.
bool isDecimalLength(const std::string& value) {
    return !value.empty() && value.size() <= 18 && value.find_first_not_of("0123456789") == std::string::npos;
}

FramingProblem badRequest(std::string detail) { return {HTTPResponse::HTTP_BAD_REQUEST, std::move(detail)}; }

// A field name is a token (RFC 9110 §5.1): Poco keeps "Content-Length " (a space before the
// colon) as a field of that name, which then frames nothing, and the body was read as the next
// request (found by a black-box probe). RFC 9112 §5.1: such a request is a 400.
bool isToken(const std::string& name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
        return std::isalnum(c) ||
               std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
    });
}

}  // namespace

std::optional<FramingProblem> checkFraming(const Poco::Net::HTTPRequest& request) {
    // Poco splits the request line at spaces and keeps whatever follows the target as the
    // version: "GET /a b HTTP/1.1" was answered with the status line "b HTTP/1.1 404".
    const std::string& version = request.getVersion();
    if (version != Poco::Net::HTTPMessage::HTTP_1_0 && version != Poco::Net::HTTPMessage::HTTP_1_1) {
        return badRequest("the request line must be 'METHOD target HTTP/1.1' (or HTTP/1.0), ending in '" +
                          clientText(version, 40) + "' instead; a space in the target is sent as %20");
    }
    for (const auto& field : request) {
        if (!isToken(field.first)) {
            return badRequest("header field name '" + clientText(field.first, 40) +
                              "' is not a token (no space before the colon, RFC 9112 §5.1)");
        }
    }
    const auto lengths = fieldValues(request, Poco::Net::HTTPMessage::CONTENT_LENGTH);
    const auto encodings = fieldValues(request, Poco::Net::HTTPMessage::TRANSFER_ENCODING);
    if (!encodings.empty() && !lengths.empty()) {
        return badRequest("the request has both Transfer-Encoding and Content-Length; send only one of them");
    }
    // Chunked as Poco frames it (its own test of the one value), since Poco reads the body.
    if (encodings.size() > 1 || (encodings.size() == 1 && !request.getChunkedTransferEncoding())) {
        return badRequest("Transfer-Encoding '" +
                          clientText(encodings.size() == 1 ? encodings[0] : "(several fields)") +
                          "' is not supported; send Content-Length, or Transfer-Encoding: chunked alone");
    }
    if (lengths.size() > 1) return badRequest("the request has more than one Content-Length header");
    if (lengths.size() == 1 && !isDecimalLength(lengths[0])) {
        return badRequest("Content-Length '" + clientText(lengths[0], 40) +
                          "' is not a number of bytes (1 to 18 decimal digits)");
    }
    // RFC 9112 §3.2: an HTTP/1.1 request without Host, or with more than one, is a 400.
    const std::size_t hosts = fieldValues(request, Poco::Net::HTTPRequest::HOST).size();
    if (hosts > 1 || (hosts == 0 && version == Poco::Net::HTTPMessage::HTTP_1_1)) {
        return badRequest(hosts > 1 ? "the request has more than one Host header"
                                    : "an HTTP/1.1 request needs a Host header (RFC 9112 §3.2)");
    }
    return std::nullopt;
}

bool hasRequestBody(const Poco::Net::HTTPRequest& request) {
    if (request.getChunkedTransferEncoding()) return true;
    return request.hasContentLength() && request.getContentLength64() > 0;
}

}  // namespace orderhost::api
