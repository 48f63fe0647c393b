// Reloading chains (and plugins) while the host serves: on SIGHUP and POST /v1/admin/reload.
//
// One reload at a time (a second waits for the first). A reload reads the plugin folders
// again (new and changed files go through every check a start makes and load beside the
// builds before them: PluginRegistry::stageReload), reads the chain folder again, plans the
// next chain set against the one being served (engine/ChainReload.h; new versions bind to the
// new builds), applies the new builds' migrations, and only then registers the builds and
// swaps the chain set in. Anything refused before that point changes nothing and the report
// says why, file:line or plugin file by plugin file. Requests in flight keep the set they
// started with (engine/ChainCatalog.h): no request is dropped or sees a half-built set, and
// orders on older chain versions keep the plugin builds those versions were bound to.
//
//   HostReload reloads(settings, registry, catalog, database, datasources);
//   engine::ReloadReport report = reloads.reload("SIGHUP");
//   if (!report.applied) for (auto& e : report.errors) std::cerr << e << "\n";
#pragma once

#include "host/app/HostSettings.h"
#include "host/engine/ChainCatalog.h"
#include "host/engine/ChainReload.h"
#include "host/plugins/PluginRegistry.h"
#include "host/store/Database.h"
#include "host/store/Datasources.h"

#include <mutex>
#include <string>

namespace orderhost::app {

class HostReload {
public:
    HostReload(const HostSettings& settings, plugins::PluginRegistry& registry, engine::ChainCatalog& catalog,
               store::Database& database, store::Datasources* datasources);

    // Thread-safe; logs what it did or why it refused. `requestedBy` names who asked, for the log.
    engine::ReloadReport reload(const std::string& requestedBy);

    const engine::ReloadCounts& counts() const { return counts_; }

    // At host stop, before what a reload uses is freed: waits for a reload in progress (an HTTP
    // request the drain gave up on may still run one), then refuses every later one (503).
    void close();

private:
    engine::ReloadReport apply();
    // Plans the chains against `staged`; false with report.errors set when refused.
    bool planChains(const plugins::StagedPlugins& staged, engine::ChainReloadPlan& plan, engine::ReloadReport& report);
    // The new builds' migrations (plugin tables); false with report.errors set when one failed.
    bool migrate(const plugins::StagedPlugins& staged, engine::ReloadReport& report);
    void log(const engine::ReloadReport& report, const std::string& requestedBy) const;

    const HostSettings& settings_;
    plugins::PluginRegistry& registry_;
    engine::ChainCatalog& catalog_;
    store::Database& database_;
    store::Datasources* datasources_;  // for new builds' migrations; null: none run
    std::mutex mutex_;
    bool closed_ = false;  // under mutex_
    engine::ReloadCounts counts_;
};

}  // namespace orderhost::app
