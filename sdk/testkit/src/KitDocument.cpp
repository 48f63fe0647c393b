// KitDocument.cpp — JSON Pointer (RFC 6901) walks over nlohmann::ordered_json.
#include "KitDocument.hpp"

#include "KitText.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace orderhost::testkit {
namespace {

// "/a/b~1c" -> {"a", "b/c"}; false when `pointer` is not a JSON Pointer.
bool splitPointer(std::string_view pointer, std::vector<std::string>& tokens) {
  if (pointer.empty()) return true;
  if (pointer[0] != '/') return false;
  std::string token;
  for (std::size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      tokens.push_back(token);
      token.clear();
    } else if (pointer[i] == '~') {
      if (i + 1 >= pointer.size() || (pointer[i + 1] != '0' && pointer[i + 1] != '1')) return false;
      token.push_back(pointer[++i] == '0' ? '~' : '/');
    } else {
      token.push_back(pointer[i]);
    }
  }
  return true;
}

// An array index token: digits without a leading zero ("0" itself is fine).
std::optional<std::size_t> arrayIndex(const std::string& token) {
  if (token.empty() || token.size() > 18 ||
      token.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  if (token.size() > 1 && token[0] == '0') return std::nullopt;
  return static_cast<std::size_t>(std::stoull(token));
}

// The child `token` of `container`, or the status to report.
oh_status child(Json& container, const std::string& token, Json*& out) {
  if (container.is_object()) {
    auto it = container.find(token);
    if (it == container.end()) return OH_STATUS_NOT_FOUND;
    out = &*it;
    return OH_STATUS_OK;
  }
  if (!container.is_array()) return OH_STATUS_TYPE_MISMATCH;
  if (token == "-") return OH_STATUS_NOT_FOUND;
  std::optional<std::size_t> index = arrayIndex(token);
  if (!index) return OH_STATUS_INVALID_ARGUMENT;
  if (*index >= container.size()) return OH_STATUS_NOT_FOUND;
  out = &container[*index];
  return OH_STATUS_OK;
}

// The host's limits on the order document (host/document/JsonSyntax.h, JsonLimits): text of
// at most 4 MiB, nesting at most 64 deep, member names valid UTF-8 without NUL.
constexpr std::size_t kMaxDocumentBytes = 4 * 1024 * 1024;

bool isAcceptedName(const std::string& name) {
  for (std::size_t i = 0; i < name.size();) {
    std::uint32_t codePoint = 0;
    const std::size_t length = utf8CharAt(name, i, codePoint);
    if (length == 0 || codePoint == 0) return false;
    i += length;
  }
  return true;
}

}  // namespace

std::optional<Json> parseJson(std::string_view text, std::string& error, std::size_t maxDepth) {
  // Bounded while parsing: a deeper value is refused before anything recursive (dump, a depth
  // count) could overflow the stack on it.
  const auto bounded = [maxDepth](int depth, Json::parse_event_t event, Json&) {
    const bool opens =
        event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start;
    if (opens && static_cast<std::size_t>(depth) + 1 > maxDepth)
      throw std::length_error("nesting deeper than " + std::to_string(maxDepth) + " levels");
    return true;
  };
  try {
    return Json::parse(text.begin(), text.end(), bounded);
  } catch (const Json::exception& e) {
    error = e.what();
  } catch (const std::length_error& e) {
    error = e.what();
  }
  return std::nullopt;
}

std::string dumpJson(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

oh_status findValue(const Json& root, std::string_view pointer, const Json*& out) {
  std::vector<std::string> tokens;
  if (!splitPointer(pointer, tokens)) return OH_STATUS_INVALID_ARGUMENT;
  Json* current = const_cast<Json*>(&root);  // child() does not modify; one walker for both
  for (const std::string& token : tokens) {
    oh_status status = child(*current, token, current);
    if (status != OH_STATUS_OK) return status;
  }
  out = current;
  return OH_STATUS_OK;
}

oh_status setValue(Json& root, std::string_view pointer, std::string_view json) {
  std::vector<std::string> tokens;
  if (!splitPointer(pointer, tokens)) return OH_STATUS_INVALID_ARGUMENT;
  if (tokens.size() > kMaxDepth || !std::all_of(tokens.begin(), tokens.end(), isAcceptedName))
    return OH_STATUS_INVALID_ARGUMENT;
  if (json.size() > kMaxDocumentBytes) return OH_STATUS_INVALID_ARGUMENT;
  std::string error;
  std::optional<Json> value = parseJson(json, error, kMaxDepth - tokens.size());
  if (!value) return OH_STATUS_INVALID_ARGUMENT;
  if (tokens.empty()) {
    if (!value->is_object()) return OH_STATUS_TYPE_MISMATCH;
    root = std::move(*value);
    return OH_STATUS_OK;
  }
  // Walk on a copy so that a failure half-way leaves the document unchanged.
  Json updated = root;
  Json* parent = &updated;
  for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
    Json* next = nullptr;
    oh_status status = child(*parent, tokens[i], next);
    const bool appendParent =
        status == OH_STATUS_NOT_FOUND && tokens[i] == "-" && parent->is_array();
    if (status == OH_STATUS_NOT_FOUND && (parent->is_object() || appendParent)) {
      Json made = tokens[i + 1] == "-" ? Json::array() : Json::object();
      if (parent->is_object())
        next = &((*parent)[tokens[i]] = std::move(made));
      else
        next = &(parent->emplace_back(std::move(made)));
    } else if (status != OH_STATUS_OK) {
      return status;
    }
    if (!next->is_object() && !next->is_array()) return OH_STATUS_TYPE_MISMATCH;
    parent = next;
  }
  const std::string& last = tokens.back();
  if (parent->is_object()) {
    (*parent)[last] = std::move(*value);
  } else if (last == "-") {
    parent->push_back(std::move(*value));
  } else {
    Json* slot = nullptr;
    oh_status status = child(*parent, last, slot);
    if (status != OH_STATUS_OK) return status;
    *slot = std::move(*value);
  }
  if (dumpJson(updated).size() > kMaxDocumentBytes) return OH_STATUS_INVALID_ARGUMENT;
  root = std::move(updated);
  return OH_STATUS_OK;
}

oh_status removeValue(Json& root, std::string_view pointer) {
  std::vector<std::string> tokens;
  if (!splitPointer(pointer, tokens)) return OH_STATUS_INVALID_ARGUMENT;
  if (tokens.empty()) return OH_STATUS_INVALID_ARGUMENT;
  Json* parent = &root;
  for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
    oh_status status = child(*parent, tokens[i], parent);
    if (status != OH_STATUS_OK) return status;
  }
  if (parent->is_array() && tokens.back() == "-")
    return OH_STATUS_INVALID_ARGUMENT;  // not yet there
  Json* target = nullptr;
  oh_status status = child(*parent, tokens.back(), target);
  if (status != OH_STATUS_OK) return status;
  if (parent->is_object())
    parent->erase(tokens.back());
  else
    parent->erase(*arrayIndex(tokens.back()));
  return OH_STATUS_OK;
}

}  // namespace orderhost::testkit
