// Reloading chains (and plugins) while the host serves: on SIGHUP and POST /v1/admin/reload.
//
// One reload at a time (a second waits for the first). A reload reads the plugin folders
// again (new and changed files go through every check a start makes and load beside the
// builds before them: PluginRegistry::stageReload), reads the chain folder again, plans the
// next chain set against the one being served (engine/ChainReload.h; new versions bind to the
// new builds, whose step configs are checked then), checks every new build's migrations
// (datasource, forbidden statements) before running any, runs them, and only then registers
// the builds and swaps the chain set in. Anything refused before the migrations run changes
// nothing and the report says why, file:line or plugin file by plugin file; a migration that
// fails refuses the reload too (the chains and builds before serve on), and the report names
// what ran before it (migrations are forward-only). A refused reload hands its new builds back
// to the registry (PluginRegistry::release): a retry of the same bytes maps no new copy.
//
// Problems the host already has, word for word (a chain or plugin file refused at start and
// left as it was), do not refuse a reload: it is judged on what it changes. A reload that
// would retire every chain (an empty chain folder) is refused unless `retireAll` says it is
// meant. A stop (interrupt(), or a stop signal pending: `stopPending`) abandons a reload that
// has not begun its migrations: the host does not wait for the rest of its plugin probes.
//
// Requests in flight keep the set they started with (engine/ChainCatalog.h): no request is
// dropped or sees a half-built set, and orders on older chain versions keep the plugin builds
// those versions were bound to.
//
//   HostReload reloads(settings, registry, catalog, database, datasources, stopSignalPending);
//   engine::ReloadReport report = reloads.reload("SIGHUP");
//   if (!report.applied) for (auto& e : report.errors) std::cerr << e << "\n";
#pragma once

#include "host/app/HostSettings.h"
#include "host/engine/ChainCatalog.h"
#include "host/engine/ChainReload.h"
#include "host/plugins/PluginRegistry.h"
#include "host/store/Database.h"
#include "host/store/Datasources.h"

#include <atomic>
#include <functional>
#include <mutex>
#include <string>

namespace orderhost::app {

class HostReload {
public:
    HostReload(const HostSettings& settings, plugins::PluginRegistry& registry, engine::ChainCatalog& catalog,
               store::Database& database, store::Datasources* datasources, std::function<bool()> stopPending = {});

    // Thread-safe; logs what it did or why it refused. `requestedBy` names who asked, for the log.
    engine::ReloadReport reload(const std::string& requestedBy, bool retireAll = false);

    const engine::ReloadCounts& counts() const { return counts_; }

    // First thing at host stop: a reload in progress stops at its next check (between plugin
    // files, while a probe waits, before the migrations) and changes nothing.
    void interrupt() { interrupted_ = true; }
    // At host stop, before what a reload uses is freed: waits for a reload in progress (an HTTP
    // request the drain gave up on may still run one), then refuses every later one (503).
    void close();

private:
    engine::ReloadReport apply(bool retireAll);
    // Plans, migrates, commits; false with report.errors set when refused (nothing committed).
    bool applyStaged(plugins::StagedPlugins& staged, bool retireAll, engine::ReloadReport& report);
    // Plans the chains against `staged`; false with report.errors set when refused.
    bool planChains(const plugins::StagedPlugins& staged, bool retireAll, engine::ChainReloadPlan& plan,
                    engine::ReloadReport& report);
    // The new builds' migrations (plugin tables): all checked, then run; false with
    // report.errors set when one was refused (none ran) or failed.
    bool migrate(const plugins::StagedPlugins& staged, engine::ReloadReport& report);
    bool stopping() const { return interrupted_ || (stopPending_ && stopPending_()); }
    void log(const engine::ReloadReport& report, const std::string& requestedBy) const;

    const HostSettings& settings_;
    plugins::PluginRegistry& registry_;
    engine::ChainCatalog& catalog_;
    store::Database& database_;
    store::Datasources* datasources_;  // for new builds' migrations; null: none run
    std::function<bool()> stopPending_;
    std::atomic<bool> interrupted_{false};
    std::mutex mutex_;
    bool closed_ = false;  // under mutex_
    engine::ReloadCounts counts_;
};

}  // namespace orderhost::app
