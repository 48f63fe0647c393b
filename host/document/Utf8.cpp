#include "host/document/Utf8.h"

namespace orderhost::document {

std::size_t utf8CharAt(std::string_view text, std::size_t pos, std::uint32_t& codePoint) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[pos + i]); };
    const unsigned char lead = byte(0);
    std::size_t length = 0;
    std::uint32_t min = 0;
    if (lead < 0x80) {
        codePoint = lead;
        return 1;
    }
    if (lead >= 0xC2 && lead <= 0xDF)
        length = 2, min = 0x80, codePoint = lead & 0x1Fu;
    else if (lead >= 0xE0 && lead <= 0xEF)
        length = 3, min = 0x800, codePoint = lead & 0x0Fu;
    else if (lead >= 0xF0 && lead <= 0xF4)
        length = 4, min = 0x10000, codePoint = lead & 0x07u;
    else
        return 0;
    if (pos + length > text.size()) return 0;
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(i) & 0xC0) != 0x80) return 0;
        codePoint = (codePoint << 6) | (byte(i) & 0x3Fu);
    }
    if (codePoint < min || codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF)) return 0;
    return length;
}

std::size_t findC1Control(std::string_view text) {
    for (std::size_t at = text.find('\xC2'); at != std::string_view::npos && at + 1 < text.size();
         at = text.find('\xC2', at + 1))
        if (static_cast<unsigned char>(text[at + 1]) <= 0x9F) return at;
    return std::string_view::npos;
}

}  // namespace orderhost::document
