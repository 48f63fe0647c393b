#include "host/document/JsonCodec.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <stdexcept>
#include <vector>

namespace orderhost::document {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

JsonValueResult parseJsonValue(std::string_view text, const JsonLimits& limits) {
    JsonValueResult result;
    result.error = checkJsonSyntax(text, limits);
    if (result.error) return result;
    try {
        // Poco refuses scalars at the top level ("Attempt to set value on an empty stack"),
        // so every value is parsed as the only element of an array. The syntax check above
        // guarantees `text` is exactly one value, so the wrapping cannot change its meaning.
        Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(/*preserveObjectOrder=*/true));
        std::string wrapped;
        wrapped.reserve(text.size() + 2);
        wrapped.append("[").append(text).append("]");
        const Var parsed = parser.parse(wrapped);
        result.value = parsed.extract<Array::Ptr>()->get(0);
    } catch (const Poco::Exception& e) {
        result.error = JsonParseError{"JSON parser: " + e.displayText(), 0, 1, 1};
    } catch (const std::exception& e) {
        result.error = JsonParseError{std::string("JSON parser: ") + e.what(), 0, 1, 1};
    }
    return result;
}

JsonType jsonTypeOf(const Var& value) {
    if (value.isEmpty()) return JsonType::Null;
    const std::type_info& type = value.type();
    if (type == typeid(bool)) return JsonType::Boolean;
    if (type == typeid(std::string)) return JsonType::String;
    if (type == typeid(Object::Ptr)) return JsonType::Object;
    if (type == typeid(Array::Ptr)) return JsonType::Array;
    if (value.isInteger()) return JsonType::Integer;
    return JsonType::Number;
}

const char* describeJsonType(JsonType type) {
    switch (type) {
        case JsonType::Null:
            return "null";
        case JsonType::Boolean:
            return "a boolean";
        case JsonType::Integer:
            return "an integer";
        case JsonType::Number:
            return "a number with a fraction or exponent";
        case JsonType::String:
            return "a string";
        case JsonType::Array:
            return "an array";
        case JsonType::Object:
            return "an object";
    }
    return "an unknown type";
}

std::optional<std::int64_t> asInt64(const Var& value) {
    if (jsonTypeOf(value) != JsonType::Integer) return std::nullopt;
    if (value.isSigned()) return value.convert<Poco::Int64>();
    const auto unsignedValue = value.convert<Poco::UInt64>();
    if (unsignedValue > static_cast<Poco::UInt64>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return static_cast<std::int64_t>(unsignedValue);
}

void appendJsonString(std::string& out, std::string_view text) {
    static const char* hex = "0123456789abcdef";
    out.push_back('"');
    for (const char c : text) {
        switch (c) {
            case '"':
                out.append("\\\"");
                break;
            case '\\':
                out.append("\\\\");
                break;
            case '\n':
                out.append("\\n");
                break;
            case '\r':
                out.append("\\r");
                break;
            case '\t':
                out.append("\\t");
                break;
            case '\b':
                out.append("\\b");
                break;
            case '\f':
                out.append("\\f");
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    out.append("\\u00").push_back(hex[(c >> 4) & 0xf]);
                    out.push_back(hex[c & 0xf]);
                } else {
                    out.push_back(c);
                }
        }
    }
    out.push_back('"');
}

namespace {

void appendDouble(std::string& out, double number) {
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, number);
    const std::string_view digits(buffer, static_cast<std::size_t>(result.ptr - buffer));
    out.append(digits);
    // "100" would read back as an integer; keep the double a double.
    if (digits.find_first_of(".eE") == std::string_view::npos) out.append(".0");
}

// Which order object members are written in.
enum class MemberOrder {
    Insertion,  // as parsed or set: what toJsonText gives, the text the ERP sent
    Sorted,     // by name, bytewise: what toCanonicalJsonText gives, for hashing
};

void appendValue(std::string& out, const Var& value, MemberOrder order);

// getNames() follows insertion order for objects made with JSON_PRESERVE_KEY_ORDER;
// iterating the object itself would give the std::map's order, so sort explicitly rather
// than rely on which flavour of Object this is.
std::vector<std::string> memberNames(const Object& object, MemberOrder order) {
    std::vector<std::string> names = object.getNames();
    // std::string compares as unsigned bytes, i.e. for UTF-8 by code point. Names are
    // unique (the syntax check refuses duplicate keys), so the order is total.
    if (order == MemberOrder::Sorted) std::sort(names.begin(), names.end());
    return names;
}

void appendObject(std::string& out, const Object& object, MemberOrder order) {
    out.push_back('{');
    bool first = true;
    for (const std::string& name : memberNames(object, order)) {
        if (!first) out.push_back(',');
        first = false;
        appendJsonString(out, name);
        out.push_back(':');
        appendValue(out, object.get(name), order);
    }
    out.push_back('}');
}

void appendArray(std::string& out, const Array& array, MemberOrder order) {
    out.push_back('[');
    for (std::size_t i = 0; i < array.size(); ++i) {
        if (i > 0) out.push_back(',');
        appendValue(out, array.get(static_cast<unsigned>(i)), order);
    }
    out.push_back(']');
}

void appendValue(std::string& out, const Var& value, MemberOrder order) {
    switch (jsonTypeOf(value)) {
        case JsonType::Null:
            out.append("null");
            return;
        case JsonType::Boolean:
            out.append(value.extract<bool>() ? "true" : "false");
            return;
        case JsonType::String:
            appendJsonString(out, value.extract<std::string>());
            return;
        case JsonType::Object:
            appendObject(out, *value.extract<Object::Ptr>(), order);
            return;
        case JsonType::Array:
            appendArray(out, *value.extract<Array::Ptr>(), order);
            return;
        case JsonType::Integer:
            out.append(value.isSigned() ? std::to_string(value.convert<Poco::Int64>())
                                        : std::to_string(value.convert<Poco::UInt64>()));
            return;
        case JsonType::Number:
            appendDouble(out, value.convert<double>());
            return;
    }
}

}  // namespace

std::string toJsonText(const Var& value) {
    std::string out;
    appendValue(out, value, MemberOrder::Insertion);
    return out;
}

std::string toCanonicalJsonText(const Var& value) {
    std::string out;
    appendValue(out, value, MemberOrder::Sorted);
    return out;
}

}  // namespace orderhost::document
