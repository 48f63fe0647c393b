// Resuming orders a previous run of this host left mid-chain (killed, crashed, power lost).
//
// Every step transition is committed with its step-run record, so an order's row says exactly
// which step is next. At start the host claims the running orders (received, in_progress,
// compensating) that it held itself — its id includes the port it now holds, so their previous
// holder is gone — and those whose lease expired, and runs each on from its checkpoint. The
// step that was running at the crash had not committed: it runs again, with the same
// idempotency key, so its effects on the host's database happen once and external systems can
// recognise the repeat. Orders other live hosts hold are left to them; if such a host dies,
// the OrderPoller takes its orders over once their leases expire.
#pragma once

#include "host/engine/ChainRunner.h"

namespace orderhost::engine {

struct RecoveryReport {
    std::size_t resumed = 0;
    std::size_t skipped = 0;  // chain version not loaded, or the resume failed; left for later
};

RecoveryReport resumeUnfinishedOrders(Engine& engine, ChainRunner& runner);

}  // namespace orderhost::engine
