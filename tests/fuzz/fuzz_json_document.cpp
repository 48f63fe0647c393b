// Fuzz target: JSON text as the ERP posts it (host/document: JsonSyntax, JsonCodec, JsonDocument).
//
// Invariants beyond "does not crash":
//  - the syntax check and Poco agree: a text checkJsonSyntax accepts, Poco parses;
//  - an error's position lies inside the text;
//  - serialising is a fixed point: toJsonText(parse(t)) parses again to the same text, and
//    canonical text is the same for both;
//  - JsonDocument::parse accepts exactly the texts whose value is an object, and its toJson()
//    parses again with the same limits (JsonDocument.h promises it).
//  - parseFlatJsonArray (SQL parameters) reports what checkJsonSyntax reports, and the elements
//    it reads are Poco's: the same count, kinds, strings and numbers.
#include "host/document/JsonCodec.h"
#include "host/document/JsonDocument.h"
#include "host/document/JsonSyntax.h"
#include "tests/fuzz/FuzzCheck.h"

#include <cstdint>
#include <string>

#include <Poco/JSON/Array.h>

using namespace orderhost::document;
using orderhost::fuzz::isValidUtf8;

// The elements parseFlatJsonArray read against Poco's value of the same text.
static void checkFlatElements(const FlatJsonArray& flat, const Poco::Dynamic::Var& value) {
    FUZZ_CHECK(flat.isArray == (jsonTypeOf(value) == JsonType::Array), "parseFlatJsonArray mistakes the top level");
    if (!flat.isArray) return;
    const auto array = value.extract<Poco::JSON::Array::Ptr>();
    FUZZ_CHECK(flat.elements.size() == array->size(), "parseFlatJsonArray counts other elements than Poco");
    for (std::size_t i = 0; i < flat.elements.size(); ++i) {
        const JsonScalar& element = flat.elements[i];
        const Poco::Dynamic::Var item = array->get(static_cast<unsigned>(i));
        const JsonType type = jsonTypeOf(item);
        switch (element.kind) {
            case JsonScalar::Kind::Null:
                FUZZ_CHECK(type == JsonType::Null, "element " + std::to_string(i) + " is not null for Poco");
                break;
            case JsonScalar::Kind::Boolean:
                FUZZ_CHECK(type == JsonType::Boolean && item.extract<bool>() == element.boolean,
                           "element " + std::to_string(i) + " is another boolean for Poco");
                break;
            case JsonScalar::Kind::String:
                FUZZ_CHECK(type == JsonType::String && item.extract<std::string>() == element.text,
                           "element " + std::to_string(i) + " decodes differently from Poco");
                break;
            case JsonScalar::Kind::Number: {
                const bool integral = element.text.find_first_of(".eE") == std::string::npos;
                FUZZ_CHECK(type == (integral ? JsonType::Integer : JsonType::Number),
                           "element " + std::to_string(i) + " is another kind of number for Poco: " + element.text);
                const std::optional<std::int64_t> integer = asInt64(item);
                // Poco 1.11 reads a negative integer through a double; the checker refuses the
                // ones it would round (found by this comparison), so every digit must survive.
                if (integer && element.text.size() < 19)  // std::stoll's range for sure
                    FUZZ_CHECK(*integer == std::stoll(element.text),
                               "element " + std::to_string(i) + " is another integer for Poco: " + element.text);
                break;
            }
            case JsonScalar::Kind::Structure:
                FUZZ_CHECK(type == JsonType::Array || type == JsonType::Object,
                           "element " + std::to_string(i) + " is not a structure for Poco");
                break;
        }
    }
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const JsonLimits limits;

    const std::optional<JsonParseError> syntax = checkJsonSyntax(text, limits);
    if (syntax) {
        FUZZ_CHECK(syntax->offset <= text.size(), "error offset beyond the text: " + syntax->toString());
        FUZZ_CHECK(syntax->line >= 1 && syntax->column >= 1, "error line/column below 1: " + syntax->toString());
        FUZZ_CHECK(!syntax->message.empty(), "an error without a message");
    }
    const JsonValueResult value = parseJsonValue(text, limits);
    FUZZ_CHECK(value.ok() == !syntax.has_value(),
               "syntax check and Poco disagree: " + (value.error ? value.error->toString() : std::string("accepted")));
    const FlatJsonArray flat = parseFlatJsonArray(text, limits);
    FUZZ_CHECK((flat.error ? flat.error->toString() : "") == (syntax ? syntax->toString() : ""),
               "parseFlatJsonArray and checkJsonSyntax report differently");
    if (!value.ok()) return 0;
    FUZZ_CHECK(isValidUtf8(text), "accepted text is not valid UTF-8");
    checkFlatElements(flat, value.value);

    const std::string once = toJsonText(value.value);
    FUZZ_CHECK(isValidUtf8(once), "serialised text is not valid UTF-8: " + once);
    const JsonValueResult again = parseJsonValue(once, limits);
    FUZZ_CHECK(again.ok(), "serialised text does not parse again: " + once + " -> " +
                               (again.error ? again.error->toString() : std::string()));
    FUZZ_CHECK(toJsonText(again.value) == once,
               "serialising is not a fixed point: " + once + " -> " + toJsonText(again.value));
    FUZZ_CHECK(toCanonicalJsonText(again.value) == toCanonicalJsonText(value.value), "canonical text changed: " + once);

    const JsonDocumentResult document = JsonDocument::parse(text, limits);
    FUZZ_CHECK(document.ok() == (jsonTypeOf(value.value) == JsonType::Object),
               "JsonDocument::parse disagrees with the value's type for " + once);
    if (!document.ok()) return 0;
    const std::string documentText = document.document->toJson();
    FUZZ_CHECK(documentText == once, "JsonDocument::toJson differs from toJsonText: " + documentText + " vs " + once);
    const JsonDocumentResult reparsed = JsonDocument::parse(documentText, limits);
    FUZZ_CHECK(reparsed.ok(), "toJson() does not parse again with the same limits: " + documentText);
    FUZZ_CHECK(reparsed.document->canonicalJson() == document.document->canonicalJson(), "canonical JSON changed");
    FUZZ_CHECK(document.document->clone().toJson() == documentText, "clone() differs");
    return 0;
}
