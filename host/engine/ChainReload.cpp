#include "host/engine/ChainReload.h"

#include "host/engine/ConditionEvaluator.h"

#include <map>

namespace orderhost::engine {
namespace {

std::string label(const std::string& name, int version) { return name + " v" + std::to_string(version); }

int highestVersion(const ChainSet& set, const std::string& name, int atLeast) {
    const auto found = set.chains.find(name);
    return found == set.chains.end() || found->second.empty() ? atLeast
                                                              : std::max(atLeast, found->second.rbegin()->first);
}

std::int64_t unfinishedOn(const std::vector<store::ChainInUse>& unfinished, const std::string& name, int version) {
    for (const auto& used : unfinished)
        if (used.chain == name && used.version == version) return used.orders;
    return 0;
}

}  // namespace

std::string chainFingerprint(const chains::ChainDefinition& chain) {
    std::string text = chain.name + "\n" + std::to_string(chain.version) + "\n" + chain.trigger + "\n" +
                       chain.cancellableUntil + "\n";
    for (const auto& step : chain.steps) {
        text += step.name + "\n" + step.plugin + "\n" + step.stepKind + "\n" + step.configJson + "\n" +
                std::to_string(step.attempts) + " " + std::to_string(step.backoffMs) + " " +
                std::to_string(step.maxBackoffMs) + " " + std::to_string(step.timeoutMs) + " " +
                std::to_string(static_cast<int>(step.onFailure)) + " " + std::to_string(step.signalTimeoutMs) + " " +
                std::to_string(static_cast<int>(step.onSignalTimeout)) + "\n" +
                (step.when ? skipReason(*step.when) : std::string()) + "\n";
    }
    return text;
}

ChainReloadPlan planChainReload(const ChainSet& current, const chains::ChainDirectoryResult& loaded,
                                const plugins::PluginRegistry& registry, const services::Clock& clock,
                                const std::function<std::vector<store::ChainInUse>()>& census,
                                const plugins::StagedPlugins* staged) {
    ChainReloadPlan plan;
    plan.errors = loaded.errors;
    std::vector<chains::ChainDefinition> fresh;
    std::set<ChainSet::Key> inFolder;
    for (const auto& definition : loaded.chains) {
        inFolder.insert({definition.name, definition.version});
        const auto existing = current.find(definition.name, definition.version);
        if (existing == nullptr) {
            fresh.push_back(definition);
        } else if (chainFingerprint(existing->definition) == chainFingerprint(definition)) {
            plan.next.chains[definition.name][definition.version] = existing;
            plan.kept.push_back(label(definition.name, definition.version));
        } else {
            const int next = highestVersion(current, definition.name, definition.version) + 1;
            plan.errors.push_back(
                {definition.location,
                 "chain '" + definition.name + "' version " + std::to_string(definition.version) +
                     " is loaded with other steps (from " + existing->definition.location.file +
                     "); orders keep the steps of the version they started on, so a changed chain needs a new "
                     "version: give this file version " + std::to_string(next) + " (and keep the old file while "
                     "orders run on it)"});
        }
    }
    ChainSet built = buildChains(fresh, registry, clock, staged);
    plan.errors.insert(plan.errors.end(), built.errors.begin(), built.errors.end());
    for (auto& [name, versions] : built.chains) {
        for (auto& [version, chain] : versions) {
            plan.next.chains[name][version] = std::move(chain);
            plan.added.push_back(label(name, version));
        }
    }
    // Removed versions stay, retired, until the host restarts (the header says why); the
    // census only says how many unfinished orders are on each.
    const std::vector<store::ChainInUse> unfinished = census();
    for (const auto& [name, versions] : current.chains) {
        for (const auto& [version, chain] : versions) {
            if (inFolder.count({name, version}) != 0) continue;
            const std::int64_t orders = unfinishedOn(unfinished, name, version);
            plan.next.chains[name][version] = chain;
            plan.next.retired.insert({name, version});
            plan.retired.push_back(label(name, version) + " (" + std::to_string(orders) + " unfinished order(s))");
        }
    }
    return plan;
}

}  // namespace orderhost::engine
