#include "host/app/HostReload.h"

#include "host/chains/ChainDirectoryLoader.h"
#include "host/services/DeclaredMigrations.h"
#include "host/services/HostServices.h"
#include "host/store/ChainCensus.h"
#include "host/store/StoreError.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace orderhost::app {
namespace {

std::string joined(const std::vector<std::string>& items) {
    std::string text;
    for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
    return text.empty() ? "none" : text;
}

}  // namespace

HostReload::HostReload(const HostSettings& settings, plugins::PluginRegistry& registry, engine::ChainCatalog& catalog,
                       store::Database& database, store::Datasources* datasources)
    : settings_(settings), registry_(registry), catalog_(catalog), database_(database), datasources_(datasources) {}

void HostReload::close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
}

engine::ReloadReport HostReload::reload(const std::string& requestedBy) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) {
        engine::ReloadReport stopping;
        stopping.databaseUnavailable = true;  // answered 503: a host that starts again reads the folders anyway
        stopping.errors.push_back({"", "the host is stopping"});
        spdlog::warn("reload requested by {} refused: the host is stopping", requestedBy);
        return stopping;
    }
    const auto began = std::chrono::steady_clock::now();
    spdlog::info("reload requested by {}: reading the plugin folders and {}", requestedBy, settings_.chainsFolder);
    engine::ReloadReport report = apply();
    report.generation = catalog_.generation();
    report.tookMs =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began).count();
    (report.applied ? counts_.applied : counts_.refused).fetch_add(1);
    log(report, requestedBy);
    return report;
}

engine::ReloadReport HostReload::apply() {
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
    plugins::StagedPlugins staged =
        registry_.stageReload({settings_.pluginFolders.begin(), settings_.pluginFolders.end()}, pins);
    for (const auto& refusal : staged.refusals) report.errors.push_back({refusal.file, refusal.reason});
    engine::ChainReloadPlan plan;
    if (!report.errors.empty() || !planChains(staged, plan, report) || !migrate(staged, report)) return report;
    for (const auto& build : staged.builds) report.pluginBuilds.push_back(plugins::describeBuild(build));
    registry_.commit(std::move(staged));
    catalog_.replace(std::make_shared<const engine::ChainSet>(std::move(plan.next)));
    report.applied = true;
    report.added = std::move(plan.added);
    report.kept = std::move(plan.kept);
    report.retired = std::move(plan.retired);
    report.dropped = std::move(plan.dropped);
    return report;
}

bool HostReload::planChains(const plugins::StagedPlugins& staged, engine::ChainReloadPlan& plan,
                            engine::ReloadReport& report) {
    const std::shared_ptr<const engine::ChainSet> current = catalog_.current();
    const chains::ChainDirectoryResult loaded = chains::loadChainDirectory(settings_.chainsFolder);
    try {
        plan = engine::planChainReload(*current, loaded, registry_, services::systemClockMs,
                                       [this] { return store::unfinishedOrdersByChain(database_); }, &staged);
    } catch (const store::StoreError& e) {
        // Without the census a removed chain version could be dropped under its orders.
        report.errors.push_back({"database", std::string("cannot count the unfinished orders per chain version: ") + e.what()});
        report.databaseUnavailable = true;
        return false;
    }
    // A refused plan's new step instances are destroyed with it (their plugins' destroy() runs)
    // before the caller replies.
    for (const auto& error : plan.errors) report.errors.push_back({error.location.toString(), error.message});
    return report.errors.empty();
}

bool HostReload::migrate(const plugins::StagedPlugins& staged, engine::ReloadReport& report) {
    if (datasources_ == nullptr) return true;
    for (const auto& build : staged.builds) {
        try {
            const auto applied = services::applyMigrationsOf(build, *datasources_);
            if (applied && !applied->versions.empty())
                spdlog::info("plugin {}: applied {} migration(s) for its new build", build.manifest.id,
                             applied->versions.size());
        } catch (const std::exception& e) {
            report.errors.push_back({build.manifest.file, e.what()});
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
