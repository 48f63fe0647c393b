// orderhost/sdk/json_keys.hpp — the type of a JSON value and the member names of an object.
//
// ABI v1 has no service that lists an object's members, yet configs such as
// {"catalog": {"SKU-1": {...}}} are keyed by data. Document::keys() therefore reads the
// object's JSON text once and scans it here. Only member names are decoded; values are skipped.
#ifndef ORDERHOST_SDK_JSON_KEYS_HPP
#define ORDERHOST_SDK_JSON_KEYS_HPP

#include <orderhost/sdk/error.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace orderhost::sdk {

// The JSON type of a value, as seen from its text. `invalid` for empty or unrecognised text.
enum class JsonType { null, boolean, number, string, array, object, invalid };

// Classifies JSON text by its first character: jsonTypeOf("[1]") == JsonType::array.
inline JsonType jsonTypeOf(std::string_view json) noexcept {
  std::size_t i = json.find_first_not_of(" \t\r\n");
  if (i == std::string_view::npos) return JsonType::invalid;
  char c = json[i];
  if (c == '{') return JsonType::object;
  if (c == '[') return JsonType::array;
  if (c == '"') return JsonType::string;
  if (c == 't' || c == 'f') return JsonType::boolean;
  if (c == 'n') return JsonType::null;
  if (c == '-' || (c >= '0' && c <= '9')) return JsonType::number;
  return JsonType::invalid;
}

namespace detail {

// A forward-only reader over JSON text that the host produced (so well-formed in practice);
// malformed input still ends in an Error, never in reading past the end.
class JsonScanner {
 public:
  explicit JsonScanner(std::string_view text) : text_(text) {}

  void skipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }
  bool eat(char c) {
    skipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!eat(c)) fail(std::string("expected '") + c + "'");
  }

  // Reads a quoted string and returns it unescaped (UTF-8).
  std::string string() {
    expect('"');
    std::string out;
    for (;;) {
      char c = next();
      if (c == '"') return out;
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      char e = next();
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out.push_back(e);
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u':
          appendUtf8(out, codePoint());
          break;
        default:
          fail("bad escape");
      }
    }
  }

  // Reads a number or a true/false/null literal and returns its text.
  std::string_view literal() {
    skipSpace();
    std::size_t start = pos_;
    skipScalarRest();
    if (pos_ == start) fail("expected a value");
    return text_.substr(start, pos_ - start);
  }

  // The next non-space character without consuming it; '\0' at the end.
  char peek() {
    skipSpace();
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }

  // Skips one value of any type, nested ones included.
  void skipValue() {
    skipSpace();
    if (pos_ < text_.size() && text_[pos_] == '"') {
      string();
      return;
    }
    int depth = 0;
    do {
      skipSpace();
      if (pos_ >= text_.size()) fail("unexpected end");
      char c = text_[pos_];
      if (c == '"') {
        string();
        continue;
      }
      ++pos_;
      if (c == '{' || c == '[')
        ++depth;
      else if (c == '}' || c == ']')
        --depth;
      else if (depth == 0) {
        skipScalarRest();
        return;
      }
    } while (depth > 0);
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(OH_STATUS_INVALID_ARGUMENT, std::string(),
                "malformed JSON at offset " + std::to_string(pos_) + ": " + what);
  }
  char next() {
    if (pos_ >= text_.size()) fail("unterminated string");
    return text_[pos_++];
  }
  // After the first character of a number or literal: consume the rest of it.
  void skipScalarRest() {
    while (pos_ < text_.size() &&
           std::string_view(",}] \t\r\n").find(text_[pos_]) == std::string_view::npos)
      ++pos_;
  }
  std::uint32_t hex4() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = next();
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<std::uint32_t>(c - 'A' + 10);
      else
        fail("bad \\u escape");
    }
    return v;
  }
  // A \uXXXX escape, joining a UTF-16 surrogate pair into one code point.
  std::uint32_t codePoint() {
    std::uint32_t cp = hex4();
    if (cp >= 0xD800 && cp <= 0xDBFF && text_.substr(pos_, 2) == "\\u") {
      pos_ += 2;
      std::uint32_t low = hex4();
      if (low < 0xDC00 || low > 0xDFFF) fail("bad surrogate pair");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    return cp;
  }
  static void appendUtf8(std::string& out, std::uint32_t cp) {
    auto byte = [&out](std::uint32_t b) { out.push_back(static_cast<char>(b)); };
    if (cp < 0x80) {
      byte(cp);
      return;
    }
    if (cp < 0x800) {
      byte(0xC0 | (cp >> 6));
      byte(0x80 | (cp & 0x3F));
      return;
    }
    if (cp < 0x10000) {
      byte(0xE0 | (cp >> 12));
      byte(0x80 | ((cp >> 6) & 0x3F));
      byte(0x80 | (cp & 0x3F));
      return;
    }
    byte(0xF0 | (cp >> 18));
    byte(0x80 | ((cp >> 12) & 0x3F));
    byte(0x80 | ((cp >> 6) & 0x3F));
    byte(0x80 | (cp & 0x3F));
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace detail

// Member names of the JSON object `json`, in document order, unescaped.
// Throws Error(OH_STATUS_TYPE_MISMATCH) when the text is not an object.
//
// Example:
//   objectKeys(R"({"SKU-1": {"price": 1}, "A\/B": {}})")  == {"SKU-1", "A/B"}
inline std::vector<std::string> objectKeys(std::string_view json) {
  if (jsonTypeOf(json) != JsonType::object)
    throw Error(OH_STATUS_TYPE_MISMATCH, std::string(), "expected an object");
  detail::JsonScanner scan(json);
  std::vector<std::string> keys;
  scan.expect('{');
  if (scan.eat('}')) return keys;
  do {
    keys.push_back(scan.string());
    scan.expect(':');
    scan.skipValue();
  } while (scan.eat(','));
  scan.expect('}');
  return keys;
}

}  // namespace orderhost::sdk

#endif  // ORDERHOST_SDK_JSON_KEYS_HPP
