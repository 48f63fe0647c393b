// orderhost/sdk/events.hpp — a step publishes events with its result (orderhost.events/1).
//
// Events go into the host's outbox in the same transaction as the step's checkpoint: they
// exist exactly when the step's result was kept (CONTINUE, REJECT, SUSPEND, a successful
// undo) and leave the host (events feed, webhooks) only after the commit. A RETRY, FAIL or
// timeout drops them with the rest of the attempt. See ext/events.h for the rules on types
// and payloads. On a 1.0 host the extension does not exist: available() is false and emit()
// throws sdk::Error(OH_STATUS_UNAVAILABLE).
//
// Thread contract: bound to one call like Document; use it only during run()/compensate().
#ifndef ORDERHOST_SDK_EVENTS_HPP
#define ORDERHOST_SDK_EVENTS_HPP

#include <orderhost/ext/events.h>
#include <orderhost/plugin_api.h>
#include <orderhost/sdk/error.hpp>

#include <string>
#include <string_view>

namespace orderhost::sdk {

// Events
//
// Example:
//   call.events().emit("invoice.issued",
//                      sdk::JsonObject().add("invoice", number).add("total_minor", total).str());
class Events {
 public:
  Events(const oh_host_services& services, oh_context* ctx) noexcept : ctx_(ctx) {
    const void* ext =
        services.get_extension != nullptr ? services.get_extension(OH_EXT_EVENTS) : nullptr;
    const auto* events = static_cast<const oh_events_ext*>(ext);
    ext_ = events != nullptr && OH_HAS_FIELD(events, oh_events_ext, emit) && events->emit != nullptr
               ? events
               : nullptr;
  }

  // Whether the host offers orderhost.events/1 (a 1.1 host or later).
  bool available() const noexcept { return ext_ != nullptr; }

  // Adds an event of `type` ("invoice.issued") with a JSON object payload ("" means {}).
  // Throws sdk::Error: OH_STATUS_INVALID_ARGUMENT for a refused type or payload (the host's
  // reason is in the message), OH_STATUS_UNAVAILABLE on a 1.0 host or outside run/compensate.
  void emit(std::string_view type, std::string_view payload_json = {}) const {
    if (ext_ == nullptr)
      throw Error(OH_STATUS_UNAVAILABLE, std::string(),
                  "the host does not offer " OH_EXT_EVENTS " (ABI 1.0 host)");
    oh_status st = ext_->emit(ctx_, oh_str{type.data(), type.size()},
                              oh_str{payload_json.data(), payload_json.size()});
    if (st != OH_STATUS_OK)
      throw Error(st, std::string(),
                  "event '" + std::string(type) + "' not emitted: " + statusName(st));
  }

 private:
  oh_context* ctx_;
  const oh_events_ext* ext_ = nullptr;
};

}  // namespace orderhost::sdk

#endif  // ORDERHOST_SDK_EVENTS_HPP
