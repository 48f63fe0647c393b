// Fuzz target: an HTTP request head as a client sends it, along the host's request path up to
// the handlers: Poco's head parser (as HTTPServerRequestImpl runs it, Content-Length included),
// the framing rules (host/api/HttpFraming), the URI and query parsing the router does, and the
// cleaning of client text for replies and logs (host/api/ClientText).
//
// Invariants: a head whose framing is accepted has at most one Content-Length, of 1..18
// digits, never together with Transfer-Encoding, and Transfer-Encoding only "chunked"; a
// request without either has no body; every refusal detail and every echoed path or query
// value is valid UTF-8 without control characters (it goes into a JSON reply and a log line).
//
// Not covered: the handlers behind the router need the engine and a database.
#include "host/api/ClientText.h"
#include "host/api/HttpFraming.h"
#include "tests/fuzz/FuzzCheck.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <cstdint>
#include <sstream>

using namespace orderhost::api;
using orderhost::fuzz::hasControlCharacter;
using orderhost::fuzz::isValidUtf8;

namespace {

void checkReplyText(const std::string& text, const std::string& what) {
    FUZZ_CHECK(isValidUtf8(text), what + " is not valid UTF-8: " + loggableText(text, 400));
    FUZZ_CHECK(!hasControlCharacter(text), what + " holds a control character: " + loggableText(text, 400));
}

std::size_t countFields(const Poco::Net::HTTPRequest& request, const std::string& name) {
    std::size_t count = 0;
    for (const auto& field : request)
        if (Poco::icompare(field.first, name) == 0) ++count;
    return count;
}

void checkAcceptedFraming(const Poco::Net::HTTPRequest& request) {
    const std::size_t lengths = countFields(request, Poco::Net::HTTPMessage::CONTENT_LENGTH);
    const std::size_t encodings = countFields(request, Poco::Net::HTTPMessage::TRANSFER_ENCODING);
    FUZZ_CHECK(lengths <= 1, "accepted several Content-Length fields");
    FUZZ_CHECK(lengths == 0 || encodings == 0, "accepted Content-Length with Transfer-Encoding");
    FUZZ_CHECK(encodings <= 1, "accepted several Transfer-Encoding fields");
    if (encodings == 1) FUZZ_CHECK(request.getChunkedTransferEncoding(), "accepted a Transfer-Encoding not chunked");
    if (lengths == 1) {
        const std::string length = Poco::trim(request.get(Poco::Net::HTTPMessage::CONTENT_LENGTH));
        FUZZ_CHECK(
            !length.empty() && length.size() <= 18 && length.find_first_not_of("0123456789") == std::string::npos,
            "accepted Content-Length '" + loggableText(length) + "'");
        FUZZ_CHECK(hasRequestBody(request) == (request.getContentLength64() > 0), "hasRequestBody vs Content-Length");
    }
    if (lengths == 0 && encodings == 0)
        FUZZ_CHECK(!hasRequestBody(request), "a body without Content-Length or chunked");
}

// What the router does with the URI: path for routing and 404 replies, query values.
void routeUri(const std::string& target) {
    try {
        const Poco::URI uri(target);
        checkReplyText(clientText(uri.getPath()), "clientText(path)");
        for (const auto& [key, value] : uri.getQueryParameters()) {
            checkReplyText(clientText(key), "clientText(query key)");
            checkReplyText(clientText(value), "clientText(query value)");
        }
    } catch (const Poco::SyntaxException&) {
        // answered "400 malformed request URI / query string"
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    Poco::Net::HTTPRequest request;
    try {
        request.read(in);
        // HTTPServerRequestImpl picks the body stream while reading the head.
        if (!request.getChunkedTransferEncoding() && request.hasContentLength()) (void)request.getContentLength64();
    } catch (const Poco::Exception& e) {
        checkReplyText(clientText(e.message()), "clientText(Poco's message)");  // "malformed request head: ..."
        return 0;
    }
    checkReplyText(loggableText(request.getMethod(), 16), "loggableText(method)");
    checkReplyText(loggableText(request.getURI()), "loggableText(uri)");
    if (const auto problem = checkFraming(request)) {
        FUZZ_CHECK(problem->status == Poco::Net::HTTPResponse::HTTP_BAD_REQUEST, "framing refused without a 400");
        checkReplyText(problem->detail, "framing refusal detail");
        return 0;
    }
    checkAcceptedFraming(request);
    routeUri(request.getURI());
    return 0;
}
