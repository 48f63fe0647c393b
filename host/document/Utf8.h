// Decoding one UTF-8 character, the one rule every text boundary of the host shares (client
// text in replies and logs, text from plugins): RFC 3629, so no overlong forms, no UTF-16
// surrogates and nothing above U+10FFFF.
//
//   std::uint32_t cp;
//   std::size_t n = utf8CharAt("\xC3\xA9", 0, cp);   // n == 2, cp == 0xE9
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace orderhost::document {

// The length of the well-formed UTF-8 character at text[pos] and its code point, or 0 when
// the bytes there are not one (pos must be < text.size()).
std::size_t utf8CharAt(std::string_view text, std::size_t pos, std::uint32_t& codePoint);

// The byte offset of the first C1 control character (U+0080 to U+009F: NEL, CSI, ...; 0xC2
// 0x80..0x9F) in well-formed UTF-8 `text`, or npos. Terminals act on them as on C0 controls.
std::size_t findC1Control(std::string_view text);

}  // namespace orderhost::document
