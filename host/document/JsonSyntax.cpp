#include "host/document/JsonSyntax.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <set>

namespace orderhost::document {

std::string JsonParseError::toString() const {
    return "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + message;
}

namespace {

// A recursive-descent checker. Recursion is safe because depth is bounded by
// JsonLimits::kMaxSupportedDepth before descending.
class SyntaxChecker {
public:
    // `elements`: when given, the top-level array's elements are read into it.
    SyntaxChecker(std::string_view text, int maxDepth, std::vector<JsonScalar>* elements = nullptr)
        : text_(text), maxDepth_(maxDepth), elements_(elements) {}

    std::optional<JsonParseError> run() {
        skipWhitespace();
        if (atEnd()) return fail("empty input: expected a JSON value");
        if (!value(0)) return error_;
        skipWhitespace();
        if (!atEnd()) return fail("unexpected text after the JSON value");
        return std::nullopt;
    }

private:
    bool atEnd() const { return pos_ >= text_.size(); }
    char peek() const { return atEnd() ? '\0' : text_[pos_]; }

    std::optional<JsonParseError> fail(const std::string& message) {
        JsonParseError error;
        error.message = message;
        error.offset = std::min(pos_, text_.size());
        for (std::size_t i = 0; i < error.offset; ++i) {
            if (text_[i] == '\n') {
                ++error.line;
                error.column = 1;
            } else {
                ++error.column;
            }
        }
        error_ = error;
        return error_;
    }

    bool failed(const std::string& message) {
        fail(message);
        return false;
    }

    std::string describeHere() const {
        if (atEnd()) return "end of input";
        const unsigned char c = static_cast<unsigned char>(peek());
        if (c < 0x20 || c >= 0x7f) return "byte 0x" + hex(c);
        return std::string("'") + static_cast<char>(c) + "'";
    }

