// Strict JSON syntax check that runs BEFORE Poco's parser sees any text.
//
// Why it exists: Poco 1.11's JSON parser recurses per nesting level (it stops at 128 levels
// with an exception), reports errors without any position, silently wraps integers beyond
// 2^64 (18446744073709551616 parses as 0), rounds negative integers below -2^53 (it reads
// them through a double: -9007199254740993 becomes -9007199254740992), fails on numbers like 1e999, keeps the last of
// duplicate keys, cuts object keys at NUL ("a\u0000b" becomes "a") and refuses scalars at
// the top level. This checker bounds size and depth,
// rejects exactly those inputs with a line/column, and so lets Poco only see text it
// handles correctly.
//
//   JsonLimits limits;                       // 4 MiB, depth 64
//   if (auto error = checkJsonSyntax(text, limits)) std::cerr << error->toString();
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orderhost::document {

// Bounds applied to every JSON text the host parses (order bodies, values plugins set).
struct JsonLimits {
    // Largest accepted text in bytes; checked before anything else is looked at.
    std::size_t maxBytes = 4 * 1024 * 1024;
    // Deepest accepted nesting: a scalar has depth 0, {} or [] depth 1, {"a":[]} depth 2.
    // Values above kMaxSupportedDepth are clamped (the checker and Poco both recurse).
    int maxDepth = 64;
    static constexpr int kMaxSupportedDepth = 100;
};

// Why a text was refused, and where (1-based line and column in bytes; 0-based offset).
struct JsonParseError {
    std::string message;
    std::size_t offset = 0;
    int line = 1;
    int column = 1;
    // "line 3, column 7: unexpected character '}'"
    std::string toString() const;
};

// Checks `text` against RFC 8259 (no comments, no trailing commas, valid UTF-8, no lone
// surrogates) plus the limits, duplicate object keys, keys containing NUL, and numbers that
// cannot be held exactly (integers outside int64/uint64, negative integers below -2^53 that a
// double does not hold exactly, floats that overflow a double).
// Returns the first problem found, or nothing when Poco can safely parse the text.
std::optional<JsonParseError> checkJsonSyntax(std::string_view text, const JsonLimits& limits);

// One element of a top-level JSON array, as parseFlatJsonArray read it.
struct JsonScalar {
    enum class Kind { Null, Boolean, Number, String, Structure };
    Kind kind = Kind::Null;
    bool boolean = false;
    // String: the decoded text. Number: the number as written (checked representable).
    // Structure (a nested array or object): empty.
    std::string text;
};

struct FlatJsonArray {
    std::optional<JsonParseError> error;  // as checkJsonSyntax would report it
    bool isArray = false;                 // valid JSON whose top level is an array
    std::vector<JsonScalar> elements;     // when isArray
};

// Checks `text` exactly as checkJsonSyntax does and, when it is an array, hands back its
// elements without building a Poco value. Why: a plugin's statement parameters arrive as
// such an array with every statement, and Poco's parser plus its Var tree cost about 6 % of
// the host's CPU per order (docs/performance.md, issue 12).
//
//   auto flat = parseFlatJsonArray(R"(["A-1", 3, null])", limits);  // 3 elements
FlatJsonArray parseFlatJsonArray(std::string_view text, const JsonLimits& limits);

}  // namespace orderhost::document
