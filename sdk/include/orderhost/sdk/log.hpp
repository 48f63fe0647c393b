// orderhost/sdk/log.hpp — writing to the host's log from a step.
//
// Lines go through services->log, so the host tags them with plugin, step and order and they
// land wherever the host's log goes. Plugins must not write to stdout/stderr themselves.
// PluginLogger (ABI 1.1, log_plugin) needs no call: for a plugin's own background threads.
// The host escapes control characters in every line, so a line is always one line.
#ifndef ORDERHOST_SDK_LOG_HPP
#define ORDERHOST_SDK_LOG_HPP

#include <orderhost/plugin_api.h>

#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>

namespace orderhost::sdk {

// Logger
//
// Writes one line per call; several arguments are concatenated with operator<<.
// Bound to one plugin call like Document: use it only during that call.
//
// Example:
//   call.log().info("line ", i, ": unit_price filled from catalog (", price, ")");
//   ctx.log().warn("allow_unknown_skus is on: SKUs are not checked");
class Logger {
 public:
  Logger(const oh_host_services& services, oh_context* ctx) noexcept
      : services_(&services), ctx_(ctx) {}

  // Writes `message` at `level` (OH_LOG_*).
  void write(oh_log_level level, std::string_view message) const noexcept {
    services_->log(ctx_, level, oh_str{message.data(), message.size()});
  }

  template <class... Parts>
  void trace(const Parts&... parts) const {
    emit(OH_LOG_TRACE, parts...);
  }
  template <class... Parts>
  void debug(const Parts&... parts) const {
    emit(OH_LOG_DEBUG, parts...);
  }
  template <class... Parts>
  void info(const Parts&... parts) const {
    emit(OH_LOG_INFO, parts...);
  }
  template <class... Parts>
  void warn(const Parts&... parts) const {
    emit(OH_LOG_WARN, parts...);
  }
  template <class... Parts>
  void error(const Parts&... parts) const {
    emit(OH_LOG_ERROR, parts...);
  }

 private:
  template <class... Parts>
  void emit(oh_log_level level, const Parts&... parts) const {
    if constexpr (sizeof...(Parts) == 1 &&
                  (std::is_convertible_v<const Parts&, std::string_view> && ...)) {
      write(level, std::string_view(parts...));  // no formatting for a plain message
    } else {
      std::ostringstream line;
      (line << ... << parts);
      write(level, line.str());
    }
  }

  const oh_host_services* services_;
  oh_context* ctx_;
};

// PluginLogger
//
// Writes lines tagged with the plugin's id only, without a call context: usable from any
// thread, at any time after the entry function returned (sdk::pluginLog() gives one). On a 1.0
// host there is no such service: available() is false and the lines are dropped.
//
// Example:
//   sdk::pluginLog().warn("ledger sync thread: retrying in ", delay_ms, " ms");
class PluginLogger {
 public:
  PluginLogger(const oh_host_services* services, const oh_plugin_info* plugin) noexcept
      : services_(services), plugin_(plugin) {}

  bool available() const noexcept {
    return services_ != nullptr && OH_HAS_FIELD(services_, oh_host_services, log_plugin) &&
           services_->log_plugin != nullptr;
  }

  void write(oh_log_level level, std::string_view message) const noexcept {
    if (available()) services_->log_plugin(plugin_, level, oh_str{message.data(), message.size()});
  }

  template <class... Parts>
  void debug(const Parts&... parts) const {
    emit(OH_LOG_DEBUG, parts...);
  }
  template <class... Parts>
  void info(const Parts&... parts) const {
    emit(OH_LOG_INFO, parts...);
  }
  template <class... Parts>
  void warn(const Parts&... parts) const {
    emit(OH_LOG_WARN, parts...);
  }
  template <class... Parts>
  void error(const Parts&... parts) const {
    emit(OH_LOG_ERROR, parts...);
  }

 private:
  template <class... Parts>
  void emit(oh_log_level level, const Parts&... parts) const {
    if (!available()) return;
    std::ostringstream line;
    (line << ... << parts);
    write(level, line.str());
  }

  const oh_host_services* services_;
  const oh_plugin_info* plugin_;
};

}  // namespace orderhost::sdk

#endif  // ORDERHOST_SDK_LOG_HPP
