// orderhost/sdk/document.hpp — typed reads and writes of the order document and step config.
//
// The host owns both JSON documents; a plugin reaches them only through the host services
// (get_json, get_string, get_int, get_size, set_json; since ABI 1.1 get_bool, get_key,
// remove_value) with JSON Pointer paths (RFC 6901). On a 1.0 host the 1.1 wrappers fall back
// to what plugin_api.h says (boolean: the get_json text; keys: parsing the object's JSON;
// remove: setting null), so one plugin binary runs on both.
// Document wraps those calls with C++ types: a missing or mistyped value throws sdk::Error
// carrying the host's status and the path, so the common case needs no status checks.
//
// Thread contract: a Document is a view bound to one plugin call (its oh_context). Use it only
// inside that call, on the thread that received it; never store it in the step.
#ifndef ORDERHOST_SDK_DOCUMENT_HPP
#define ORDERHOST_SDK_DOCUMENT_HPP

#include <orderhost/plugin_api.h>
#include <orderhost/sdk/error.hpp>
#include <orderhost/sdk/json.hpp>
#include <orderhost/sdk/json_keys.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

// True when the host's services table (a pointer) has `field`, a service added after ABI 1.0,
// and it is set: ORDERHOST_SDK_HAS_SERVICE(services, get_bool).
#define ORDERHOST_SDK_HAS_SERVICE(services, field) \
  (OH_HAS_FIELD((services), oh_host_services, field) && (services)->field != nullptr)

namespace orderhost::sdk {

// Converts between std::string_view and the ABI's borrowed {ptr,len} string.
inline oh_str toOhStr(std::string_view s) noexcept { return oh_str{s.data(), s.size()}; }
inline std::string_view toView(oh_str s) noexcept {
  return s.ptr != nullptr ? std::string_view(s.ptr, s.len) : std::string_view();
}

// Document
//
// Read access to one JSON document: the step config (OH_DOC_CONFIG, ctx.config() and
// call.config()) or the order (call.order(), see OrderDocument). Getters throw sdk::Error with
// OH_STATUS_NOT_FOUND / OH_STATUS_TYPE_MISMATCH; optional* getters return std::nullopt for a
// missing value or JSON null and still throw on another type.
//
// Example:
//   std::string id = call.order().string("/customer/id");
//   std::int64_t max = ctx.config().optionalInteger("/max_lines").value_or(500);
//   for (const std::string& sku : ctx.config().keys("/catalog")) { ... }
class Document {
 public:
  Document(const oh_host_services& services, oh_context* ctx, oh_document doc) noexcept
      : services_(&services), ctx_(ctx), doc_(doc) {}

  // The string at `path`, unescaped. Copies: safe to keep after the call.
  std::string string(std::string_view path) const { return std::string(stringView(path)); }

  // The string at `path` without a copy. The view points to host memory that is valid only
  // until the current plugin call returns.
  std::string_view stringView(std::string_view path) const {
    oh_str out{nullptr, 0};
    check(services_->get_string(ctx_, doc_, toOhStr(path), &out), path, "a string");
    return toView(out);
  }

  std::optional<std::string> optionalString(std::string_view path) const {
    oh_str out{nullptr, 0};
    oh_status st = services_->get_string(ctx_, doc_, toOhStr(path), &out);
    if (absent(st, path)) return std::nullopt;
    check(st, path, "a string");
    return std::string(toView(out));
  }

  // The integer at `path` (money is integer minor units; 19.99 is a type mismatch).
  std::int64_t integer(std::string_view path) const {
    std::int64_t out = 0;
    check(services_->get_int(ctx_, doc_, toOhStr(path), &out), path, "an integer");
    return out;
  }

  std::optional<std::int64_t> optionalInteger(std::string_view path) const {
    std::int64_t out = 0;
    oh_status st = services_->get_int(ctx_, doc_, toOhStr(path), &out);
    if (absent(st, path)) return std::nullopt;
    check(st, path, "an integer");
    return out;
  }

  // true/false at `path` (get_bool; on a 1.0 host the get_json text).
  bool boolean(std::string_view path) const {
    if (ORDERHOST_SDK_HAS_SERVICE(services_, get_bool)) {
      std::int32_t out = 0;
      check(services_->get_bool(ctx_, doc_, toOhStr(path), &out), path, "a boolean");
      return out != 0;
    }
    std::string text = json(path);
    if (text == "true") return true;
    if (text == "false") return false;
    throw Error(OH_STATUS_TYPE_MISMATCH, std::string(path), "expected a boolean");
  }

  std::optional<bool> optionalBoolean(std::string_view path) const {
    if (ORDERHOST_SDK_HAS_SERVICE(services_, get_bool)) {
      std::int32_t out = 0;
      oh_status st = services_->get_bool(ctx_, doc_, toOhStr(path), &out);
      if (absent(st, path)) return std::nullopt;
      check(st, path, "a boolean");
      return out != 0;
    }
    std::optional<std::string> text = optionalJson(path);
    if (!text || *text == "null") return std::nullopt;
    return boolean(path);
  }

  // Elements of the array, or members of the object, at `path`.
  std::size_t size(std::string_view path) const {
    std::size_t out = 0;
    check(services_->get_size(ctx_, doc_, toOhStr(path), &out), path, "an array or object");
    return out;
  }

