// The measurements of chain_throughput_bench: the database's own ceiling (DatabaseMeasures.cpp)
// and the engine through a chain of no-op steps (EngineMeasures.cpp).
#pragma once

#include "bench/throughput/Harness.h"
#include "host/chains/ChainDefinition.h"
#include "host/engine/ReadyChain.h"
#include "host/plugins/PluginRegistry.h"
#include "host/services/HostServices.h"
#include "host/store/Database.h"
#include "host/store/OrderStore.h"

#include <string>

namespace orderhost::bench {

// The database's ceiling: single-row INSERT + COMMIT, through Poco::Data/ODBC.
void createCeilingTable(const std::string& connection);
Totals ceilingSlice(const Options& o, const std::string& connection, double seconds, int warmup);
void measureStoreTx(const Options& o, const std::string& connection);
void measureLeanStep(const Options& o, const std::string& connection);

inline plugins::RegistryOptions noProbe() {
    plugins::RegistryOptions options;
    options.probeFirst = false;  // the no-op plugin is ours; the probe would only cost start-up time
    return options;
}

struct Engine {
    plugins::PluginRegistry registry{services::hostInfo(), noProbe()};
    engine::ChainSet chains;
    std::string chainName = "bench-noop";

    explicit Engine(int steps) {
        if (registry.loadFile(ORDERHOST_BENCH_NOOP_SO) == nullptr)
            throw std::runtime_error("cannot load " + std::string(ORDERHOST_BENCH_NOOP_SO) + ": " +
                                     registry.refusals().back().reason);
        chains::ChainDefinition chain;
        chain.name = chainName;
        chain.version = 1;
        chain.trigger = "place_order";
        for (int i = 1; i <= steps; ++i) {
            chains::StepDefinition step;
            step.name = "noop-" + std::to_string(i);
            step.plugin = "orderhost.noop";
            step.stepKind = "noop";
            step.configJson = "{}";
            step.location = step.configLocation = {"bench", i, 1};
            chain.steps.push_back(step);
        }
        chains = engine::buildChains({chain}, registry, services::systemClockMs);
        if (!chains.errors.empty()) throw std::runtime_error(chains.errors.front().toString());
    }
};

Totals engineSlice(const Options& o, store::OrderStore& store, Engine& engine, const std::string& tag, double seconds,
                   int warmup);
void printEngine(const Options& o, store::Database& db, const std::string& tag, Totals& t);
void measurePhases(const Options& o, const std::string& connection, Engine& engine);

}  // namespace orderhost::bench
