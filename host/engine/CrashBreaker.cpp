// ChainRunner's crash breaker: a plugin that crashes the process in run() or compensate() must
// not crash-loop the host (issue 8, finding 4).
//
// Plugins run in the host's process, so a segfault kills the host before it can record
// anything. The attempt is therefore counted before the call, durably, without a commit of
// its own: orders.calls_pending (Migrations.cpp v8) is 1 in every checkpoint that leaves the
// order running — its next call starts right after — and every claim adds 1. A host taking an
// order over (after a restart, or another host's poller after the lease expired) thus reads
// calls_pending - 1 calls that started and never reached a checkpoint: each died with its
// host. Past engine.crash_limit such calls in a row the order is held for a manual action
// with code plugin_crashed, the step is reported in /v1/health, and the host serves the rest.
// A host killed in the middle of a step (SIGKILL, power loss) counts the same way; a call
// that returns, whatever its outcome, resets the count with its checkpoint.
//
// A call that returned but whose checkpoint failed (the database unavailable or full) did not
// die with its host, though calls_pending still counts it: run() leaving by an exception proves
// the host alive, so it is excused (ExcusedCalls), and the next claim on this host forgives it,
// durably. Without that, an order that met a database outage a few times was held with
// plugin_crashed, though its plugin never crashed.
#include "host/engine/ChainRunner.h"

#include "host/engine/OrderState.h"
#include "host/engine/RunnerHelpers.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace orderhost::engine {

store::OrderRecord ChainRunner::run(store::OrderRecord order) {
    const std::string id = order.id;
    const std::int64_t epoch = order.leaseEpoch;
    try {
        return runClaimed(std::move(order));
    } catch (const HostStoppingError& stopping) {
        // A call refused at a stop never ran: say so durably while the database still answers,
        // or the next start (which has no memory of excuses) would count it as a crash.
        bool uncounted = false;
        if (stopping.notStarted) {
            try {
                uncounted = engine_.store().uncountCall(id, engine_.hostId(), epoch);
            } catch (const std::exception&) {
            }
        }
        if (!uncounted) engine_.excusedCalls().excuse(id, epoch);
        throw;
    } catch (...) {
        engine_.excusedCalls().excuse(id, epoch);  // the host lives: no call died with it
        throw;
    }
}

bool ChainRunner::holdAfterCrashes(store::OrderRecord& order, const ReadyChain& chain) {
    const int excused = std::min(engine_.excusedCalls().excusedAt(order.id, order.leaseEpoch), order.callsPending - 1);
    if (excused > 0) {
        // Now that the database answers, the count forgets them for good (a restart included).
        // Throws while it still does not: run() then excuses this claim's call too.
        engine_.store().forgiveCalls(order.id, order.leaseEpoch, excused);
        order.callsPending -= excused;
        engine_.excusedCalls().forget(order.id);
    }
    const int diedWithHost = order.callsPending - 1;
    if (diedWithHost < engine_.crashLimit()) return false;
    // The step whose call died: while undoing, the one being undone (below current_step).
    int index = std::max(order.currentStep, 0);
    if (order.state == states::kCompensating) {
        const auto completed = runner::stepsToUndo(engine_.store(), order.id, chain);
        index = std::max(runner::previousCompensable(order.currentStep, completed, chain), 0);
    }
    store::StepRunRecord record = newRun(order, chain, static_cast<std::size_t>(index), 1);
    const std::string step = record.stepName.empty() ? "#" + std::to_string(index) : record.stepName;
    const std::string plugin = record.pluginId;
    record.pluginId = "orderhost";
    record.stepKind = "crash_breaker";
    record.outcome = "plugin_crashed";
    record.code = "plugin_crashed";
    record.message =
        std::to_string(diedWithHost) + " call(s) of step " + step + " (plugin " + plugin +
        ") never returned: the host died during each (engine.crash_limit = " + std::to_string(engine_.crashLimit()) +
        "); held for a manual action";
    record.startedAtMs = record.finishedAtMs = engine_.now();

    store::OrderRecord held = order;
    held.state = states::kOnHold;
    held.awaitingSignal = chains::kManualActionSignal;
    held.wakeAtMs = 0;
    spdlog::error("order {}: {}", order.id, record.message);
    engine_.problems().report("plugin-crashed:" + chain.definition.name + "/" + step,
                              "step " + step + " of chain " + chain.definition.name + " (plugin " + plugin +
                                  ") crashed the host " + std::to_string(diedWithHost) + " times in a row on order " +
                                  order.id + ": the order is on hold (plugin_crashed)");
    checkpoint(order, std::move(held), std::move(record), nullptr);
    return true;
}

}  // namespace orderhost::engine
