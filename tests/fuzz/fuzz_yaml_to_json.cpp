// Fuzz target: YAML step configurations converted to JSON (host/chains/YamlToJson), over any
// YAML yaml-cpp reads (aliases, tags, block scalars, flow collections).
//
// Invariants: convert() gives JSON or errors, never both nor neither; the JSON it gives parses
// with the host's own parser and limits (that is the text plugins will read), and a mapping
// becomes a JsonDocument; every scalar the core schema types as integer, float, boolean or null
// without an error has JSON text that parses to that type (for UTF-8 text).
#include "host/chains/YamlToJson.h"
#include "host/document/JsonCodec.h"
#include "host/document/JsonDocument.h"
#include "tests/fuzz/FuzzCheck.h"

#include <cstdint>

using namespace orderhost;
using chains::ScalarKind;
using document::JsonType;

namespace {

void checkScalar(const YAML::Node& node) {
    const chains::ResolvedScalar scalar = chains::resolveScalar(node);
    // convert() re-checks the whole text, which is where bytes that are not UTF-8 are refused.
    if (!scalar.error.empty() || !orderhost::fuzz::isValidUtf8(scalar.text)) return;
    const document::JsonValueResult value = document::parseJsonValue(scalar.json, document::JsonLimits{});
    FUZZ_CHECK(value.ok(), "a scalar's JSON does not parse: " + scalar.json);
    const JsonType type = document::jsonTypeOf(value.value);
    switch (scalar.kind) {
        case ScalarKind::Null:
            FUZZ_CHECK(type == JsonType::Null, "null scalar: " + scalar.json);
            break;
        case ScalarKind::Boolean:
            FUZZ_CHECK(type == JsonType::Boolean, "boolean scalar: " + scalar.json);
            break;
        case ScalarKind::Integer:
            FUZZ_CHECK(type == JsonType::Integer && scalar.json == std::to_string(scalar.integer),
                       "integer scalar " + scalar.text + " -> " + scalar.json);
            break;
        case ScalarKind::Float:
            FUZZ_CHECK(type == JsonType::Number || type == JsonType::Integer, "float scalar");
            break;
        case ScalarKind::String:
            FUZZ_CHECK(type == JsonType::String && value.value.extract<std::string>() == scalar.text,
                       "string scalar " + scalar.text + " -> " + scalar.json);
            break;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    YAML::Node root;
    try {
        root = YAML::Load(std::string(reinterpret_cast<const char*>(data), size));
    } catch (const YAML::Exception&) {
        return 0;
    }
    if (root.IsScalar()) checkScalar(root);
    std::vector<chains::ChainError> errors;
    chains::YamlToJson converter("fuzz.yaml", errors);
    std::optional<std::string> json;
    try {
        json = converter.convert(root);
    } catch (const YAML::Exception& e) {
        FUZZ_CHECK(false, std::string("convert() let a yaml-cpp exception escape: ") + e.what());
    }
    FUZZ_CHECK(json.has_value() == errors.empty(), "convert() gave JSON and errors, or neither");
    for (const chains::ChainError& error : errors) FUZZ_CHECK(!error.message.empty(), "an error without a message");
    if (!json) return 0;
    const document::JsonValueResult value = document::parseJsonValue(*json, document::JsonLimits{});
    FUZZ_CHECK(value.ok(), "converted JSON does not parse: " + *json);
    if (root.IsMap()) {
        FUZZ_CHECK(document::JsonDocument::parse(*json).ok(), "a converted mapping is not a JsonDocument: " + *json);
    }
    return 0;
}
