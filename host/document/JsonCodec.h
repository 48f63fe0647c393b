// JSON text <-> Poco::Dynamic::Var, the representation the order document is kept in.
//
// Parsing goes through checkJsonSyntax first (see JsonSyntax.h for why), then Poco with
// insertion-ordered objects. Writing is our own compact serializer rather than Poco's
// Stringifier, so that output is byte-for-byte deterministic, doubles round-trip exactly
// (shortest form, always with '.' or an exponent so they stay doubles), and integers are
// printed exactly.
//
//   JsonValueResult parsed = parseJsonValue(R"({"b":1,"a":[true,null]})", JsonLimits{});
//   if (parsed.ok()) std::string text = toJsonText(parsed.value);   // same text back
#pragma once

#include "host/document/JsonSyntax.h"

#include <Poco/Dynamic/Var.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace orderhost::document {

// The JSON types as the order schema and the services distinguish them. An integer is a
// number written without fraction or exponent; everything else numeric is kNumber.
enum class JsonType { Null, Boolean, Integer, Number, String, Array, Object };

// The result of parseJsonValue: `value` is set when `error` is empty.
struct JsonValueResult {
    Poco::Dynamic::Var value;
    std::optional<JsonParseError> error;
    bool ok() const { return !error.has_value(); }
};

// Parses any JSON value (object, array or scalar) within `limits`. Never throws.
JsonValueResult parseJsonValue(std::string_view text, const JsonLimits& limits);

// Compact, deterministic JSON text: object members in insertion order, no whitespace.
std::string toJsonText(const Poco::Dynamic::Var& value);

// The same text as toJsonText except that the members of every object, at any depth, are
// sorted by name (bytewise on UTF-8, i.e. by code point); arrays keep their order. Two
// values that differ only in member order or in how the input escaped its strings give
// the same bytes, which is what makes it fit for hashing. (Not RFC 8785/JCS: that sorts by
// UTF-16 code units and formats numbers the ECMAScript way.)
std::string toCanonicalJsonText(const Poco::Dynamic::Var& value);

// Appends `text` as a quoted JSON string. `text` must be valid UTF-8.
void appendJsonString(std::string& out, std::string_view text);

// Classifies a value produced by parseJsonValue.
JsonType jsonTypeOf(const Poco::Dynamic::Var& value);

// "null", "a boolean", "an integer", "a number", "a string", "an array", "an object".
const char* describeJsonType(JsonType type);

// The value as int64 when it is an integer that fits; nothing otherwise (floats included).
std::optional<std::int64_t> asInt64(const Poco::Dynamic::Var& value);

}  // namespace orderhost::document
