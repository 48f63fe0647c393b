#include "host/app/HostReload.h"

#include "host/chains/ChainDirectoryLoader.h"
#include "host/services/DeclaredMigrations.h"
#include "host/services/HostServices.h"
#include "host/store/ChainCensus.h"
#include "host/store/StoreError.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace orderhost::app {
namespace {

std::string joined(const std::vector<std::string>& items) {
    std::string text;
    for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
    return text.empty() ? "none" : text;
}

constexpr const char* kAbandoned = ": the reload was abandoned before it changed anything";

// Answered 503: a host that starts again reads the folders anyway.
engine::ReloadReport& stoppingReport(engine::ReloadReport& report, const std::string& what) {
    report.errors.assign(1, {"", "the host is stopping" + what});
    report.stillRefused.clear();
    report.databaseUnavailable = true;
    return report;
}

bool servesAChain(const engine::ChainSet& set) {
    for (const auto& [name, versions] : set.chains)
        if (set.latest(name) != nullptr) return true;
    return false;
}

}  // namespace

HostReload::HostReload(const HostSettings& settings, plugins::PluginRegistry& registry, engine::ChainCatalog& catalog,
                       store::Database& database, store::Datasources* datasources, std::function<bool()> stopPending)
    : settings_(settings),
      registry_(registry),
      catalog_(catalog),
      database_(database),
      datasources_(datasources),
      stopPending_(std::move(stopPending)) {}

void HostReload::close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
}

engine::ReloadReport HostReload::reload(const std::string& requestedBy, bool retireAll) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) {
        engine::ReloadReport stopping;
        spdlog::warn("reload requested by {} refused: the host is stopping", requestedBy);
        return stoppingReport(stopping, "");
    }
    const auto began = std::chrono::steady_clock::now();
    spdlog::info("reload requested by {}: reading the plugin folders and {}", requestedBy, settings_.chainsFolder);
    engine::ReloadReport report = apply(retireAll);
    report.generation = catalog_.generation();
    report.tookMs =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began).count();
    (report.applied ? counts_.applied : counts_.refused).fetch_add(1);
    log(report, requestedBy);
    return report;
}

engine::ReloadReport HostReload::apply(bool retireAll) {
    engine::ReloadReport report;
    std::shared_ptr<const plugins::PluginPins> pins;  // read again: a new build's pin may be new
    if (!settings_.pluginPinsFile.empty()) {
        try {
            pins = std::make_shared<const plugins::PluginPins>(plugins::PluginPins::readFile(settings_.pluginPinsFile));
        } catch (const plugins::PinFileError& e) {
            report.errors.push_back({settings_.pluginPinsFile, std::string("plugins.pins: ") + e.what()});
            return report;
        }
    }
    plugins::StagedPlugins staged = registry_.stageReload(
        {settings_.pluginFolders.begin(), settings_.pluginFolders.end()}, pins, [this] { return stopping(); });
    for (const auto& refusal : staged.refusals) report.errors.push_back({refusal.file, refusal.reason});
    for (const auto& refusal : staged.leftovers) report.stillRefused.push_back({refusal.file, refusal.reason});
    if (staged.interrupted || stopping()) {
        stoppingReport(report, kAbandoned);
    } else if (report.errors.empty() && applyStaged(staged, retireAll, report)) {
        return report;
    }
    registry_.release(std::move(staged));
    return report;
}

bool HostReload::applyStaged(plugins::StagedPlugins& staged, bool retireAll, engine::ReloadReport& report) {
    engine::ChainReloadPlan plan;  // its new step instances end with it, before a refusal releases their builds
    if (!planChains(staged, retireAll, plan, report)) return false;
    if (stopping()) {  // the last point at which nothing has changed
        stoppingReport(report, kAbandoned);
        return false;
    }
    if (!migrate(staged, report)) return false;
    for (const auto& build : staged.builds) report.pluginBuilds.push_back(plugins::describeBuild(build));
    registry_.commit(std::move(staged));
    catalog_.replace(std::make_shared<const engine::ChainSet>(std::move(plan.next)));
    try {  // recorded only now that they are served (a refused reload serves none of them)
        store::recordChainPrints(database_, plan.prints);
    } catch (const store::StoreError& e) {
        spdlog::warn("reload: the chain fingerprints could not be recorded ({}); the next start records them",
                     e.what());
    }
    report.applied = true;
    report.added = std::move(plan.added);
    report.kept = std::move(plan.kept);
    report.retired = std::move(plan.retired);
    report.dropped = std::move(plan.dropped);
    return true;
}

