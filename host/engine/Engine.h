// What every part of the engine on one host shares: the store, the chains, the clock, who
// this host is (for leases) and the threads plugin calls run on.
//
//   engine::Engine engine(store, catalog, services::systemClockMs, {"host-a:8080", 30000});
//   engine::ChainRunner runner(engine);
//
// Leases: a host runs an order only while it holds the order's lease (orders.lease_owner and
// lease_until). Every checkpoint renews it for leaseMs plus the longest step timeout of the
// chain, so a host that dies stops renewing and, once the lease ran out, any other host may
// claim the order and run it on from its last checkpoint. Checkpoints are guarded by the
// lease: a host that lost it (it stalled past the lease) can no longer write.
#pragma once

#include "host/engine/ChainCatalog.h"
#include "host/engine/ExcusedCalls.h"
#include "host/engine/HealthProblems.h"
#include "host/engine/LingeringCalls.h"
#include "host/engine/ReadyChain.h"
#include "host/engine/StepWorkers.h"
#include "host/metrics/StepMetrics.h"
#include "host/services/CallContext.h"
#include "host/store/Datasources.h"
#include "host/store/OrderStore.h"

#include <cstdint>
#include <string>
#include <vector>

namespace orderhost::engine {

struct EngineSettings {
    std::string hostId = "local";     // unique among the hosts sharing the database
    std::int64_t leaseMs = 30000;     // how long a lease lasts beyond the step being run
    std::size_t maxStepThreads = 64;  // worker threads for plugin calls (hung calls keep theirs)
    int crashLimit = 3;               // calls that died with their host before an order is held
    // Consecutive steps that promise OH_STEP_NO_EXTERNAL_EFFECTS committed as one transaction,
    // at most this many (1: every step commits alone). ChainRunnerCommit.cpp.
    int stepsPerCommit = 16;
    // Threads that run orders in the background: respond-async placements (OrderIntake) and,
    // separately, the orders a restarted host resumes (OrderRecovery). engine.background_runs.
    int backgroundRuns = 4;
    // Where problems() reports; nullptr: the engine's own. The host passes one it shares with
    // the parts that start before the engine (isolated plugins' workers).
    HealthProblems* problems = nullptr;
};

class Engine {
public:
    Engine(store::OrderStore& store, const ChainCatalog& chains, services::Clock clock, EngineSettings settings = {})
        : store_(store),
          chains_(chains),
          clock_(std::move(clock)),
          settings_(std::move(settings)),
          workers_(settings_.maxStepThreads),
          problems_(settings_.problems != nullptr ? *settings_.problems : ownProblems_) {}
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    store::OrderStore& store() const { return store_; }
    // The chains served now: a snapshot to hold while working on one order, not to keep
    // (a reload may replace it at any time; ChainCatalog.h).
    std::shared_ptr<const ChainSet> chains() const { return chains_.current(); }
    std::int64_t now() const { return clock_(); }
    const services::Clock& clock() const { return clock_; }
    const std::string& hostId() const { return settings_.hostId; }
    std::int64_t leaseMs() const { return settings_.leaseMs; }
    int crashLimit() const { return settings_.crashLimit; }
    int stepsPerCommit() const { return settings_.stepsPerCommit; }
    int backgroundRuns() const { return settings_.backgroundRuns; }
    StepWorkers& workers() { return workers_; }
    // What GET /v1/health reports besides plugin and chain load errors.
    HealthProblems& problems() { return problems_; }
    // Calls that returned though their checkpoint failed: not crashes (ExcusedCalls.h).
    ExcusedCalls& excusedCalls() { return excusedCalls_; }
    // Timed-out in-process calls still running: their step's undo waits for them (LingeringCalls.h).
    LingeringCalls& lingeringCalls() { return lingeringCalls_; }
    // Step latencies, outcomes, retries, compensations and holds, for GET /metrics.
    metrics::StepMetrics& stepMetrics() { return stepMetrics_; }
    // The named datasources plugins reach through orderhost.db (nullptr: none configured).
    store::Datasources* datasources() const { return datasources_; }
    void setDatasources(store::Datasources* datasources) { datasources_ = datasources; }

    // The names of the chains this host runs: it only takes over orders on these.
    std::vector<std::string> chainNames() const {
        std::vector<std::string> names;
        for (const auto& entry : chains_.current()->chains) names.push_back(entry.first);
        return names;
    }

    // Until when a lease taken now must last for an order on `chain`.
    std::int64_t leaseUntil(const ReadyChain& chain) const {
        return now() + settings_.leaseMs + chain.maxStepTimeoutMs;
    }

private:
    store::OrderStore& store_;
    const ChainCatalog& chains_;
    services::Clock clock_;
    EngineSettings settings_;
    StepWorkers workers_;
    HealthProblems ownProblems_;
    HealthProblems& problems_;
    ExcusedCalls excusedCalls_;
    LingeringCalls lingeringCalls_;
    metrics::StepMetrics stepMetrics_;
    store::Datasources* datasources_ = nullptr;
};

}  // namespace orderhost::engine
