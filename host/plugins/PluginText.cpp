#include "host/plugins/PluginText.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace orderhost::plugins {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence at text[pos] (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF) and its code point; 0 when the bytes there are invalid.
std::size_t decodeAt(std::string_view text, std::size_t pos, std::uint32_t& codePoint) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[pos + i]); };
    const unsigned char lead = byte(0);
    std::size_t length = 0;
    std::uint32_t min = 0;
    if (lead < 0x80) {
        codePoint = lead;
        return 1;
    }
    if (lead >= 0xC2 && lead <= 0xDF) length = 2, min = 0x80, codePoint = lead & 0x1Fu;
    else if (lead >= 0xE0 && lead <= 0xEF) length = 3, min = 0x800, codePoint = lead & 0x0Fu;
    else if (lead >= 0xF0 && lead <= 0xF4) length = 4, min = 0x10000, codePoint = lead & 0x07u;
    else return 0;
    if (pos + length > text.size()) return 0;
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(i) & 0xC0) != 0x80) return 0;
        codePoint = (codePoint << 6) | (byte(i) & 0x3Fu);
    }
    if (codePoint < min || codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF)) return 0;
    return length;
}

bool isControl(std::uint32_t codePoint) {
    return codePoint < 0x20 || codePoint == 0x7F || (codePoint >= 0x80 && codePoint <= 0x9F);
}

// Walks `text` as UTF-8, calling emit(bytes, codePoint, valid) per character (an invalid
// byte is one "character" with valid == false). Stops when emit returns false.
template <typename Emit>
void forEachCharacter(std::string_view text, Emit emit) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::uint32_t codePoint = 0;
        const std::size_t length = decodeAt(text, pos, codePoint);
        const bool valid = length > 0;
        if (!emit(text.substr(pos, valid ? length : 1), codePoint, valid)) return;
        pos += valid ? length : 1;
    }
}

// Appends `piece` unless that would pass `maxBytes`; false once the text is full.
bool appendWithin(std::string& out, std::string_view piece, std::size_t maxBytes) {
    if (out.size() + piece.size() > maxBytes) return false;
    out.append(piece);
    return true;
}

}  // namespace

std::string cleanCode(std::string_view text, bool& changed) {
    changed = text.size() > kMaxPluginCodeBytes;
    std::string out(text.substr(0, kMaxPluginCodeBytes));
    for (char& c : out) {
        if (c < 0x21 || c > 0x7E) {  // char may be signed: bytes >= 0x80 are negative here
            c = '_';
            changed = true;
        }
    }
    return out;
}

std::string cleanMessage(std::string_view text, std::size_t maxBytes) {
    std::string out;
    out.reserve(std::min(text.size(), maxBytes));
    forEachCharacter(text, [&](std::string_view bytes, std::uint32_t codePoint, bool valid) {
        const bool keep = valid && (codePoint == '\t' || !isControl(codePoint));
        return appendWithin(out, keep ? bytes : kReplacement, maxBytes);
    });
    return out;
}

std::string escapeForLog(std::string_view text) {
    std::string out;
    out.reserve(std::min(text.size(), kMaxPluginLogBytes));
    const std::size_t room = kMaxPluginLogBytes - 3;  // leaves space for "..."
    bool complete = true;
    forEachCharacter(text, [&](std::string_view bytes, std::uint32_t codePoint, bool valid) {
        std::string_view piece = valid ? bytes : kReplacement;
        char escaped[8];
        if (valid && isControl(codePoint)) {
            if (codePoint == '\n') piece = "\\n";
            else if (codePoint == '\r') piece = "\\r";
            else if (codePoint == '\t') piece = "\\t";
            else {
                std::snprintf(escaped, sizeof escaped, codePoint < 0x80 ? "\\x%02x" : "\\u%04x",
                              static_cast<unsigned>(codePoint));
                piece = escaped;
            }
        }
        complete = appendWithin(out, piece, room);
        return complete;
    });
    if (!complete) out += "...";
    return out;
}

}  // namespace orderhost::plugins
