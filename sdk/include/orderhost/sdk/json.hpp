// orderhost/sdk/json.hpp — the little JSON a plugin needs without a JSON library.
//
// The host owns the documents and hands out values as JSON text; plugins mostly read scalars
// through Document (document.hpp). What remains is here: quoting strings, building small
// objects to write back with setJson(), and building JSON Pointers from segments.
// Object member names are listed by json_keys.hpp.
#ifndef ORDERHOST_SDK_JSON_HPP
#define ORDERHOST_SDK_JSON_HPP

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <type_traits>

namespace orderhost::sdk {

// Appends `text` to `out` as a quoted JSON string. Quotes, backslashes and control characters
// are escaped; other bytes (UTF-8) pass through unchanged.
//
// Example:
//   std::string json; appendJsonString(json, "say \"hi\"");   // json == "\"say \\\"hi\\\"\""
inline void appendJsonString(std::string& out, std::string_view text) {
  out.push_back('"');
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

// Returns `text` as a quoted JSON string: jsonQuote("a\"b") == "\"a\\\"b\"".
inline std::string jsonQuote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  appendJsonString(out, text);
  return out;
}

// JsonObject
//
// Builds one JSON object, member by member, in the order added. Values are integers, strings
// (escaped for you), booleans, null, or raw JSON text for nesting. Keys are not de-duplicated.
//
// Example:
//   call.order().setJson("/totals", sdk::JsonObject()
//       .add("net", net).add("items", items).add("currency", currency).str());
class JsonObject {
 public:
  // Integers of any width; unsigned values above INT64_MAX are written as they are.
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  JsonObject& add(std::string_view key, T value) {
    return addJson(key, std::to_string(value));
  }
  JsonObject& add(std::string_view key, std::string_view value) {
    appendKey(key);
    appendJsonString(text_, value);
    return *this;
  }
  // Without this overload a string literal would convert to bool, not to string_view.
  JsonObject& add(std::string_view key, const char* value) {
    return add(key, std::string_view(value));
  }
  JsonObject& add(std::string_view key, bool value) {
    return addJson(key, value ? "true" : "false");
  }
  JsonObject& addNull(std::string_view key) { return addJson(key, "null"); }

  // Adds already-serialized JSON (an object from another JsonObject, an array) unchecked.
  JsonObject& addJson(std::string_view key, std::string_view json) {
    appendKey(key);
    text_.append(json.data(), json.size());
    return *this;
  }

  // The finished object as JSON text.
  std::string str() const { return text_ + "}"; }

 private:
  void appendKey(std::string_view key) {
    if (text_.size() > 1) text_.push_back(',');  // "{" alone means no member yet
    appendJsonString(text_, key);
    text_.push_back(':');
  }

  std::string text_ = "{";
};

// Escapes one JSON Pointer segment (RFC 6901): "~" becomes "~0" and "/" becomes "~1", so a
// SKU such as "A/B" can be used as a member name.
inline std::string pointerEscape(std::string_view segment) {
  std::string out;
  out.reserve(segment.size());
  for (char c : segment) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out.push_back(c);
  }
  return out;
}

namespace detail {
template <class T>
void appendSegment(std::string& out, const T& segment) {
  out.push_back('/');
  if constexpr (std::is_integral_v<T>)
    out += std::to_string(segment);
  else
    out += pointerEscape(std::string_view(segment));
}
}  // namespace detail

// Builds a JSON Pointer from segments: strings are escaped, integers are array indexes.
//
// Example:
//   sdk::path("lines", 3, "total")      == "/lines/3/total"
//   sdk::path("catalog", sku, "price")  == "/catalog/A~1B/price" for sku "A/B"
template <class... Segments>
std::string path(const Segments&... segments) {
  std::string out;
  (detail::appendSegment(out, segments), ...);
  return out;
}

}  // namespace orderhost::sdk

#endif  // ORDERHOST_SDK_JSON_HPP
