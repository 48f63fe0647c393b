// Invariant checks for the fuzz targets: a broken invariant prints what and where, then
// aborts, which libFuzzer reports as a crash and saves the input that caused it.
//
//   FUZZ_CHECK(reparsed.ok(), "toJson() of an accepted document does not parse again");
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#define FUZZ_CHECK(condition, message)                                                        \
    do {                                                                                      \
        if (!(condition)) {                                                                   \
            std::fprintf(stderr, "%s:%d: invariant broken: %s\n  (%s)\n", __FILE__, __LINE__, \
                         std::string(message).c_str(), #condition);                           \
            std::abort();                                                                     \
        }                                                                                     \
    } while (false)

namespace orderhost::fuzz {

// An independent UTF-8 check (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF),
// written separately from the host's own so that the two can check each other.
inline bool isValidUtf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto b0 = static_cast<unsigned char>(text[i]);
        if (b0 < 0x80) {
            ++i;
            continue;
        }
        std::size_t n = 0;
        unsigned int code = 0;
        if ((b0 & 0xE0) == 0xC0) {
            n = 2;
            code = b0 & 0x1F;
        } else if ((b0 & 0xF0) == 0xE0) {
            n = 3;
            code = b0 & 0x0F;
        } else if ((b0 & 0xF8) == 0xF0) {
            n = 4;
            code = b0 & 0x07;
        } else
            return false;
        if (i + n > text.size()) return false;
        for (std::size_t k = 1; k < n; ++k) {
            const auto b = static_cast<unsigned char>(text[i + k]);
            if ((b & 0xC0) != 0x80) return false;
            code = (code << 6) | (b & 0x3F);
        }
        const unsigned int minimum = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
        if (code < minimum || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
        i += n;
    }
    return true;
}

// True when `text` holds a C0 control character or DEL.
inline bool hasControlCharacter(std::string_view text) {
    for (const char c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return true;
    }
    return false;
}

}  // namespace orderhost::fuzz
