// orderhost.events/1 (ABI 1.1): a step adds events to its own checkpoint's outbox.
//
// emit() validates the event as ext/events.h says and appends it to the call's context; the
// runner writes the events of a kept result into the outbox in the checkpoint's transaction
// (engine/OrderEvents: pluginEventsFor) and drops them with a RETRY, a FAIL or a timeout.
#pragma once

#include <orderhost/ext/events.h>

namespace orderhost::services {

// The table, valid for the life of the process.
const oh_events_ext& eventsExtension();

}  // namespace orderhost::services
