// A chunked request body (RFC 9112 §7.1), decoded strictly.
//
// Poco's own chunked stream ends the body quietly at the first byte it cannot parse (a chunk
// size that is not hexadecimal, chunk data not followed by CRLF) and leaves the rest in the
// connection, where it was read as the next request: request smuggling, found by a black-box
// probe (a "chunked" body starting with "X" carried a second POST that created an order). This
// decoder refuses every deviation instead: 1 to 8 hex digits, an optional extension, CRLF; the
// chunk's bytes and CRLF; after the last chunk ("0"), trailer lines of the form "name: value"
// and an empty line. Bare LF is not a line end here. The caller closes the connection after a
// chunked request whatever happened (readBody in ApiRequestHandler.cpp): `in` reads ahead.
#pragma once

#include <cstddef>
#include <istream>
#include <string>

namespace orderhost::api {

struct ChunkedBody {
    std::string body;
    std::string error;      // what was wrong, and at which byte of the body's framing; empty when none
    bool tooLarge = false;  // the chunks add up to more than the limit (413, not 400)
};

// Reads a chunked body from `in` (the connection after the request head), at most `maxBytes`.
ChunkedBody readChunkedBody(std::istream& in, std::size_t maxBytes);

}  // namespace orderhost::api
