#include "host/engine/ReadyChain.h"

#include "host/engine/OrderState.h"

#include <algorithm>
#include <set>

namespace orderhost::engine {
namespace {

std::string joinIds(const plugins::PluginRegistry& registry, const plugins::StagedPlugins* staged) {
    std::set<std::string> unique;
    for (const auto* plugin : registry.snapshot()) unique.insert(plugin->manifest.id);
    if (staged != nullptr)
        for (const auto& build : staged->builds) unique.insert(build.manifest.id);
    std::string ids;
    for (const auto& id : unique) ids += (ids.empty() ? "" : ", ") + id;
    return ids.empty() ? "none" : ids;
}

std::string joinKinds(const plugins::PluginManifest& manifest) {
    std::string names;
    for (const auto& kind : manifest.stepKinds) names += (names.empty() ? "" : ", ") + kind.name;
    return names;
}

void unknownKind(const chains::StepDefinition& step, const plugins::LoadedPlugin& plugin,
                 std::vector<chains::ChainError>& errors) {
    errors.push_back({step.location, "step '" + step.name + "': plugin '" + step.plugin + "' has no step kind '" +
                                         step.stepKind + "' (it has: " + joinKinds(plugin.manifest) + ")"});
}

// A step of an isolated plugin: the kind comes from the manifest its worker sent.
std::unique_ptr<StepInstance> bindIsolatedStep(const chains::ChainDefinition& chain, const chains::StepDefinition& step,
                                               const plugins::LoadedPlugin& plugin, const services::Clock& clock,
                                               std::vector<chains::ChainError>& errors) {
    for (const auto& kind : plugin.manifest.stepKinds) {
        if (kind.name != step.stepKind) continue;
        try {
            return std::make_unique<StepInstance>(plugin, kind, step, chain.name, clock);
        } catch (const StepCreateError& e) {
            errors.push_back({step.configLocation, "step '" + step.name + "': " + e.what()});
            return nullptr;
        }
    }
    unknownKind(step, plugin, errors);
    return nullptr;
}

// Binds one step; returns nullptr after recording an error.
std::unique_ptr<StepInstance> bindStep(const chains::ChainDefinition& chain, const chains::StepDefinition& step,
                                       const plugins::PluginRegistry& registry, const plugins::StagedPlugins* staged,
                                       const services::Clock& clock, std::vector<chains::ChainError>& errors) {
    const plugins::LoadedPlugin* plugin = registry.find(step.plugin, staged);
    if (plugin == nullptr) {
        errors.push_back({step.location, "step '" + step.name + "': unknown plugin '" + step.plugin +
                                             "' (loaded plugins: " + joinIds(registry, staged) + ")"});
        return nullptr;
    }
    if (plugin->isolated) return bindIsolatedStep(chain, step, *plugin, clock, errors);
    const oh_step_kind* kind = plugin->findStepKind(step.stepKind);
    if (kind == nullptr) {
        unknownKind(step, *plugin, errors);
        return nullptr;
    }
    try {
        return std::make_unique<StepInstance>(*plugin, *kind, step, chain.name, clock);
    } catch (const StepCreateError& e) {
        errors.push_back({step.configLocation, "step '" + step.name + "': " + e.what()});
        return nullptr;
    }
}

}  // namespace

const std::string& ReadyChain::successState() const {
    if (definition.trigger == "cancel_order") return states::kCancelled;
    if (definition.trigger == "return_order") return states::kReturned;
    return states::kCompleted;
}

std::shared_ptr<const ReadyChain> ChainSet::forTrigger(const std::string& trigger) const {
    for (const auto& [name, versions] : chains) {
        auto chain = latest(name);
        if (chain != nullptr && chain->definition.trigger == trigger) return chain;
    }
    return nullptr;
}

std::shared_ptr<const ReadyChain> ChainSet::latest(const std::string& name) const {
    const auto found = chains.find(name);
    if (found == chains.end()) return nullptr;
    for (auto it = found->second.rbegin(); it != found->second.rend(); ++it)
        if (!isRetired(name, it->first)) return it->second;
    return nullptr;
}

std::shared_ptr<const ReadyChain> ChainSet::find(const std::string& name, int version) const {
    const auto found = chains.find(name);
    if (found == chains.end()) return nullptr;
    const auto exact = found->second.find(version);
    return exact == found->second.end() ? nullptr : exact->second;
}

std::size_t ChainSet::versionCount() const {
    std::size_t count = 0;
    for (const auto& entry : chains) count += entry.second.size();
    return count;
}

ChainSet buildChains(const std::vector<chains::ChainDefinition>& definitions, const plugins::PluginRegistry& registry,
                     const services::Clock& clock, const plugins::StagedPlugins* staged) {
    ChainSet set;
    for (const auto& definition : definitions) {
        auto chain = std::make_shared<ReadyChain>();
        chain->definition = definition;
        const std::size_t errorsBefore = set.errors.size();
        for (const auto& step : definition.steps) {
            if (auto instance = bindStep(definition, step, registry, staged, clock, set.errors)) {
                chain->steps.push_back(std::move(instance));
            }
            chain->maxStepTimeoutMs = std::max<std::int64_t>(chain->maxStepTimeoutMs, step.timeoutMs);
        }
        if (set.errors.size() != errorsBefore) continue;
        if (set.find(definition.name, definition.version) != nullptr) {
            set.errors.push_back({definition.location, "chain '" + definition.name + "' version " +
                                                           std::to_string(definition.version) +
                                                           " is defined more than once"});
            continue;
        }
        set.chains[definition.name][definition.version] = std::move(chain);
    }
    return set;
}

}  // namespace orderhost::engine