    // A key in an error message, which clients get back: control characters escaped, a long key
    // cut at a character boundary after 64 bytes (a key is UTF-8 once string() accepted it).
    static std::string quotedKey(const std::string& key) {
        std::string out = "\"";
        std::size_t i = 0;
        for (; i < key.size() && i < 64; ++i) {
            const auto c = static_cast<unsigned char>(key[i]);
            out += c < 0x20 || c == 0x7f ? "\\u00" + hex(c) : std::string(1, key[i]);
        }
        if (i < key.size()) {  // the last character goes if it is multi-byte: the cut may split it
            while ((static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
            if (static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
            out += "...";
        }
        return out + "\"";
    }

    static std::string hex(unsigned char c) {
        const char* digits = "0123456789abcdef";
        return {digits[c >> 4], digits[c & 0xf]};
    }

    void skipWhitespace() {
        while (!atEnd() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++pos_;
    }

    bool value(int depth) {
        switch (peek()) {
            case '{':
                return object(depth + 1);
            case '[':
                return array(depth + 1);
            case '"':
                return string(nullptr);
            case 't':
                return literal("true");
            case 'f':
                return literal("false");
            case 'n':
                return literal("null");
            default:
                if (peek() == '-' || (peek() >= '0' && peek() <= '9')) return number();
                return failed("unexpected " + describeHere() + ": expected a JSON value");
        }
    }

    bool enter(int depth) {
        if (depth > maxDepth_) return failed("nesting deeper than " + std::to_string(maxDepth_) + " levels");
        ++pos_;
        skipWhitespace();
        return true;
    }

    bool object(int depth) {
        if (!enter(depth)) return false;
        if (peek() == '}') return ++pos_, true;
        std::set<std::string> keys;
        while (true) {
            if (peek() != '"') return failed("unexpected " + describeHere() + ": expected a key string");
            const std::size_t keyStart = pos_;
            std::string key;
            if (!string(&key)) return false;
            // Poco cuts keys at NUL: {"a\u0000x":1,"a\u0000y":2} would become {"a":2},
            // slipping a duplicate past the check below.
            if (key.find('\0') != std::string::npos) {
                pos_ = keyStart;
                return failed("object key must not contain \\u0000 (NUL)");
            }
            if (!keys.insert(key).second) {
                pos_ = keyStart;
                return failed("duplicate key " + quotedKey(key));
            }
            skipWhitespace();
            if (peek() != ':') return failed("unexpected " + describeHere() + ": expected ':'");
            ++pos_;
            skipWhitespace();
            if (!value(depth)) return false;
            skipWhitespace();
            if (peek() == '}') return ++pos_, true;
            if (peek() != ',') return failed("unexpected " + describeHere() + ": expected ',' or '}'");
            ++pos_;
            skipWhitespace();
        }
    }

    bool array(int depth) {
        if (!enter(depth)) return false;
        if (peek() == ']') return ++pos_, true;
        while (true) {
            if ((elements_ && depth == 1) ? !element(depth) : !value(depth)) return false;
            skipWhitespace();
            if (peek() == ']') return ++pos_, true;
            if (peek() != ',') return failed("unexpected " + describeHere() + ": expected ',' or ']'");
            ++pos_;
            skipWhitespace();
        }
    }

    // One element of the top-level array, checked as value() checks it and kept.
    bool element(int depth) {
        JsonScalar scalar;
        const std::size_t start = pos_;
        const char first = peek();
        if (first == '"') {
            scalar.kind = JsonScalar::Kind::String;
            if (!string(&scalar.text)) return false;
        } else {
            if (!value(depth)) return false;
            if (first == 'n') {
                scalar.kind = JsonScalar::Kind::Null;
            } else if (first == 't' || first == 'f') {
                scalar.kind = JsonScalar::Kind::Boolean;
                scalar.boolean = first == 't';
            } else if (first == '[' || first == '{') {
                scalar.kind = JsonScalar::Kind::Structure;
            } else {
                scalar.kind = JsonScalar::Kind::Number;
                scalar.text.assign(text_.substr(start, pos_ - start));
            }
        }
        elements_->push_back(std::move(scalar));
        return true;
    }

    bool literal(std::string_view word) {
        if (text_.substr(pos_, word.size()) != word)
            return failed("unexpected " + describeHere() + ": expected a JSON value");
        pos_ += word.size();
        return true;
    }

    bool number() {
        const std::size_t start = pos_;
        if (peek() == '-') ++pos_;
        if (peek() == '0') {
            ++pos_;
        } else if (!digits()) {
            return failed("invalid number: expected a digit");
        }
        bool integral = true;
        if (peek() == '.') {
            ++pos_, integral = false;
            if (!digits()) return failed("invalid number: expected a digit after '.'");
        }
        if (peek() == 'e' || peek() == 'E') {
            ++pos_, integral = false;
            if (peek() == '+' || peek() == '-') ++pos_;
            if (!digits()) return failed("invalid number: expected a digit in the exponent");
        }
        if (peek() >= '0' && peek() <= '9') return failed("invalid number: leading zero");
        return representable(start, integral);
    }

    bool digits() {
        const std::size_t start = pos_;
        while (peek() >= '0' && peek() <= '9') ++pos_;
        return pos_ > start;
    }

    // Poco keeps integers as Int64 (negative) or UInt64 and floats as double; anything else
    // would be silently corrupted, so it is refused here. Poco 1.11 also reads a negative
    // integer through a double (found by fuzz_json_document): below -2^53 only the values a
    // double holds exactly survive, so the others are refused too, with their own message.
    bool representable(std::size_t start, bool integral) {
        const char* first = text_.data() + start;
        const char* last = text_.data() + pos_;
        std::from_chars_result result{};
        if (integral && *first == '-') {
            std::int64_t parsed = 0;
            result = std::from_chars(first, last, parsed);
            // Casting back is defined: the double lies in [-2^63, 0] for any int64 <= 0.
            if (result.ec == std::errc() && result.ptr == last &&
                static_cast<std::int64_t>(static_cast<double>(parsed)) != parsed) {
                pos_ = start;
                return failed(
                    "negative integer below -9007199254740992 (-2^53) would be rounded; "
                    "send it as a string");
            }
        } else if (integral) {
            std::uint64_t parsed = 0;
            result = std::from_chars(first, last, parsed);
        } else {
            double parsed = 0;
            result = std::from_chars(first, last, parsed);
        }
        if (result.ec == std::errc() && result.ptr == last) return true;
        pos_ = start;
        return failed(integral ? "integer does not fit in 64 bits" : "number out of range for a double");
    }

    // Checks a string and, when `decoded` is given (object keys), decodes it for comparison.
    bool string(std::string* decoded) {
        ++pos_;
        while (true) {
            if (atEnd()) return failed("unterminated string");
            const unsigned char c = static_cast<unsigned char>(peek());
            if (c == '"') return ++pos_, true;
            if (c < 0x20) return failed("control character " + describeHere() + " must be escaped in a string");
            if (c == '\\') {
                if (!escape(decoded)) return false;
            } else if (c < 0x80) {
                if (decoded) decoded->push_back(static_cast<char>(c));
                ++pos_;
            } else if (!utf8Sequence(decoded)) {
                return false;
            }
        }
    }

    bool escape(std::string* decoded) {
        ++pos_;
        const char c = peek();
        static const std::string_view simple = "\"\\/bfnrt";
        static const std::string_view meaning = "\"\\/\b\f\n\r\t";
        if (const auto i = simple.find(c); c != '\0' && i != std::string_view::npos) {
            if (decoded) decoded->push_back(meaning[i]);
            return ++pos_, true;
        }
        if (c != 'u') return failed("invalid escape sequence");
        std::uint32_t code = 0;
        if (!hex4(code)) return false;
        if (code >= 0xDC00 && code <= 0xDFFF) return failed("lone low surrogate in \\u escape");
        if (code >= 0xD800 && code <= 0xDBFF) {
            std::uint32_t low = 0;
            if (text_.substr(pos_, 2) != "\\u") return failed("high surrogate not followed by a low surrogate");
            ++pos_;
            if (!hex4(low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) return failed("high surrogate not followed by a low surrogate");
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        }
        if (decoded) appendUtf8(*decoded, code);
        return true;
    }

    // Reads "uXXXX" with pos_ on the 'u'.
    bool hex4(std::uint32_t& code) {
        ++pos_;
        for (int i = 0; i < 4; ++i, ++pos_) {
            const char c = peek();
            int digit = -1;
            if (c >= '0' && c <= '9') digit = c - '0';
            if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
            if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
            if (digit < 0) return failed("invalid \\u escape: expected 4 hex digits");
            code = code * 16 + static_cast<std::uint32_t>(digit);
        }
        return true;
    }

    static void appendUtf8(std::string& out, std::uint32_t code) {
        if (code < 0x80) {
            out.push_back(static_cast<char>(code));
        } else if (code < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (code >> 6)));
            out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
        } else if (code < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (code >> 12)));
            out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (code >> 18)));
            out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
        }
    }

