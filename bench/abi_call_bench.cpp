// What one step call costs through the plugin boundary, against the same no-op step as a plain
// C++ virtual call. Every case does the same work: run a step that continues at once.
//
//   BM_DirectVirtualCall      baseline: DirectStep::run through a base pointer (direct_step.cpp)
//   BM_AbiRawCall             kind->run(instance, &call) on orderhost-noop.so: the C ABI, the
//                             SDK's noexcept wrapper, report_outcome and the host's outcome copy
//   BM_StepInstanceRun        the host's real per-step path, StepInstance::run: + building the
//                             oh_context and oh_step_call, + returning the outcome
//   BM_StepInstanceRunWithDocumentRoundTrip
//                             + what ChainRunner does around each step: parse the stored ~1 KB
//                             order document before the step and serialize it after
//
// Run through scripts/bench.sh, which prints the ratios to BM_DirectVirtualCall.
#include "bench/BenchOrders.h"
#include "bench/direct_step.h"
#include "host/engine/StepInstance.h"
#include "host/plugins/PluginLibrary.h"
#include "host/services/HostServices.h"

#include <benchmark/benchmark.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace {

using namespace orderhost;

// Loaded once through the real loader and never unloaded (ABI rule 9), like the host does.
const plugins::LoadedPlugin& noopPlugin() {
    static const plugins::LoadedPlugin plugin =
        plugins::loadPluginInProcess(ORDERHOST_BENCH_NOOP_SO, services::hostInfo());
    return plugin;
}

const oh_step_kind& noopKind() {
    const oh_step_kind* kind = noopPlugin().findStepKind("noop");
    if (kind == nullptr) throw std::runtime_error("orderhost-noop.so has no step kind \"noop\"");
    return *kind;
}

chains::StepDefinition noopDefinition() {
    chains::StepDefinition step;
    step.name = "noop";
    step.plugin = "orderhost.noop";
    step.stepKind = "noop";
    step.configJson = "{}";
    return step;
}

document::JsonDocument parseOrThrow(const std::string& text) {
    auto parsed = document::JsonDocument::parse(text);
    if (!parsed.ok()) throw std::runtime_error("bench document: " + parsed.error->toString());
    return std::move(*parsed.document);
}

const char kSmallOrder[] =
    R"({"order_ref":"B-1","currency":"EUR","customer":{"id":"C-1"},"lines":[{"sku":"S","quantity":1}]})";


void BM_DirectVirtualCall(benchmark::State& state) {
    const std::unique_ptr<bench::DirectStep> owned = bench::makeDirectStep("noop");
    bench::DirectStep* step = owned.get();
    const bench::DirectStepCall call{"order-1", "bench-chain", "noop", 1, "order-1/noop"};
    for (auto _ : state) {
        benchmark::DoNotOptimize(step);  // the compiler must assume any DirectStep
        services::ReportedOutcome outcome = step->run(call);
        benchmark::DoNotOptimize(outcome);
    }
}
BENCHMARK(BM_DirectVirtualCall);

void BM_AbiRawCall(benchmark::State& state) {
    const oh_step_kind& kind = noopKind();
    const document::JsonDocument config = parseOrThrow("{}");
    document::JsonDocument order = parseOrThrow(kSmallOrder);

    oh_context ctx;
    ctx.identity = {"orderhost.noop", "bench-chain", "noop", ""};
    ctx.config = &config;
    ctx.clock = services::systemClockMs;
    const oh_create_args args{sizeof(oh_create_args), &ctx, OH_STR("bench-chain"), OH_STR("noop"),
                              OH_STR("{}")};
    void* instance = nullptr;
    if (kind.create(&args, &instance) != OH_STATUS_OK) {
        state.SkipWithError("create() failed");
        return;
    }
    ctx.identity.orderId = "order-1";
    ctx.order = &order;
    const oh_step_call call{sizeof(oh_step_call), &ctx, OH_STR("order-1"), OH_STR("bench-chain"),
                            OH_STR("noop"), 1, OH_STR("order-1/noop"), 0};
    for (auto _ : state) {
        oh_status status = kind.run(instance, &call);
        benchmark::DoNotOptimize(status);
    }
    if (!ctx.outcome || ctx.outcome->kind != OH_OUTCOME_CONTINUE) state.SkipWithError("no CONTINUE reported");
    kind.destroy(instance);
}
BENCHMARK(BM_AbiRawCall);

void BM_StepInstanceRun(benchmark::State& state) {
    engine::StepInstance step(noopPlugin(), noopKind(), noopDefinition(), "bench-chain",
                              services::systemClockMs);
    document::JsonDocument order = parseOrThrow(kSmallOrder);
    const engine::StepCallInfo info{"order-1", 1, "order-1/noop"};
    for (auto _ : state) {
        services::ReportedOutcome outcome = step.run(order, info);
        benchmark::DoNotOptimize(outcome);
    }
}
BENCHMARK(BM_StepInstanceRun);

void BM_StepInstanceRunWithDocumentRoundTrip(benchmark::State& state) {
    engine::StepInstance step(noopPlugin(), noopKind(), noopDefinition(), "bench-chain",
                              services::systemClockMs);
    const std::string stored = parseOrThrow(orderhost::bench::realisticOrder()).toJson();  // as OrderIntake stores it
    const engine::StepCallInfo info{"order-1", 1, "order-1/noop"};
    for (auto _ : state) {
        document::JsonDocument order = parseOrThrow(stored);
        services::ReportedOutcome outcome = step.run(order, info);
        std::string saved = order.toJson();
        benchmark::DoNotOptimize(outcome);
        benchmark::DoNotOptimize(saved);
    }
    // A label, not a counter: the CSV reporter wants the same counters in every case.
    state.SetLabel(std::to_string(stored.size()) + "-byte document");
}
BENCHMARK(BM_StepInstanceRunWithDocumentRoundTrip);

}  // namespace

BENCHMARK_MAIN();
