// How the serving process meets signals.
//
//   SIGTERM, SIGINT, SIGQUIT  stop: finish or abandon requests, stop the engine (plugin calls
//                             still running after engine.shutdown_grace_ms are left), exit 0. If
//                             stopping takes longer than host.shutdown_timeout_s (a plugin
//                             call that never returns), the process logs it and exits 70:
//                             orders mid-chain resume at the next start, as after a crash.
//   SIGHUP                    logged and ignored: administrators send it to reload, and until
//                             the host can reload it must not die of it (its default action).
//
//   blockStopSignals();              // first, in the main thread
//   ... start serving ...
//   const int signal = waitForStopSignal();
//   exitIfStoppingTakesLonger(std::chrono::seconds(30));
//   ... stop ...
#pragma once

#include <chrono>

namespace orderhost::app {

// Blocks the stop signals and SIGHUP in the calling thread, which then receives them through
// waitForStopSignal(); installs a handler that ignores a SIGHUP another thread receives.
void blockStopSignals();

// Waits for SIGTERM, SIGINT or SIGQUIT and returns it; logs every SIGHUP on the way.
int waitForStopSignal();

// Starts a watchdog that ends the process (exit code 70) if it is still running `bound` from now.
void exitIfStoppingTakesLonger(std::chrono::seconds bound);

}  // namespace orderhost::app
