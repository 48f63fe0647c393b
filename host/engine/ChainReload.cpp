#include "host/engine/ChainReload.h"

#include "host/chains/Condition.h"
#include "host/store/ChainFingerprints.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include <algorithm>
#include <map>
#include <memory>

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

// Each field as "<length>:<bytes>", so no field's text can pass for two fields (a condition's
// string value may hold any character).
void add(std::string& text, const std::string& field) { text += std::to_string(field.size()) + ":" + field; }

void addCondition(std::string& text, const chains::Condition& condition) {
    add(text, std::to_string(static_cast<int>(condition.kind)));
    add(text, condition.path);
    add(text, std::to_string(condition.values.size()));
    for (const auto& value : condition.values) {
        add(text, std::to_string(static_cast<int>(value.type)));
        add(text, value.type == chains::ConditionValue::Type::String    ? value.string
                  : value.type == chains::ConditionValue::Type::Integer ? std::to_string(value.integer)
                                                                        : (value.boolean ? "true" : "false"));
    }
    add(text, std::to_string(condition.operands.size()));
    for (const auto& operand : condition.operands) addCondition(text, operand);
}

}  // namespace

std::string chainFingerprint(const chains::ChainDefinition& chain) {
    std::string text;
    add(text, chain.name);
    add(text, std::to_string(chain.version));
    add(text, chain.trigger);
    add(text, chain.cancellableUntil);
    for (const auto& step : chain.steps) {
        for (const std::string* field : {&step.name, &step.plugin, &step.stepKind, &step.configJson}) add(text, *field);
        for (const int number :
             {step.attempts, step.backoffMs, step.maxBackoffMs, step.timeoutMs, static_cast<int>(step.onFailure),
              step.signalTimeoutMs, static_cast<int>(step.onSignalTimeout), static_cast<int>(step.commit)})
            add(text, std::to_string(number));
        // The whole tree, not describe()'s text: that is clipped to kMaxDescriptionBytes, so two
        // long conditions with the same beginning would look the same.
        if (step.when)
            addCondition(text, *step.when);
        else
            add(text, "always");
    }
    return text;
}

std::vector<chains::ChainError> refuseEditedVersions(ChainSet& set, store::Database& db,
                                                     std::vector<store::ChainPrint>* toRecord) {
    std::vector<store::ChainPrint> loaded;
    for (const auto& [name, versions] : set.chains)
        for (const auto& [version, chain] : versions) {
            // The steps' names, plugins and kinds, in order: what an order's place (a step index)
            // means. Config, retries and timeouts may change in place across a restart (a
            // gateway's new address must reach the orders waiting for it).
            std::string shape;
            for (const auto& step : chain->definition.steps)
                for (const std::string* field : {&step.name, &step.plugin, &step.stepKind}) add(shape, *field);
            Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
            sha.update(shape);
            loaded.push_back({name, version, Poco::DigestEngine::digestToHex(sha.digest())});
        }
    const std::vector<store::ChainPrint> differing = store::recordedOtherwise(db, loaded);
    const std::vector<store::ChainInUse> bound =
        differing.empty() ? std::vector<store::ChainInUse>{} : store::boundOrdersByChain(db);
    std::vector<chains::ChainError> errors;
    std::vector<store::ChainPrint> kept;
    for (const store::ChainPrint& print : loaded) {
        const bool edited = std::any_of(differing.begin(), differing.end(), [&](const store::ChainPrint& was) {
            return was.chain == print.chain && was.version == print.version;
        });
        const std::int64_t orders = edited ? unfinishedOn(bound, print.chain, print.version) : 0;
        if (orders == 0) {
            kept.push_back(print);
            continue;
        }
        auto& versions = set.chains[print.chain];
        const std::shared_ptr<const ReadyChain> chain = versions.at(print.version);
        errors.push_back({chain->definition.location,
                          "chain '" + print.chain + "' version " + std::to_string(print.version) +
                              " has other steps (names, plugins or kinds, in order) than when " +
                              std::to_string(orders) +
                              " order(s) that may still run or be undone (not cancelled or rejected) started on it "
                              "(chain_fingerprints records it as it was): they keep their place by step position, "
                              "so other steps would run, or be undone, in their stead. Put the file back as it "
                              "was, and give the edited chain a version of its own"});
        versions.erase(print.version);
        if (versions.empty()) set.chains.erase(print.chain);
    }
    if (toRecord != nullptr)
        *toRecord = std::move(kept);
    else
        store::recordChainPrints(db, kept);
    set.errors.insert(set.errors.end(), errors.begin(), errors.end());
    return errors;
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
                     "version: give this file version " +
                     std::to_string(next) +
                     " (and keep the old file while "
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
    // A problem the served set was loaded with, word for word, is no change (ChainReload.h).
    std::vector<chains::ChainError> problems = std::move(plan.errors);
    plan.errors.clear();
    for (auto& problem : problems) {
        const bool known = std::any_of(current.errors.begin(), current.errors.end(),
                                       [&](const chains::ChainError& e) { return e.toString() == problem.toString(); });
        (known ? plan.leftovers : plan.errors).push_back(std::move(problem));
    }
    plan.next.errors = plan.leftovers;
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
