// How the serving process meets signals.
//
//   SIGTERM, SIGINT, SIGQUIT  stop: finish or abandon requests, stop the engine (plugin calls
//                             still running after engine.shutdown_grace_ms are left), exit 0. If
//                             stopping takes longer than host.shutdown_timeout_s (a plugin
//                             call that never returns), the process logs it and exits 70:
//                             orders mid-chain resume at the next start, as after a crash.
//                             During the start only the wait for the database looks for them
//                             (HostRuntime::openDatabase); the rest of a start is short and
//                             the signal is taken once serving.
//   SIGHUP                    reload: chains and plugins are read again from their folders
//                             (HostReload.h); a refused reload is logged and changes nothing.
//                             Reloads run one after another in the waiting thread; a stop
//                             signal sent during one stays pending, the reload sees it
//                             (stopSignalPending) and gives up unless its migrations began.
//
//   blockStopSignals();              // first, in the main thread
//   ... start serving ...
//   const int signal = waitForStopSignal([&] { runtime.reload("SIGHUP"); });
//   exitIfStoppingTakesLonger(std::chrono::seconds(30));
//   ... stop ...
#pragma once

#include <chrono>
#include <functional>

namespace orderhost::app {

// Blocks the stop signals and SIGHUP in the calling thread, which then receives them through
// waitForStopSignal(); installs a handler that ignores a SIGHUP another thread receives (it
// must not kill the host, SIGHUP's default action).
void blockStopSignals();

// Waits for SIGTERM, SIGINT or SIGQUIT and returns it; calls `onHangup` for every SIGHUP on
// the way (in this thread).
int waitForStopSignal(const std::function<void()>& onHangup);

// True when SIGTERM, SIGINT or SIGQUIT waits to be taken by waitForStopSignal (sent while it
// runs a SIGHUP reload). Call from the thread that blocked them.
bool stopSignalPending();

// Starts a watchdog that ends the process (exit code 70) if it is still running `bound` from now.
void exitIfStoppingTakesLonger(std::chrono::seconds bound);

}  // namespace orderhost::app
