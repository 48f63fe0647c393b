// What the engine counts about the steps it runs, for GET /metrics: how long plugin calls
// take, how step runs end, retries, compensations and holds. The engine records; the metrics
// endpoint writes them out (writeTo).
//
//   engine.stepMetrics().observeCall(run.pluginId, run.stepKind, elapsed);   // after a plugin call
//   engine.stepMetrics().recordCheckpoint(run, fromState, toState, awaitingSignal, chain);
//
// Thread-safe; every record is a few relaxed atomic adds once its series exists.
#pragma once

#include "host/metrics/MetricSeries.h"
#include "host/metrics/TextExposition.h"

#include <chrono>
#include <string>

namespace orderhost::metrics {

// One committed step run, as the metrics see it.
struct StepRunSample {
    std::string_view chain;
    std::string_view pluginId;  // empty for the host's own records (signals, cancels): "host"
    std::string_view stepKind;
    std::string_view outcome;  // step_runs.outcome: continue, retry, fail, timeout, compensated, ...
    int attempt = 1;
    std::string_view fromState, toState;
    std::string_view awaitingSignal;  // what an order that went on_hold waits for
};

class StepMetrics {
public:
    // A plugin call (run or compensate) returned or was given up on after `elapsed`.
    void observeCall(std::string_view pluginId, std::string_view stepKind, std::chrono::nanoseconds elapsed);
    // A checkpoint is about to commit this run (counted even if the commit then fails: the
    // call happened).
    void recordCheckpoint(const StepRunSample& run);

    void writeTo(TextExposition& out) const;

private:
    Family<Histogram, 2> callSeconds_{{"plugin", "step_kind"},
                                      [] { return std::make_unique<Histogram>(latencyBuckets()); }};
    Family<Counter, 3> runs_{{{"plugin", "step_kind", "outcome"}}};
    Family<Counter, 2> retries_{{{"plugin", "step_kind"}}};
    Family<Counter, 2> compensatedSteps_{{{"plugin", "step_kind"}}};
    Family<Counter, 1> compensationsStarted_{{{"chain"}}};
    Family<Counter, 2> holds_{{{"chain", "signal"}}};
};

}  // namespace orderhost::metrics
