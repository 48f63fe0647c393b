// The host's side of one plugin call: what oh_context points to.
//
// The C ABI hands plugins an opaque `oh_context*`; this is its definition. A context lives on
// the host's stack for exactly one call (create, run or compensate) and collects what the
// plugin reports during it: the outcome, an error explanation, and the strings the host
// handed out (which must stay valid until the call returns, hence a deque).
#pragma once

#include "host/document/JsonDocument.h"

#include <orderhost/plugin_api.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace orderhost::store {
class Datasources;
class StepTransaction;
}  // namespace orderhost::store

namespace orderhost::services {

// Milliseconds since the Unix epoch; injectable so tests control time.
using Clock = std::function<std::int64_t()>;
std::int64_t systemClockMs();

// An event a step added through orderhost.events/1, validated; kept with the step's result.
struct EmittedEvent {
    std::string type;
    std::string payloadJson;  // a JSON object, re-serialised by the host
};

// A step's outcome, copied out of the plugin's oh_outcome.
struct ReportedOutcome {
    oh_outcome_kind kind = OH_OUTCOME_CONTINUE;
    std::string code;
    std::string message;
    std::uint64_t retryAfterMs = 0;
    std::string signal;
    std::uint64_t timeoutMs = 0;
    // orderhost.events/1: what the call emitted; the runner keeps them only with the result.
    std::vector<EmittedEvent> events{};
};

// Whom a log line is about.
struct CallIdentity {
    std::string pluginId;
    std::string chain;
    std::string step;
    std::string orderId;  // empty during create()
};

}  // namespace orderhost::services

struct oh_context {
    orderhost::services::CallIdentity identity;
    const orderhost::document::JsonDocument* config = nullptr;
    orderhost::document::JsonDocument* order = nullptr;  // nullptr during create()
    orderhost::services::Clock clock;
    // The orderhost.db extension's databases, set for run()/compensate() only. `transaction`
    // is the step attempt's transaction on the host's own database ("orderhost"); nullptr
    // means the call has no host database. Both are owned by the runner and outlive the call.
    orderhost::store::StepTransaction* transaction = nullptr;
    orderhost::store::Datasources* datasources = nullptr;

    // Set by the runner (from another thread) when it stops waiting for the call; owned by
    // the runner's call state, which outlives the call. nullptr: the call is never abandoned.
    const std::atomic<bool>* abandoned = nullptr;

    std::optional<orderhost::services::ReportedOutcome> outcome;
    std::string unreadableOutcome;  // why the last report_outcome could not be read, or ""
    std::string error;
    std::deque<std::string> handedOut;                      // strings returned to the plugin during this call
    std::vector<orderhost::services::EmittedEvent> events;  // orderhost.events/1, in order

    // From now on every service of this context refuses with OH_STATUS_ABANDONED.
    bool isAbandoned() const { return abandoned != nullptr && abandoned->load(std::memory_order_acquire); }
};
