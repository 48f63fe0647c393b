// RFC 6901 JSON Pointers, as used by every document service of the plugin ABI.
//
// "" is the whole document, "/lines/0/sku" a member of an element, "~1" stands for '/'
// and "~0" for '~' inside a token ("/a~1b" is the member "a/b"). "-" names the position
// after the last array element (only meaningful for appending).
//
//   auto pointer = JsonPointer::parse("/lines/0/sku");
//   if (pointer) for (const std::string& token : pointer->tokens()) { ... }
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orderhost::document {

class JsonPointer {
public:
    // Nothing when `text` is not a pointer: non-empty without a leading '/', or a '~'
    // not followed by '0' or '1'.
    static std::optional<JsonPointer> parse(std::string_view text);

    // The unescaped reference tokens, outermost first. Empty for the whole document.
    const std::vector<std::string>& tokens() const { return tokens_; }

    // A token as an array index: "0" or digits without a leading zero that fit size_t.
    // Nothing for anything else, including "-" (check for it separately).
    static std::optional<std::size_t> arrayIndex(std::string_view token);

    // Escapes one member name for use in a pointer ("a/b" -> "a~1b").
    static std::string escapeToken(std::string_view name);

private:
    std::vector<std::string> tokens_;
};

}  // namespace orderhost::document
