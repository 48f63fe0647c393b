#include "host/document/JsonDocument.h"

#include "host/document/JsonCodec.h"
#include "host/document/JsonPointer.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSONString.h>

#include <algorithm>
#include <limits>

namespace orderhost::document {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

const char* toString(Status status) {
    switch (status) {
        case Status::Ok:
            return "ok";
        case Status::InvalidArgument:
            return "invalid argument";
        case Status::NotFound:
            return "not found";
        case Status::TypeMismatch:
            return "type mismatch";
    }
    return "unknown status";
}

namespace {

Object::Ptr newObject() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

bool isContainer(const Var& value) {
    const JsonType type = jsonTypeOf(value);
    return type == JsonType::Object || type == JsonType::Array;
}

// Whether the syntax check accepts `name` as an object member name (valid UTF-8, no NUL).
// set() creates members from pointer tokens, which arrive as raw bytes from plugins: without
// this a name such as "\xff" or "a\0b" would make toJson() text that no longer parses, and
// the stored order invalid JSON (found by tests/fuzz/fuzz_json_edit).
bool isAcceptedMemberName(const std::string& name) {
    std::string probe = "{";
    appendJsonString(probe, name);
    probe += ":0}";
    return !checkJsonSyntax(probe, JsonLimits{}).has_value();
}

// Resolves one token inside an array: an existing element's index, or the status to report.
Status arrayPosition(const Array& array, const std::string& token, std::size_t& index) {
    if (token == "-") return Status::NotFound;
    const auto parsed = JsonPointer::arrayIndex(token);
    if (!parsed) return Status::InvalidArgument;
    if (*parsed >= array.size()) return Status::NotFound;
    index = *parsed;
    return Status::Ok;
}

// Looks up `token` in a container; `child` receives the value when found.
Status step(const Var& container, const std::string& token, Var& child) {
    if (jsonTypeOf(container) == JsonType::Object) {
        const Object::Ptr object = container.extract<Object::Ptr>();
        if (!object->has(token)) return Status::NotFound;
        child = object->get(token);
        return Status::Ok;
    }
    if (jsonTypeOf(container) != JsonType::Array) return Status::TypeMismatch;
    const Array::Ptr array = container.extract<Array::Ptr>();
    std::size_t index = 0;
    const Status status = arrayPosition(*array, token, index);
    if (status == Status::Ok) child = array->get(static_cast<unsigned>(index));
    return status;
}

// A new container able to hold `nextToken`: "-" can only be appended to an array.
Var containerFor(const std::string& nextToken) {
    if (nextToken == "-") return Array::Ptr(new Array());
    return newObject();
}

// An upper bound of what a set() adds to toJson(): the value as it will be written, a comma
// and colon for the member it is stored in, and for each parent that may be created its
// name, colon, comma and braces. Exact except for replacements, whose old value stays counted.
std::size_t addedBytes(const std::vector<std::string>& tokens, const Var& value) {
    std::size_t bytes = toJsonText(value).size() + 2;
    std::string name;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        name.clear();
        appendJsonString(name, tokens[i]);
        bytes += name.size() + (i + 1 < tokens.size() ? 4 : 0);
    }
    return bytes;
}

// Stores `value` under the last token of a set(). The parent is known to be a container.
Status store(const Var& parent, const std::string& token, const Var& value) {
    if (jsonTypeOf(parent) == JsonType::Object) {
        Object::Ptr object = parent.extract<Object::Ptr>();
        object->set(token, value);
        return Status::Ok;
    }
    Array::Ptr array = parent.extract<Array::Ptr>();
    if (token == "-") {
        array->add(value);
        return Status::Ok;
    }
    std::size_t index = 0;
    const Status status = arrayPosition(*array, token, index);
    if (status == Status::Ok) array->set(static_cast<unsigned>(index), value);
    return status;
}

}  // namespace

