// orderhost/sdk/error.hpp — the exceptions a step may throw, and what the host sees of them.
//
// Exceptions never cross the C ABI: the SDK's boundary (plugin.hpp) catches them and turns
// them into an oh_status plus a report_error() message. Throw them freely from a step's
// constructor, run() or compensate(); use Outcome (outcome.hpp) for business results.
#ifndef ORDERHOST_SDK_ERROR_HPP
#define ORDERHOST_SDK_ERROR_HPP

#include <orderhost/plugin_api.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace orderhost::sdk {

// Error
//
// A failed host service call or malformed value: carries the oh_status the host returned (or
// the SDK decided) and the JSON Pointer it was about. The boundary reports what() with
// report_error() and returns status() to the host, so the step ends as FAIL.
//
// Example:
//   try { id = call.order().string("/customer/id"); }
//   catch (const sdk::Error& e) { if (e.status() == OH_STATUS_NOT_FOUND) { ... } }
class Error : public std::runtime_error {
 public:
  Error(oh_status status, std::string path, const std::string& message)
      : std::runtime_error(path.empty() ? message : path + ": " + message),
        status_(status),
        path_(std::move(path)) {}

  // The status to hand to the host (never OH_STATUS_OK).
  oh_status status() const noexcept { return status_; }

  // The JSON Pointer the error is about; empty when it is about no particular value.
  const std::string& path() const noexcept { return path_; }

 private:
  oh_status status_;
  std::string path_;
};

// ConfigError
//
// Thrown by a step's constructor to refuse its configuration. The host shows the message to
// the administrator next to the chain step, so name the field and say what is expected.
// create() then returns OH_STATUS_INVALID_CONFIG.
//
// Example:
//   if (ctx.config().type("/catalog") != sdk::JsonType::object)
//     throw sdk::ConfigError("catalog", "must be an object");
class ConfigError : public Error {
 public:
  ConfigError(std::string field, const std::string& message)
      : Error(OH_STATUS_INVALID_CONFIG, std::string(), "config field '" + field + "' " + message),
        field_(std::move(field)) {}

  // The configuration field that was refused, as the administrator writes it.
  const std::string& field() const noexcept { return field_; }

 private:
  std::string field_;
};

// Retryable
//
// A transient failure (a deadlock, a lock timeout, a gateway that did not answer): the SDK
// returns OH_STATUS_RETRYABLE (ABI 1.1), which the host makes a RETRY of the step (or of the
// undo, from compensate()) under the chain's retry policy, instead of a FAIL followed by
// compensation. The step's document and database changes of the attempt are dropped. A 1.0
// host treats the status as OH_STATUS_INTERNAL_ERROR, i.e. a FAIL: where that matters, return
// sdk::Outcome::retry(...) instead, which means the same on every host.
//
// Example:
//   if (gateway.timedOut()) throw sdk::Retryable("payment gateway did not answer");
class Retryable : public Error {
 public:
  explicit Retryable(const std::string& message)
      : Error(OH_STATUS_RETRYABLE, std::string(), message) {}
};

// Human-readable name of an oh_status, for messages ("not found", "type mismatch").
inline const char* statusName(oh_status status) noexcept {
  switch (status) {
    case OH_STATUS_OK:
      return "ok";
    case OH_STATUS_INVALID_ARGUMENT:
      return "invalid argument";
    case OH_STATUS_NOT_FOUND:
      return "not found";
    case OH_STATUS_TYPE_MISMATCH:
      return "type mismatch";
    case OH_STATUS_INVALID_CONFIG:
      return "invalid config";
    case OH_STATUS_UNAVAILABLE:
      return "unavailable";
    case OH_STATUS_RETRYABLE:
      return "retryable";
    case OH_STATUS_ABANDONED:
      return "abandoned (the host stopped waiting for this call)";
    default:
      return "internal error";
  }
}

}  // namespace orderhost::sdk

#endif  // ORDERHOST_SDK_ERROR_HPP