bool HostReload::planChains(const plugins::StagedPlugins& staged, bool retireAll, engine::ChainReloadPlan& plan,
                            engine::ReloadReport& report) {
    const std::shared_ptr<const engine::ChainSet> current = catalog_.current();
    const chains::ChainDirectoryResult loaded = chains::loadChainDirectory(settings_.chainsFolder);
    try {
        plan = engine::planChainReload(
            *current, loaded, registry_, services::systemClockMs,
            [this] { return store::unfinishedOrdersByChain(database_); }, &staged);
    } catch (const store::StoreError& e) {
        // Without the census a removed chain version could be dropped under its orders.
        report.errors.push_back(
            {"database", std::string("cannot count the unfinished orders per chain version: ") + e.what()});
        report.databaseUnavailable = true;
        return false;
    }
    // A version edited in place since a host last served it (engine::refuseEditedVersions): the
    // reload is refused like an edit it saw itself — unless this host refused the same at start,
    // word for word: that is left over, and must not refuse every reload until the file is back.
    try {
        for (const auto& error : engine::refuseEditedVersions(plan.next, database_, &plan.prints)) {
            const bool known =
                std::any_of(current->errors.begin(), current->errors.end(),
                            [&](const chains::ChainError& e) { return e.toString() == error.toString(); });
            (known ? report.stillRefused : report.errors).push_back({error.location.toString(), error.message});
        }
    } catch (const store::StoreError& e) {
        report.errors.push_back({"database", std::string("cannot read the chain fingerprints: ") + e.what()});
        report.databaseUnavailable = true;
        return false;
    }
    // A refused plan's new step instances are destroyed with it (their plugins' destroy() runs)
    // before the caller replies.
    for (const auto& error : plan.errors) report.errors.push_back({error.location.toString(), error.message});
    for (const auto& error : plan.leftovers) report.stillRefused.push_back({error.location.toString(), error.message});
    // An emptied (or emptied by mistake: a deploy that cleared it) folder would leave no chain
    // for new orders: every order posted after it would be refused.
    if (report.errors.empty() && !retireAll && servesAChain(*current) && !servesAChain(plan.next)) {
        report.errors.push_back(
            {settings_.chainsFolder,
             std::string(loaded.chains.empty() && plan.leftovers.empty() ? "chains folder has no chain files"
                                                                         : "no chain file in the chains folder loads") +
                 "; a reload that retires every chain is refused (the chains loaded before serve on). To retire "
                 "every chain on purpose: POST /v1/admin/reload?retire_all=true"});
    }
    return report.errors.empty();
}

bool HostReload::migrate(const plugins::StagedPlugins& staged, engine::ReloadReport& report) {
    if (datasources_ == nullptr) return true;
    // Every build's declaration is checked before any runs: a refusal of the second must not
    // leave the first's tables changed.
    std::vector<std::pair<const plugins::LoadedPlugin*, services::PreparedMigrations>> prepared;
    for (const auto& build : staged.builds) {
        try {
            if (auto migrations = services::prepareMigrationsOf(build, *datasources_))
                prepared.emplace_back(&build, std::move(*migrations));
        } catch (const std::exception& e) {
            report.errors.push_back({build.manifest.file, std::string(e.what()) + " (no migration ran)"});
        }
    }
    if (!report.errors.empty()) return false;
    std::vector<std::string> ran;
    for (const auto& [build, migrations] : prepared) {
        try {
            const services::AppliedPluginMigrations applied = services::applyPrepared(migrations);
            if (applied.versions.empty()) continue;
            spdlog::info("plugin {}: applied {} migration(s) for its new build", applied.pluginId,
                         applied.versions.size());
            for (const int version : applied.versions) ran.push_back(applied.pluginId + " " + std::to_string(version));
        } catch (const std::exception& e) {
            report.errors.push_back(
                {build->manifest.file, std::string(e.what()) +
                                           "; the chains and plugin builds loaded before serve on; "
                                           "migrations this reload ran before it stay (they are forward-only): " +
                                           joined(ran)});
            return false;
        }
    }
    return true;
}

void HostReload::log(const engine::ReloadReport& report, const std::string& requestedBy) const {
    if (!report.applied) {
        spdlog::error("reload requested by {} refused, nothing changed ({} problem(s)):", requestedBy,
                      report.errors.size());
        for (const auto& error : report.errors) spdlog::error("reload refused: {}", error.toString());
        return;
    }
    for (const auto& problem : report.stillRefused)
        spdlog::warn("reload: still refused, as before (left out, not refusing the reload): {}", problem.toString());
    spdlog::info("reload requested by {} done in {} ms (chain set {}): added {}; kept {}; retired {}; dropped {}",
                 requestedBy, report.tookMs, report.generation, joined(report.added), joined(report.kept),
                 joined(report.retired), joined(report.dropped));
    if (!report.pluginBuilds.empty()) spdlog::info("reload loaded plugin builds: {}", joined(report.pluginBuilds));
    const auto chains = catalog_.current();
    if (!settings_.defaultChain.empty() && chains->latest(settings_.defaultChain) == nullptr)
        spdlog::warn("default chain '{}' is not loaded after the reload: orders without a \"chain\" field are refused",
                     settings_.defaultChain);
}

}  // namespace orderhost::app