JsonDocument::JsonDocument(const JsonLimits& limits) : root_(newObject()), limits_(limits) {}

JsonDocumentResult JsonDocument::parse(std::string_view text, const JsonLimits& limits) {
    JsonDocumentResult result;
    JsonValueResult parsed = parseJsonValue(text, limits);
    if (!parsed.ok()) {
        result.error = parsed.error;
        return result;
    }
    if (jsonTypeOf(parsed.value) != JsonType::Object) {
        result.error = JsonParseError{
            "the document must be a JSON object, not " + std::string(describeJsonType(jsonTypeOf(parsed.value))), 0, 1,
            1};
        return result;
    }
    result.document.emplace(limits);
    result.document->root_ = parsed.value.extract<Object::Ptr>();
    result.document->sizeEstimate_ = text.size();
    return result;
}

JsonDocument JsonDocument::clone() const {
    const std::string text = toJson();
    // set() may have grown the document past maxBytes; its depth is always within limits.
    JsonLimits limits = limits_;
    limits.maxBytes = std::max(limits.maxBytes, text.size());
    JsonDocumentResult copy = parse(text, limits);
    copy.document->limits_ = limits_;
    return std::move(*copy.document);
}

bool JsonDocument::hasRoomFor(std::size_t bytes) {
    if (sizeEstimate_ + bytes <= limits_.maxBytes) return true;
    // Replacements make the estimate drift upwards: measure before refusing.
    sizeEstimate_ = toJson().size();
    return sizeEstimate_ + bytes <= limits_.maxBytes;
}

Status JsonDocument::find(std::string_view pointer, Var& out) const {
    const auto parsed = JsonPointer::parse(pointer);
    if (!parsed) return Status::InvalidArgument;
    Var current = root_;
    for (const std::string& token : parsed->tokens()) {
        Var child;
        const Status status = step(current, token, child);
        if (status != Status::Ok) return status;
        current = child;
    }
    out = current;
    return Status::Ok;
}

Status JsonDocument::getJson(std::string_view pointer, std::string& out) const {
    Var value;
    const Status status = find(pointer, value);
    if (status == Status::Ok) out = toJsonText(value);
    return status;
}

Status JsonDocument::getString(std::string_view pointer, std::string& out) const {
    Var value;
    const Status status = find(pointer, value);
    if (status != Status::Ok) return status;
    if (jsonTypeOf(value) != JsonType::String) return Status::TypeMismatch;
    out = value.extract<std::string>();
    return Status::Ok;
}

Status JsonDocument::getInt(std::string_view pointer, std::int64_t& out) const {
    Var value;
    const Status status = find(pointer, value);
    if (status != Status::Ok) return status;
    const auto integer = asInt64(value);
    if (!integer) return Status::TypeMismatch;
    out = *integer;
    return Status::Ok;
}

Status JsonDocument::getSize(std::string_view pointer, std::size_t& out) const {
    Var value;
    const Status status = find(pointer, value);
    if (status != Status::Ok) return status;
    if (jsonTypeOf(value) == JsonType::Object)
        out = value.extract<Object::Ptr>()->size();
    else if (jsonTypeOf(value) == JsonType::Array)
        out = value.extract<Array::Ptr>()->size();
    else
        return Status::TypeMismatch;
    return Status::Ok;
}

Status JsonDocument::getBool(std::string_view pointer, bool& out) const {
    Var value;
    const Status status = find(pointer, value);
    if (status != Status::Ok) return status;
    if (jsonTypeOf(value) != JsonType::Boolean) return Status::TypeMismatch;
    out = value.extract<bool>();
    return Status::Ok;
}

Status JsonDocument::getKey(std::string_view pointer, std::size_t index, std::string& out) const {
    Var value;
    const Status status = find(pointer, value);
    if (status != Status::Ok) return status;
    if (jsonTypeOf(value) != JsonType::Object) return Status::TypeMismatch;
    // Objects keep insertion order (JSON_PRESERVE_KEY_ORDER), so this is document order.
    const Object::NameList names = value.extract<Object::Ptr>()->getNames();
    if (index >= names.size()) return Status::NotFound;
    out = names[index];
    return Status::Ok;
}

