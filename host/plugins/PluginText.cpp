#include "host/plugins/PluginText.h"

#include "host/document/Utf8.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace orderhost::plugins {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

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
        const std::size_t length = document::utf8CharAt(text, pos, codePoint);
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
            if (codePoint == '\n')
                piece = "\\n";
            else if (codePoint == '\r')
                piece = "\\r";
            else if (codePoint == '\t')
                piece = "\\t";
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
