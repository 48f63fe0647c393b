#include "host/app/StopSignals.h"

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <pthread.h>

namespace orderhost::app {
namespace {

constexpr int kExitStopTooSlow = 70;  // EX_SOFTWARE

sigset_t handledSignals() {
    sigset_t set;
    sigemptyset(&set);
    for (int signal : {SIGTERM, SIGINT, SIGQUIT, SIGHUP}) sigaddset(&set, signal);
    return set;
}

extern "C" void ignoreHangup(int) {}

}  // namespace

void blockStopSignals() {
    // Other threads keep these signals unblocked (child processes they start inherit their
    // mask); Linux hands a process signal to the main thread while it waits in sigwait.
    // A SIGHUP that lands elsewhere meets this handler instead of the default, which kills.
    struct sigaction action {};
    action.sa_handler = ignoreHangup;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaction(SIGHUP, &action, nullptr);
    const sigset_t set = handledSignals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int waitForStopSignal(const std::function<void()>& onHangup) {
    const sigset_t set = handledSignals();
    for (;;) {
        int signal = 0;
        if (sigwait(&set, &signal) != 0) continue;
        if (signal == SIGHUP) {
            spdlog::info("SIGHUP received: reloading chains and plugins");
            if (onHangup) onHangup();
            continue;
        }
        spdlog::info("signal {} ({}) received: stopping", signal, strsignal(signal));
        return signal;
    }
}

bool stopSignalPending() {
    sigset_t pending;
    sigemptyset(&pending);
    if (sigpending(&pending) != 0) return false;
    for (int signal : {SIGTERM, SIGINT, SIGQUIT})
        if (sigismember(&pending, signal) == 1) return true;
    return false;
}

void exitIfStoppingTakesLonger(std::chrono::seconds bound) {
    std::thread([bound] {
        std::this_thread::sleep_for(bound);
        spdlog::critical(
            "stopping took longer than {} s (host.shutdown_timeout_s), probably a plugin call that does "
            "not return: exiting now; orders mid-chain resume at the next start",
            bound.count());
        spdlog::shutdown();
        std::_Exit(kExitStopTooSlow);
    }).detach();
}

}  // namespace orderhost::app
