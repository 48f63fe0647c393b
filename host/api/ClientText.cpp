#include "host/api/ClientText.h"

#include <algorithm>
#include <cstdio>

namespace orderhost::api {
namespace {

// The length of the well-formed UTF-8 sequence starting at text[at], or 0 if there is none.
std::size_t sequenceLength(std::string_view text, std::size_t at) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(at);
    if (lead < 0x80) return 1;
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0) low = 0xA0;   // overlong
        if (lead == 0xED) high = 0x9F;  // UTF-16 surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0) low = 0x90;   // overlong
        if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
    } else {
        return 0;
    }
    if (at + length > text.size()) return 0;
    if (byte(at + 1) < low || byte(at + 1) > high) return 0;
    for (std::size_t i = 2; i < length; ++i) {
        if (byte(at + i) < 0x80 || byte(at + i) > 0xBF) return 0;
    }
    return length;
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
