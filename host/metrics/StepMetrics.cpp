#include "host/metrics/StepMetrics.h"

namespace orderhost::metrics {
namespace {

std::string_view pluginLabel(std::string_view pluginId) { return pluginId.empty() ? "host" : pluginId; }

}  // namespace

void StepMetrics::observeCall(std::string_view pluginId, std::string_view stepKind, std::chrono::nanoseconds elapsed) {
    callSeconds_.at({pluginLabel(pluginId), stepKind}).observe(elapsed);
}

void StepMetrics::recordCheckpoint(const StepRunSample& run) {
    const std::string_view plugin = pluginLabel(run.pluginId);
    runs_.at({plugin, run.stepKind, run.outcome}).add();
    if (run.attempt > 1) retries_.at({plugin, run.stepKind}).add();
    if (run.outcome == "compensated") compensatedSteps_.at({plugin, run.stepKind}).add();
    if (run.toState != run.fromState) {
        if (run.toState == "compensating") compensationsStarted_.at({run.chain}).add();
        if (run.toState == "on_hold") holds_.at({run.chain, run.awaitingSignal}).add();
    }
}

void StepMetrics::writeTo(TextExposition& out) const {
    out.histograms("orderhost_step_duration_seconds",
                   "Time a plugin call (run or compensate) took, or until the host stopped waiting (timeout).",
                   callSeconds_);
    out.counters("orderhost_step_runs_total", "Step runs committed, by plugin, step kind and outcome.", runs_);
    out.counters("orderhost_step_retries_total", "Step runs that were a retry (attempt 2 and later).", retries_);
    out.counters("orderhost_steps_compensated_total", "Completed steps undone by compensation.", compensatedSteps_);
    out.counters("orderhost_compensations_started_total", "Orders that began compensating, by chain.",
                 compensationsStarted_);
    out.counters("orderhost_holds_total", "Orders that went on hold, by chain and the signal they wait for.", holds_);
}

}  // namespace orderhost::metrics