Status JsonDocument::remove(std::string_view pointer) {
    const auto parsed = JsonPointer::parse(pointer);
    if (!parsed) return Status::InvalidArgument;
    const std::vector<std::string>& tokens = parsed->tokens();
    if (tokens.empty()) return Status::InvalidArgument;  // the root cannot be removed
    Var parent = root_;
    for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
        Var child;
        const Status status = step(parent, tokens[i], child);
        if (status != Status::Ok) return status;
        parent = child;
    }
    const std::string& last = tokens.back();
    if (jsonTypeOf(parent) == JsonType::Object) {
        Object::Ptr object = parent.extract<Object::Ptr>();
        if (!object->has(last)) return Status::NotFound;
        object->remove(last);
        return Status::Ok;
    }
    if (jsonTypeOf(parent) != JsonType::Array) return Status::TypeMismatch;
    if (last == "-") return Status::InvalidArgument;  // "-" names an element that does not exist yet
    Array::Ptr array = parent.extract<Array::Ptr>();
    std::size_t index = 0;
    const Status status = arrayPosition(*array, last, index);
    if (status == Status::Ok) array->remove(static_cast<unsigned>(index));
    return status;
}

Status JsonDocument::set(std::string_view pointer, std::string_view json) {
    const auto parsed = JsonPointer::parse(pointer);
    if (!parsed) return Status::InvalidArgument;
    const std::vector<std::string>& tokens = parsed->tokens();
    if (!std::all_of(tokens.begin(), tokens.end(), isAcceptedMemberName)) return Status::InvalidArgument;
    const int maxDepth = std::clamp(limits_.maxDepth, 0, JsonLimits::kMaxSupportedDepth);
    if (tokens.size() > static_cast<std::size_t>(maxDepth)) return Status::InvalidArgument;

    // The value may only be as deep as the room left below the pointer.
    JsonLimits valueLimits = limits_;
    valueLimits.maxDepth = maxDepth - static_cast<int>(tokens.size());
    JsonValueResult value = parseJsonValue(json, valueLimits);
    if (!value.ok()) return Status::InvalidArgument;

    if (tokens.empty()) {
        if (jsonTypeOf(value.value) != JsonType::Object) return Status::TypeMismatch;
        root_ = value.value.extract<Object::Ptr>();
        sizeEstimate_ = json.size();
        return Status::Ok;
    }
    const std::size_t added = addedBytes(tokens, value.value);
    if (!hasRoomFor(added)) return Status::InvalidArgument;
    // Walk to the parent. Nothing is modified until the walk has succeeded, except for
    // creating missing parents, after which no step can fail any more.
    Var parent = root_;
    for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
        Var child;
        const Status status = step(parent, tokens[i], child);
        if (status == Status::NotFound && jsonTypeOf(parent) == JsonType::Object) {
            child = containerFor(tokens[i + 1]);
            Object::Ptr object = parent.extract<Object::Ptr>();
            object->set(tokens[i], child);
        } else if (status == Status::NotFound && tokens[i] == "-") {
            child = containerFor(tokens[i + 1]);
            Array::Ptr array = parent.extract<Array::Ptr>();
            array->add(child);
        } else if (status != Status::Ok) {
            return status;
        }
        if (!isContainer(child)) return Status::TypeMismatch;
        parent = child;
    }
    const Status status = store(parent, tokens.back(), value.value);
    if (status == Status::Ok) sizeEstimate_ += added;
    return status;
}

std::string JsonDocument::toJson() const { return toJsonText(root_); }

std::string JsonDocument::canonicalJson() const { return toCanonicalJsonText(root_); }

}  // namespace orderhost::document
