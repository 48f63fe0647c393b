// Chains ready to run: each definition from a chain file with its steps bound to plugin
// instances. Building them is where a chain that names an unknown plugin or step kind, or
// whose config a plugin refuses, is reported with the file:line of the offending step.
#pragma once

#include "host/chains/ChainDefinition.h"
#include "host/engine/StepInstance.h"
#include "host/plugins/PluginRegistry.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace orderhost::engine {

struct ReadyChain {
    chains::ChainDefinition definition;
    std::vector<std::unique_ptr<StepInstance>> steps;
    std::int64_t maxStepTimeoutMs = 0;  // the longest timeout_ms of its steps (lease length)

    // The state an order reaches when every step went through: completed, or cancelled /
    // returned for the chains those requests start.
    const std::string& successState() const;
};

// The chains a host runs, by name and version. New orders start on a chain's latest version;
// an order keeps running on the version it started with, so older versions stay loaded while
// their files are in the chains folder.
struct ChainSet {
    std::map<std::string, std::map<int, std::shared_ptr<const ReadyChain>>> chains;
    std::vector<chains::ChainError> errors;  // chains listed here were not loaded

    const ReadyChain* latest(const std::string& name) const;
    const ReadyChain* find(const std::string& name, int version) const;
    // The latest version of the first chain (by name) started by `trigger`, e.g. cancel_order.
    const ReadyChain* forTrigger(const std::string& trigger) const;
};

// Binds every definition to the registry's plugins; a chain with any error is left out and
// its errors are collected, so one broken chain file does not stop the others.
ChainSet buildChains(const std::vector<chains::ChainDefinition>& definitions,
                     const plugins::PluginRegistry& registry, const services::Clock& clock);

}  // namespace orderhost::engine
