#include "host/document/JsonPointer.h"

#include <charconv>

namespace orderhost::document {

std::optional<JsonPointer> JsonPointer::parse(std::string_view text) {
    JsonPointer pointer;
    if (text.empty()) return pointer;
    if (text.front() != '/') return std::nullopt;
    std::string token;
    for (std::size_t i = 1; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == '/') {
            pointer.tokens_.push_back(std::move(token));
            token.clear();
        } else if (text[i] == '~') {
            if (i + 1 >= text.size() || (text[i + 1] != '0' && text[i + 1] != '1')) return std::nullopt;
            token.push_back(text[i + 1] == '0' ? '~' : '/');
            ++i;
        } else {
            token.push_back(text[i]);
        }
    }
    return pointer;
}

std::optional<std::size_t> JsonPointer::arrayIndex(std::string_view token) {
    if (token.empty() || (token.size() > 1 && token.front() == '0')) return std::nullopt;
    std::size_t index = 0;
    const auto result = std::from_chars(token.data(), token.data() + token.size(), index);
    if (result.ec != std::errc() || result.ptr != token.data() + token.size()) return std::nullopt;
    return index;
}

std::string JsonPointer::escapeToken(std::string_view name) {
    std::string escaped;
    for (const char c : name) {
        if (c == '~')
            escaped.append("~0");
        else if (c == '/')
            escaped.append("~1");
        else
            escaped.push_back(c);
    }
    return escaped;
}

}  // namespace orderhost::document
