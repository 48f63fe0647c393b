#include "host/api/ClientText.h"

#include "host/document/Utf8.h"

#include <algorithm>
#include <cstdio>

namespace orderhost::api {
namespace {

// The length of the well-formed UTF-8 character at text[at], or 0 if there is none.
std::size_t sequenceLength(std::string_view text, std::size_t at) {
    std::uint32_t codePoint = 0;
    return document::utf8CharAt(text, at, codePoint);
}

std::string hexEscape(unsigned char c) {
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "\\x%02X", c);
    return buffer;
}

std::string cleaned(std::string_view text, std::size_t maxBytes, bool escapeInvalid) {
    static const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD
    std::string out;
    out.reserve(std::min(text.size(), maxBytes) + 8);
    for (std::size_t at = 0; at < text.size();) {
        const std::size_t length = sequenceLength(text, at);
        std::string piece;
        if (length == 0) {
            piece = escapeInvalid ? hexEscape(static_cast<unsigned char>(text[at])) : kReplacement;
        } else if (length == 1 && (static_cast<unsigned char>(text[at]) < 0x20 || text[at] == 0x7F)) {
            piece = hexEscape(static_cast<unsigned char>(text[at]));
        } else {
            piece.assign(text.substr(at, length));
        }
        if (out.size() + piece.size() > maxBytes) return out + "...";
        out += piece;
        at += length == 0 ? 1 : length;
    }
    return out;
}

}  // namespace

std::string validUtf8(std::string_view text) {
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t length = sequenceLength(text, at);
        if (length == 0) break;
        at += length;
    }
    if (at == text.size()) return std::string(text);  // the usual case: nothing to replace
    std::string out(text.substr(0, at));
    while (at < text.size()) {
        const std::size_t length = sequenceLength(text, at);
        if (length == 0) {
            out += "\xEF\xBF\xBD";
            ++at;
        } else {
            out.append(text.substr(at, length));
            at += length;
        }
    }
    return out;
}

std::string clientText(std::string_view text, std::size_t maxBytes) { return cleaned(text, maxBytes, false); }

std::string loggableText(std::string_view text, std::size_t maxBytes) { return cleaned(text, maxBytes, true); }

}  // namespace orderhost::api
