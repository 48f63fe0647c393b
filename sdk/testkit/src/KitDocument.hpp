// KitDocument.hpp — the test kit's JSON documents: JSON Pointer reads and writes over
// nlohmann::ordered_json with the host's semantics (members keep insertion order, integers
// stay exact, "/x/-" appends, missing parent objects are created, a bad array index is an
// INVALID_ARGUMENT, an index past the end NOT_FOUND), each returning the oh_status the
// corresponding host service returns.
#ifndef ORDERHOST_TESTKIT_KIT_DOCUMENT_HPP
#define ORDERHOST_TESTKIT_KIT_DOCUMENT_HPP

#include <orderhost/plugin_api.h>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace orderhost::testkit {

using Json = nlohmann::ordered_json;

// The host's nesting limit (host/document/JsonSyntax.h): a scalar has depth 0, {} and [] 1.
constexpr std::size_t kMaxDepth = 64;

// Parses one JSON value at most `maxDepth` deep; std::nullopt with `error` set (position and
// reason) when invalid or deeper.
std::optional<Json> parseJson(std::string_view text, std::string& error,
                              std::size_t maxDepth = kMaxDepth);

// Compact JSON text; invalid UTF-8 (which parsing never lets in) is replaced, not thrown.
std::string dumpJson(const Json& value);

// The value at `pointer`, or the status get_json would return.
oh_status findValue(const Json& root, std::string_view pointer, const Json*& out);

// set_json: stores the parsed `json` at `pointer`. "" replaces the document (objects only).
// On any error the document is unchanged.
oh_status setValue(Json& root, std::string_view pointer, std::string_view json);

// remove_value: removes a member or an array element. "" is INVALID_ARGUMENT.
oh_status removeValue(Json& root, std::string_view pointer);

}  // namespace orderhost::testkit

#endif  // ORDERHOST_TESTKIT_KIT_DOCUMENT_HPP
