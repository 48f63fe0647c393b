// A JSON document whose root is an object, read and written through JSON Pointers. It
// backs the document services of the plugin ABI (get_json, get_string, get_int, get_size,
// set_json; since 1.1 get_bool, get_key, remove_value) for both the order document (OH_DOC_ORDER) and a step's
// configuration (OH_DOC_CONFIG), so every operation maps 1:1 onto one service and reports a Status that mirrors
// oh_status instead of throwing: these calls sit behind a C boundary.
//
//   auto parsed = JsonDocument::parse(R"({"lines":[{"sku":"A","quantity":2}]})");
//   JsonDocument& order = *parsed.document;
//   std::int64_t quantity = 0;
//   order.getInt("/lines/0/quantity", quantity);        // Status::Ok, quantity == 2
//   order.set("/notes/-", R"("checked")");              // creates "notes": ["checked"]
//   order.toJson();  // {"lines":[{"sku":"A","quantity":2}],"notes":["checked"]}
//   order.canonicalJson();  // {"lines":[{"quantity":2,"sku":"A"}],"notes":["checked"]}
#pragma once

#include "host/document/JsonSyntax.h"

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace orderhost::document {

// Mirrors oh_status (same numeric values) for the statuses a document operation can give.
enum class Status : std::int32_t {
    Ok = 0,               // OH_STATUS_OK
    InvalidArgument = 1,  // OH_STATUS_INVALID_ARGUMENT: malformed pointer, JSON or index
    NotFound = 2,         // OH_STATUS_NOT_FOUND: nothing at that pointer
    TypeMismatch = 3,     // OH_STATUS_TYPE_MISMATCH: something of another JSON type is there
};

// "ok", "invalid argument", "not found", "type mismatch".
const char* toString(Status status);

struct JsonDocumentResult;

class JsonDocument {
public:
    // An empty object, {}.
    explicit JsonDocument(const JsonLimits& limits = {});

    // Parses `text`, which must be a JSON object within `limits`. The limits are kept and
    // also bound later set() calls: the value's nesting plus the pointer's length may not
    // exceed limits.maxDepth, and the whole document may not grow beyond limits.maxBytes,
    // so toJson() always parses again with the same limits.
    static JsonDocumentResult parse(std::string_view text, const JsonLimits& limits = {});

    JsonDocument(JsonDocument&&) noexcept = default;
    JsonDocument& operator=(JsonDocument&&) noexcept = default;
    // Copies would share Poco's reference-counted nodes; use clone() for a deep copy.
    JsonDocument(const JsonDocument&) = delete;
    JsonDocument& operator=(const JsonDocument&) = delete;
    JsonDocument clone() const;

    // The value at `pointer` as compact JSON text (strings quoted).
    Status getJson(std::string_view pointer, std::string& out) const;
    // A string value, unescaped. TypeMismatch for any other type.
    Status getString(std::string_view pointer, std::string& out) const;
    // An integer that fits int64. TypeMismatch for floats (even 2.0) and larger integers.
    Status getInt(std::string_view pointer, std::int64_t& out) const;
    // Elements of an array or members of an object. TypeMismatch for scalars.
    Status getSize(std::string_view pointer, std::size_t& out) const;
    // JSON true/false. TypeMismatch for anything else (0/1 and "true" included).
    Status getBool(std::string_view pointer, bool& out) const;
    // The name of the index-th member of the object at `pointer`, in document order (the
    // order in which members were first written). NotFound past the last member,
    // TypeMismatch when the value is not an object.
    Status getKey(std::string_view pointer, std::size_t index, std::string& out) const;

    // Removes the member or array element at `pointer` (later elements move down by one).
    // NotFound when there is nothing there; InvalidArgument for "" (the root stays) and "-".
    Status remove(std::string_view pointer);

    // Sets the value at `pointer` to the JSON `json`. Missing parent objects are created;
    // "/x/-" appends to array x (created when missing); an existing array index is replaced.
    // A parent that is a scalar is a TypeMismatch. "" replaces the whole document and only
    // accepts an object (TypeMismatch otherwise). A value too deep for the limits, or one
    // that would make the document larger than limits.maxBytes, is an InvalidArgument, and
    // so is a pointer part that is not valid UTF-8 or holds a NUL (no JSON text could name it).
    // On any error the document is unchanged.
    Status set(std::string_view pointer, std::string_view json);

    // Compact, deterministic text: members in insertion order, integers exact.
    std::string toJson() const;

    // Like toJson() but with the members of every object sorted by name (see
    // toCanonicalJsonText), so it identifies the content whatever order the sender used:
    // hash this, store toJson().
    std::string canonicalJson() const;

    // The root, for read-only walks such as OrderSchema. Never null.
    const Poco::JSON::Object::Ptr& root() const { return root_; }

private:
    Status find(std::string_view pointer, Poco::Dynamic::Var& out) const;
    bool hasRoomFor(std::size_t bytes);

    Poco::JSON::Object::Ptr root_;
    JsonLimits limits_;
    // An upper bound of toJson().size(), kept cheaply; measured exactly only near the limit.
    std::size_t sizeEstimate_ = 2;
};

// The result of JsonDocument::parse: `document` is set when `error` is empty.
struct JsonDocumentResult {
    std::optional<JsonDocument> document;
    std::optional<JsonParseError> error;
    bool ok() const { return document.has_value(); }
};

// The order document is a JsonDocument; the name says which role an instance plays.
using OrderDocument = JsonDocument;

}  // namespace orderhost::document