  // Whether a value (JSON null included) exists at `path`.
  bool has(std::string_view path) const { return optionalJson(path).has_value(); }

  // The value at `path` as JSON text (strings quoted), e.g. to pass on unchanged.
  std::string json(std::string_view path) const {
    oh_str out{nullptr, 0};
    check(services_->get_json(ctx_, doc_, toOhStr(path), &out), path, "a value");
    return std::string(toView(out));
  }

  std::optional<std::string> optionalJson(std::string_view path) const {
    oh_str out{nullptr, 0};
    oh_status st = services_->get_json(ctx_, doc_, toOhStr(path), &out);
    if (st == OH_STATUS_NOT_FOUND) return std::nullopt;
    check(st, path, "a value");
    return std::string(toView(out));
  }

  // The JSON type of the value at `path`; throws OH_STATUS_NOT_FOUND when there is none.
  JsonType type(std::string_view path) const { return jsonTypeOf(json(path)); }

  // Member names of the object at `path`, in document order (get_size + get_key; on a 1.0
  // host by parsing the object's JSON text).
  std::vector<std::string> keys(std::string_view path) const {
    if (ORDERHOST_SDK_HAS_SERVICE(services_, get_key)) {
      std::size_t count = 0;
      check(services_->get_size(ctx_, doc_, toOhStr(path), &count), path, "an object");
      std::vector<std::string> names;
      names.reserve(count);
      for (std::size_t i = 0; i < count; ++i) {
        oh_str key{nullptr, 0};
        check(services_->get_key(ctx_, doc_, toOhStr(path), i, &key), path, "an object");
        names.emplace_back(toView(key));
      }
      return names;
    }
    try {
      return objectKeys(json(path));
    } catch (const Error& e) {
      if (!e.path().empty()) throw;
      throw Error(e.status(), std::string(path), e.what());
    }
  }

 protected:
  // Throws for any status but OK, naming the path and, for a mismatch, what was expected.
  static void check(oh_status st, std::string_view path, const char* expected) {
    if (st == OH_STATUS_OK) return;
    std::string message = st == OH_STATUS_TYPE_MISMATCH ? std::string("expected ") + expected
                                                        : std::string(statusName(st));
    throw Error(st, std::string(path), message);
  }

  // NOT_FOUND, or a TYPE_MISMATCH because the value is JSON null: both mean "not given".
  bool absent(oh_status st, std::string_view path) const {
    if (st == OH_STATUS_NOT_FOUND) return true;
    if (st != OH_STATUS_TYPE_MISMATCH) return false;
    oh_str out{nullptr, 0};
    return services_->get_json(ctx_, doc_, toOhStr(path), &out) == OH_STATUS_OK &&
           toView(out) == "null";
  }

  const oh_host_services* services_;
  oh_context* ctx_;
  oh_document doc_;
};

// OrderDocument
//
// The order: everything Document reads, plus writes. Writes become part of the step's result
// and are saved only if its outcome is saved. Missing parent objects are created; a path
// ending in "/-" appends to an array.
//
// Example:
//   order.set(sdk::path("lines", i, "total"), total);          // integer
//   order.set("/status_note", "Ada's \"rush\" order");          // escaped for you
//   order.setJson("/totals", sdk::JsonObject().add("net", net).str());
class OrderDocument : public Document {
 public:
  OrderDocument(const oh_host_services& services, oh_context* ctx) noexcept
      : Document(services, ctx, OH_DOC_ORDER) {}

  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  void set(std::string_view path, T value) const {
    if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(std::int64_t)) {
      if (value > static_cast<T>(INT64_MAX))
        throw Error(OH_STATUS_INVALID_ARGUMENT, std::string(path), "integer exceeds int64");
    }
    setJson(path, std::to_string(value));
  }
  void set(std::string_view path, std::string_view value) const { setJson(path, jsonQuote(value)); }
  // Without this overload a string literal would convert to bool, not to string_view.
  void set(std::string_view path, const char* value) const { set(path, std::string_view(value)); }
  void set(std::string_view path, bool value) const { setJson(path, value ? "true" : "false"); }
  void setNull(std::string_view path) const { setJson(path, "null"); }

  // Removes the member or array element at `path` (later elements move down); false when
  // there was nothing to remove. On a 1.0 host (no remove_value) the value is set to null
  // instead, as plugin_api.h says: read it back with the optional* getters.
  bool remove(std::string_view path) const {
    if (ORDERHOST_SDK_HAS_SERVICE(services_, remove_value)) {
      oh_status st = services_->remove_value(ctx_, toOhStr(path));
      if (st == OH_STATUS_NOT_FOUND) return false;
      if (st != OH_STATUS_OK)
        throw Error(st, std::string(path), std::string("cannot remove: ") + statusName(st));
      return true;
    }
    if (!has(path)) return false;
    setNull(path);
    return true;
  }

  // Sets the value at `path` to the JSON text `json` (an object, array or scalar).
  void setJson(std::string_view path, std::string_view json) const {
    oh_status st = services_->set_json(ctx_, toOhStr(path), toOhStr(json));
    if (st != OH_STATUS_OK)
      throw Error(st, std::string(path), std::string("cannot set: ") + statusName(st));
  }
};

}  // namespace orderhost::sdk

#endif  // ORDERHOST_SDK_DOCUMENT_HPP
