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
//   BM_StepInstanceRunWallClock  BM_StepInstanceRun, timed by the wall clock
//   BM_StepInstanceRunIsolated   the same step with the plugin isolated (plugins.isolate): the
//                             call and its report_outcome cross a socket to an
//                             orderhost-plugin-worker process and back (wall clock: the
//                             worker's time is not this process's CPU time)
//   BM_ValidationStep, BM_ValidationStepIsolated
//                             the reference validation step on the ~1 KB order, in-process and
//                             isolated: a real step, whose document reads (several per line) each cross the
//                             socket when isolated (wall clock)
//
// Run through scripts/bench.sh, which prints the ratios to BM_DirectVirtualCall and of each
// isolated case to its in-process twin.
#include "bench/BenchOrders.h"
#include "bench/direct_step.h"
#include "host/engine/StepInstance.h"
#include "host/isolation/IsolatedPlugin.h"
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
    const oh_create_args args{sizeof(oh_create_args), &ctx, OH_STR("bench-chain"), OH_STR("noop"), OH_STR("{}")};
    void* instance = nullptr;
    if (kind.create(&args, &instance) != OH_STATUS_OK) {
        state.SkipWithError("create() failed");
        return;
    }
    ctx.identity.orderId = "order-1";
    ctx.order = &order;
    const oh_step_call call{sizeof(oh_step_call),   &ctx, OH_STR("order-1"), OH_STR("bench-chain"), OH_STR("noop"), 1,
                            OH_STR("order-1/noop"), 0,    OH_CALL_RUN};
    for (auto _ : state) {
        oh_status status = kind.run(instance, &call);
        benchmark::DoNotOptimize(status);
    }
    if (!ctx.outcome || ctx.outcome->kind != OH_OUTCOME_CONTINUE) state.SkipWithError("no CONTINUE reported");
    kind.destroy(instance);
}
BENCHMARK(BM_AbiRawCall);

void BM_StepInstanceRun(benchmark::State& state) {
    engine::StepInstance step(noopPlugin(), noopKind(), noopDefinition(), "bench-chain", services::systemClockMs);
    document::JsonDocument order = parseOrThrow(kSmallOrder);
    const engine::StepCallInfo info{"order-1", 1, "order-1/noop"};
    for (auto _ : state) {
        services::ReportedOutcome outcome = step.run(order, info);
        benchmark::DoNotOptimize(outcome);
    }
}
BENCHMARK(BM_StepInstanceRun);

void BM_StepInstanceRunWithDocumentRoundTrip(benchmark::State& state) {
    engine::StepInstance step(noopPlugin(), noopKind(), noopDefinition(), "bench-chain", services::systemClockMs);
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

// A plugin run out of process, as the host does for plugins.isolate: one worker process.
plugins::LoadedPlugin isolatedPlugin(const char* file) {
    plugins::LoadedPlugin plugin;
    plugin.isolated = isolation::IsolatedPlugin::start(file, isolation::IsolationSettings{ORDERHOST_BENCH_WORKER, 1});
    plugin.manifest = plugin.isolated->manifest();
    return plugin;
}

std::unique_ptr<engine::StepInstance> isolatedStep(const plugins::LoadedPlugin& plugin,
                                                   const chains::StepDefinition& definition) {
    for (const auto& kind : plugin.manifest.stepKinds) {
        if (kind.name == definition.stepKind)
            return std::make_unique<engine::StepInstance>(plugin, kind, definition, "bench-chain",
                                                          services::systemClockMs);
    }
    throw std::runtime_error(plugin.manifest.file + " has no step kind " + definition.stepKind);
}

void runSteps(benchmark::State& state, engine::StepInstance& step, const std::string& orderText) {
    document::JsonDocument order = parseOrThrow(orderText);
    const engine::StepCallInfo info{"order-1", 1, "order-1/step"};
    for (auto _ : state) {
        services::ReportedOutcome outcome = step.run(order, info);
        if (outcome.kind != OH_OUTCOME_CONTINUE) {
            state.SkipWithError(("the step did not continue: " + outcome.code + " " + outcome.message).c_str());
            return;
        }
        benchmark::DoNotOptimize(outcome);
    }
}

void BM_StepInstanceRunWallClock(benchmark::State& state) {
    engine::StepInstance step(noopPlugin(), noopKind(), noopDefinition(), "bench-chain", services::systemClockMs);
    runSteps(state, step, kSmallOrder);
}
BENCHMARK(BM_StepInstanceRunWallClock)->UseRealTime();

void BM_StepInstanceRunIsolated(benchmark::State& state) {
    static const plugins::LoadedPlugin plugin = isolatedPlugin(ORDERHOST_BENCH_NOOP_SO);
    auto step = isolatedStep(plugin, noopDefinition());
    runSteps(state, *step, kSmallOrder);
}
BENCHMARK(BM_StepInstanceRunIsolated)->UseRealTime();

chains::StepDefinition validationDefinition() {
    chains::StepDefinition step;
    step.name = "validate";
    step.plugin = "orderhost.validation";
    step.stepKind = "validate";
    step.configJson = "{}";
    return step;
}

void BM_ValidationStep(benchmark::State& state) {
    static const plugins::LoadedPlugin plugin =
        plugins::loadPluginInProcess(ORDERHOST_BENCH_VALIDATION_SO, services::hostInfo());
    const oh_step_kind* kind = plugin.findStepKind("validate");
    engine::StepInstance step(plugin, *kind, validationDefinition(), "bench-chain", services::systemClockMs);
    runSteps(state, step, orderhost::bench::realisticOrder());
}
BENCHMARK(BM_ValidationStep)->UseRealTime();

void BM_ValidationStepIsolated(benchmark::State& state) {
    static const plugins::LoadedPlugin plugin = isolatedPlugin(ORDERHOST_BENCH_VALIDATION_SO);
    auto step = isolatedStep(plugin, validationDefinition());
    runSteps(state, *step, orderhost::bench::realisticOrder());
}
BENCHMARK(BM_ValidationStepIsolated)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
