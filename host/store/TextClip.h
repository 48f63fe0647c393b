// Text cut to fit a column sized in bytes (VARCHAR(n) on PostgreSQL counts characters, SQLite's
// driver sizes its buffers in bytes): at most `maxBytes`, never splitting a UTF-8 sequence, so
// the cut text is still valid UTF-8 and the database takes it.
#pragma once

#include <cstddef>
#include <string>

namespace orderhost::store {

inline std::string clipUtf8(const std::string& text, std::size_t maxBytes) {
    if (text.size() <= maxBytes) return text;
    std::size_t cut = maxBytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    return text.substr(0, cut);
}

}  // namespace orderhost::store
