// Orders on a chain (or chain version) this host does not load sit where they are: no poller
// here claims them, and without this check nothing says so. The check reports each such chain
// once in the log (warn) and in GET /v1/health's problems, and withdraws it once no unfinished
// order is left on it (another host ran them, or the chain was loaded again).
//
//   checkUnloadedChains(engine);  // the poller calls it every few seconds
#pragma once

#include "host/engine/Engine.h"

namespace orderhost::engine {

// Returns how many unfinished orders wait on chains this host does not load. Throws StoreError.
std::int64_t checkUnloadedChains(Engine& engine);

}  // namespace orderhost::engine
