// What the metrics and log-field hooks add to each step and each HTTP request (issue 14: the
// overhead must not be visible). Compare with the per-step commit in docs/performance.md.
//
//   build/bench/metrics_hooks_bench [--benchmark_repetitions=5]
#include "host/logging/LogContext.h"
#include "host/metrics/HttpMetrics.h"
#include "host/metrics/StepMetrics.h"

#include <benchmark/benchmark.h>

#include <string>

namespace {
using namespace orderhost;

const std::string kPlugin = "orderhost.validation", kKind = "validate", kChain = "place-order", kOutcome = "continue",
                  kOrder = "0b7c4d2e-1111-2222-3333-444455556666", kStep = "validate", kState = "in_progress";

// Everything ChainRunner adds per step: the order's log scope (once per run, here per step:
// the worst case), the fields handed to the worker and set there, the latency and the outcome.
void BM_StepHooks(benchmark::State& state) {
    static metrics::StepMetrics steps;
    for (auto _ : state) {
        const logging::LogScope order({"", kOrder, kChain, "", "", ""});
        const logging::LogFields fields = logging::fieldsForStep(kStep, kPlugin);
        const logging::LogScope worker(fields);
        steps.observeCall(kPlugin, kKind, std::chrono::microseconds(150));
        steps.recordCheckpoint({kChain, kPlugin, kKind, kOutcome, 1, kState, kState, ""});
    }
}
BENCHMARK(BM_StepHooks)->ThreadRange(1, 8);

// What ApiRequestHandler adds per request: the route template, the counter and the histogram.
void BM_HttpRecord(benchmark::State& state) {
    static metrics::HttpMetrics http;
    for (auto _ : state) http.record("POST", "/v1/orders/0b7c4d2e/signals/resume", 201, std::chrono::microseconds(900));
}
BENCHMARK(BM_HttpRecord)->ThreadRange(1, 8);

}  // namespace

BENCHMARK_MAIN();
