// Text a client chose (URL paths, query values, header values) on its way into a reply or a
// log line. A client can send any bytes: percent-decoding turns "%FF" into a byte that is not
// UTF-8, and "%0A" or "%1B[31m" into a newline or an ANSI escape. Replies must stay valid JSON
// in valid UTF-8 for every consumer, and log lines must stay one line each that a client
// cannot forge, so such text passes through here first.
//
//   sendProblem(response, 404, "no order with id '" + clientText(id) + "'");
//   spdlog::warn("refused {}", loggableText(request.getURI()));
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace orderhost::api {

// `text` with every byte that is not part of a well-formed UTF-8 sequence (RFC 3629: no
// overlongs, no surrogates, nothing above U+10FFFF) replaced by U+FFFD. Valid text is
// returned unchanged, so this may run over a whole JSON reply.
std::string validUtf8(std::string_view text);

// For a reply's prose: validUtf8, control characters (U+0000-U+001F, U+007F) written as
// "\xNN", and cut to at most `maxBytes` bytes (on a character boundary, marked with "...").
std::string clientText(std::string_view text, std::size_t maxBytes = 200);

// For a log line: like clientText, and bytes that are not UTF-8 are written as "\xNN" too, so
// the log shows exactly what arrived and never holds a raw control character.
std::string loggableText(std::string_view text, std::size_t maxBytes = 200);

}  // namespace orderhost::api
