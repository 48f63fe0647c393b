// Resuming orders a previous run of the host left mid-chain (killed, crashed, power lost).
//
// Every step transition is committed with its step-run record, so an order's row says exactly
// which step is next. Recovery runs each `received` or `in_progress` order on from there. The
// step that was running at the crash had not committed: it runs again, with the same
// idempotency key, so its effects on the host's database happen once and external systems can
// recognise the repeat. One host per database in this release: with several hosts a
// lease would have to stop two of them resuming the same order.
#pragma once

#include "host/engine/ChainRunner.h"
#include "host/engine/ReadyChain.h"
#include "host/store/OrderStore.h"

#include <cstddef>

namespace orderhost::engine {

struct RecoveryReport {
    std::size_t resumed = 0;
    std::size_t skipped = 0;  // chain version not loaded, or the resume failed; left as they were
};

RecoveryReport resumeUnfinishedOrders(store::OrderStore& store, const ChainSet& chains, ChainRunner& runner);

}  // namespace orderhost::engine
