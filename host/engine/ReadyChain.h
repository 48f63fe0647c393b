// Chains ready to run: each definition from a chain file with its steps bound to plugin
// instances. Building them is where a chain that names an unknown plugin or step kind, or
// whose config a plugin refuses, is reported with the file:line of the offending step.
#pragma once

#include "host/chains/ChainDefinition.h"
#include "host/engine/StepInstance.h"
#include "host/plugins/PluginRegistry.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace orderhost::engine {

struct ReadyChain {
    chains::ChainDefinition definition;
    // Shared: a call that outlived its timeout keeps its step (and so the plugin's instance)
    // alive on its worker even after a reload dropped the chain version (ChainReload.h).
    std::vector<std::shared_ptr<StepInstance>> steps;
    std::int64_t maxStepTimeoutMs = 0;  // the longest timeout_ms of its steps (lease length)

    // The state an order reaches when every step went through: completed, or cancelled /
    // returned for the chains those requests start.
    const std::string& successState() const;
};

// The chains a host runs, by name and version. New orders start on a chain's latest version;
// an order keeps running on the version it started with, so older versions stay loaded while
// their files are in the chains folder, and a version whose file was removed stays loaded as
// retired (no new order starts on it) while unfinished orders run on it (ChainReload.h).
//
// A set is never changed once a host serves it: a reload builds a new one and swaps it in
// (ChainCatalog.h). Lookups hand out shared pointers, so a chain stays alive for whoever
// runs on it even when a reload drops it from the catalog.
struct ChainSet {
    using Key = std::pair<std::string, int>;
    std::map<std::string, std::map<int, std::shared_ptr<const ReadyChain>>> chains;
    std::vector<chains::ChainError> errors;  // chains listed here were not loaded
    std::set<Key> retired;                   // loaded for the orders on them only: their files were removed

    bool isRetired(const std::string& name, int version) const { return retired.count({name, version}) != 0; }
    // The highest version that is not retired: what new orders start on.
    std::shared_ptr<const ReadyChain> latest(const std::string& name) const;
    std::shared_ptr<const ReadyChain> find(const std::string& name, int version) const;
    // The latest version of the first chain (by name) started by `trigger`, e.g. cancel_order.
    std::shared_ptr<const ReadyChain> forTrigger(const std::string& trigger) const;
    std::size_t versionCount() const;
};

// Binds every definition to the registry's plugins (each id's current build; with `staged`, a
// reload's new builds first); a chain with any error is left out and its errors are
// collected, so one broken chain file does not stop the others.
ChainSet buildChains(const std::vector<chains::ChainDefinition>& definitions, const plugins::PluginRegistry& registry,
                     const services::Clock& clock, const plugins::StagedPlugins* staged = nullptr);

}  // namespace orderhost::engine
