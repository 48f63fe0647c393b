// Reloading chains (and plugins) while the host serves: on SIGHUP and POST /v1/admin/reload.
//
// One reload at a time (a second waits for the first). A reload reads the chain folder again,
// plans the next chain set against the one being served (engine/ChainReload.h), and swaps it
// into the catalog only when every file and step checked out; otherwise nothing changes and
// the report says why, file:line by file:line. Requests in flight keep the set they started
// with (engine/ChainCatalog.h): no request is dropped or sees a half-built set.
//
//   HostReload reloads(settings, registry, catalog, database);
//   engine::ReloadReport report = reloads.reload("SIGHUP");
//   if (!report.applied) for (auto& e : report.errors) std::cerr << e << "\n";
#pragma once

#include "host/app/HostSettings.h"
#include "host/engine/ChainCatalog.h"
#include "host/engine/ChainReload.h"
#include "host/plugins/PluginRegistry.h"
#include "host/store/Database.h"

#include <mutex>
#include <string>

namespace orderhost::app {

class HostReload {
public:
    HostReload(const HostSettings& settings, plugins::PluginRegistry& registry, engine::ChainCatalog& catalog,
               store::Database& database);

    // Thread-safe; logs what it did or why it refused. `requestedBy` names who asked, for the log.
    engine::ReloadReport reload(const std::string& requestedBy);

    const engine::ReloadCounts& counts() const { return counts_; }

private:
    engine::ReloadReport reloadChains();
    void log(const engine::ReloadReport& report, const std::string& requestedBy) const;

    const HostSettings& settings_;
    plugins::PluginRegistry& registry_;
    engine::ChainCatalog& catalog_;
    store::Database& database_;
    std::mutex mutex_;
    engine::ReloadCounts counts_;
};

}  // namespace orderhost::app
