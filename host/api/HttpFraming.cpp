#include "host/api/HttpFraming.h"

#include "host/api/ClientText.h"

#include <Poco/String.h>

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

}  // namespace

std::optional<FramingProblem> checkFraming(const Poco::Net::HTTPRequest& request) {
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
    return std::nullopt;
}

bool hasRequestBody(const Poco::Net::HTTPRequest& request) {
    if (request.getChunkedTransferEncoding()) return true;
    return request.hasContentLength() && request.getContentLength64() > 0;
}

}  // namespace orderhost::api
