// Fuzz target: the document services plugins call (JsonDocument get/set/remove by JSON Pointer).
//
// Input: records separated by NUL; each is an operation letter, a JSON Pointer, then (after a
// byte 0x01) a JSON value: "s/lines/-\x01{...}", "r/notes/0", "g/customer/id". They run in order
// on a small order document under tight limits (4 KiB, depth 8), so the limit paths are hit.
//
// Invariants: a failed set or remove leaves the document unchanged; after every operation the
// document stays within its limits and toJson() parses again with them (JsonDocument.h); a set
// value reads back as written; the typed getters agree with getJson.
#include "host/document/JsonCodec.h"
#include "host/document/JsonDocument.h"
#include "tests/fuzz/FuzzCheck.h"

#include <cstdint>

using namespace orderhost::document;

namespace {

const char* kStartDocument =
    R"({"order_ref":"A-1","customer":{"id":"c1","name":"Ann"},"lines":[{"sku":"X","quantity":2,"unit_price":150}],)"
    R"("attributes":{"flags":[true,false,null],"n":1.5}})";

JsonLimits tightLimits() {
    JsonLimits limits;
    limits.maxBytes = 4096;
    limits.maxDepth = 8;
    return limits;
}

// Called after every operation with the document's text as it was before it: an operation that
// changed nothing needs no new parse (the text parsed before); one that changed it must stay
// within the limits and parse again with them.
std::string checkStillParses(const JsonDocument& document, const std::string& before, const JsonLimits& limits) {
    std::string text = document.toJson();
    if (text == before) return text;
    FUZZ_CHECK(text.size() <= limits.maxBytes, "document grew beyond maxBytes: " + std::to_string(text.size()));
    const JsonDocumentResult again = JsonDocument::parse(text, limits);
    FUZZ_CHECK(again.ok(), "toJson() no longer parses with the document's limits: " +
                               (again.error ? again.error->toString() : std::string()));
    return text;
}

void checkGetters(const JsonDocument& document, std::string_view pointer) {
    std::string json;
    const Status status = document.getJson(pointer, json);
    if (status != Status::Ok) {
        std::string s;
        FUZZ_CHECK(document.getString(pointer, s) == status, "getString and getJson disagree on a missing value");
        return;
    }
    const JsonValueResult value = parseJsonValue(json, JsonLimits{});
    FUZZ_CHECK(value.ok(), "getJson gave text that does not parse: " + json);
    const JsonType type = jsonTypeOf(value.value);
    std::string text;
    FUZZ_CHECK((document.getString(pointer, text) == Status::Ok) == (type == JsonType::String), "getString vs type");
    if (type == JsonType::String)
        FUZZ_CHECK(value.value.extract<std::string>() == text, "getString differs from getJson");
    std::int64_t integer = 0;
    if (document.getInt(pointer, integer) == Status::Ok) {
        FUZZ_CHECK(json == std::to_string(integer), "getInt " + std::to_string(integer) + " vs getJson " + json);
    }
    bool boolean = false;
    if (document.getBool(pointer, boolean) == Status::Ok) FUZZ_CHECK(json == (boolean ? "true" : "false"), "getBool");
    std::size_t size = 0;
    const bool container = type == JsonType::Array || type == JsonType::Object;
    FUZZ_CHECK((document.getSize(pointer, size) == Status::Ok) == container, "getSize vs type for " + json);
    if (type == JsonType::Object) {
        for (std::size_t i = 0; i <= size; ++i) {
            std::string key;
            const Status keyStatus = document.getKey(pointer, i, key);
            FUZZ_CHECK((keyStatus == Status::Ok) == (i < size), "getKey past/within the member count");
        }
    }
}

// A "-" segment appends (set only, RFC 6901): "/x/-/y" adds an element to x and sets its y, and
// no read can name that element by "-" afterwards, wherever the segment stands.
bool hasAppendSegment(std::string_view pointer) {
    for (std::size_t at = pointer.find("/-"); at != std::string_view::npos; at = pointer.find("/-", at + 1)) {
        if (at + 2 == pointer.size() || pointer[at + 2] == '/') return true;
    }
    return false;
}

// Runs one record on the document; `text` is the document's toJson() before it and after it.
void runOperation(JsonDocument& document, std::string_view record, const JsonLimits& limits, std::string& text) {
    if (record.empty()) return;
    const char operation = record[0];
    const std::size_t separator = record.find('\x01');
    const std::string_view pointer =
        record.substr(1, separator == std::string_view::npos ? record.npos : separator - 1);
    const std::string_view json =
        separator == std::string_view::npos ? std::string_view() : record.substr(separator + 1);
    bool mayChange = false;
    if (operation == 's') {
        const Status status = document.set(pointer, json);
        mayChange = status == Status::Ok;
        if (status == Status::Ok && !pointer.empty() && !hasAppendSegment(pointer)) {
            std::string stored;
            FUZZ_CHECK(document.getJson(pointer, stored) == Status::Ok, "a set value is not found again");
            FUZZ_CHECK(stored == toJsonText(parseJsonValue(json, JsonLimits{}).value),
                       "a set value reads back differently");
        }
    } else if (operation == 'r') {
        mayChange = document.remove(pointer) == Status::Ok;
    } else {
        checkGetters(document, pointer);
    }
    std::string after = checkStillParses(document, text, limits);
    if (!mayChange) FUZZ_CHECK(after == text, "a getter, or a failed set or remove, changed the document");
    text = std::move(after);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const JsonLimits limits = tightLimits();
    JsonDocumentResult start = JsonDocument::parse(kStartDocument, limits);
    FUZZ_CHECK(start.ok(), "the start document does not parse");
    JsonDocument& document = *start.document;
    std::string text = document.toJson();
    FUZZ_CHECK(JsonDocument::parse(text, limits).ok(), "the start document's toJson() does not parse");
    std::size_t at = 0;
    for (int operations = 0; at <= input.size() && operations < 64; ++operations) {
        const std::size_t end = std::min(input.find('\0', at), input.size());
        runOperation(document, input.substr(at, end - at), limits, text);
        at = end + 1;
    }
    return 0;
}