    // Validates one multi-byte UTF-8 sequence (RFC 3629: no overlongs, no surrogates,
    // nothing above U+10FFFF).
    bool utf8Sequence(std::string* decoded) {
        const auto lead = static_cast<unsigned char>(peek());
        int length = 0;
        std::uint32_t code = 0, minimum = 0;
        if (lead >= 0xC2 && lead <= 0xDF)
            length = 2, code = lead & 0x1F, minimum = 0x80;
        else if (lead >= 0xE0 && lead <= 0xEF)
            length = 3, code = lead & 0x0F, minimum = 0x800;
        else if (lead >= 0xF0 && lead <= 0xF4)
            length = 4, code = lead & 0x07, minimum = 0x10000;
        else
            return failed("invalid UTF-8 " + describeHere());
        for (int i = 1; i < length; ++i) {
            if (pos_ + i >= text_.size()) return failed("truncated UTF-8 sequence");
            const auto next = static_cast<unsigned char>(text_[pos_ + i]);
            if ((next & 0xC0) != 0x80) return failed("invalid UTF-8 sequence");
            code = (code << 6) | (next & 0x3F);
        }
        if (code < minimum || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
            return failed("invalid UTF-8 sequence");
        if (decoded) decoded->append(text_.substr(pos_, static_cast<std::size_t>(length)));
        pos_ += static_cast<std::size_t>(length);
        return true;
    }

    std::string_view text_;
    int maxDepth_;
    std::vector<JsonScalar>* elements_;
    std::size_t pos_ = 0;
    std::optional<JsonParseError> error_;
};

std::optional<JsonParseError> tooLarge(std::string_view text, const JsonLimits& limits) {
    if (text.size() <= limits.maxBytes) return std::nullopt;
    JsonParseError error;
    error.message =
        "input is " + std::to_string(text.size()) + " bytes; the limit is " + std::to_string(limits.maxBytes);
    error.offset = limits.maxBytes;
    return error;
}

int depthOf(const JsonLimits& limits) { return std::clamp(limits.maxDepth, 0, JsonLimits::kMaxSupportedDepth); }

}  // namespace

std::optional<JsonParseError> checkJsonSyntax(std::string_view text, const JsonLimits& limits) {
    if (auto error = tooLarge(text, limits)) return error;
    return SyntaxChecker(text, depthOf(limits)).run();
}

FlatJsonArray parseFlatJsonArray(std::string_view text, const JsonLimits& limits) {
    FlatJsonArray flat;
    if ((flat.error = tooLarge(text, limits))) return flat;
    const std::size_t first = text.find_first_not_of(" \t\r\n");
    const bool array = first != std::string_view::npos && text[first] == '[';
    flat.error = SyntaxChecker(text, depthOf(limits), array ? &flat.elements : nullptr).run();
    flat.isArray = array && !flat.error;
    if (!flat.isArray) flat.elements.clear();
    return flat;
}

}  // namespace orderhost::document
