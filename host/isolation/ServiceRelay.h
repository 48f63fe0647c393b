// The host's side of a service an isolated plugin called: runs it with the call's REAL
// services and context, and words the answer for the worker.
//
// Every request goes through the very functions an in-process plugin calls (the tables of
// services/HostServices.h, DatabaseExtension.h, EventsExtension.h) with the oh_context of
// the host's call: document reads and writes hit the call's document copy, orderhost.db
// statements run in the step's transaction under the same statement policy and limits,
// outcomes and messages are cleaned the same way, an abandoned call is refused the same way.
// Nothing of the plugin's memory is ever read here, only bytes from the frame.
#pragma once

#include "host/isolation/WorkerFrames.h"

#include <orderhost/plugin_api.h>

#include <optional>
#include <string>

namespace orderhost::isolation {

// Serves the service request `op` (whose fields follow in `request`) for the call `ctx`.
// Returns the Reply frame to send, or nothing for the messages that have no answer (log,
// report_outcome, report_error, log_plugin). Throws FrameError for a malformed request.
// `pluginId` tags log_plugin lines (a worker runs one plugin).
std::optional<std::string> serveServiceRequest(Op op, FrameReader& request, oh_context* ctx,
                                               const std::string& pluginId);

// True for the messages a worker may send while a call is in progress (besides Done).
bool isServiceRequest(Op op);

}  // namespace orderhost::isolation
