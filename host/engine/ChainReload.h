// What a reload (SIGHUP, POST /v1/admin/reload) makes of the chain set being served and the
// chain files now in the folder: the next set, or the reasons it is refused. Nothing is
// swapped here; the caller replaces the catalog's set only when `errors` is empty, so a
// reload that fails validation changes nothing.
//
//   ChainReloadPlan plan = planChainReload(*catalog.current(), loadChainDirectory(folder), registry,
//                                          clock, [&] { return store::unfinishedOrdersByChain(db); });
//   if (plan.errors.empty()) catalog.replace(std::make_shared<const ChainSet>(std::move(plan.next)));
//
// The rules, per chain version (name, version):
//   - in the folder and loaded, same steps: kept as it is (the same ReadyChain: the same plugin
//     builds and step instances; its description and file stay as first loaded). A plugin build
//     loaded by the same reload is used by new versions only;
//   - in the folder and loaded, other steps: refused. Orders keep the steps of the version they
//     started on, so a change needs a new version number;
//   - in the folder, not loaded: bound to the plugins now (the newest build of each id);
//     any error (unknown plugin, config refused) refuses the whole reload;
//   - a problem the set being served was loaded with, word for word (a file broken since the
//     start, left as it was): no change, so it does not refuse the reload; it is reported in
//     `leftovers` and stays in the next set's errors (the chain stays out, as at start);
//   - loaded, file removed: kept as retired (no new order starts on a retired version) until
//     the host restarts. Never dropped while the host runs: besides the unfinished orders on
//     it, a failed order may still be cancelled (its undo runs this version's steps), a
//     completed one cancelled before cancellable_until, and a cancel may have recorded this
//     version of a cancel chain in an order still undoing (the census sees none of those).
//     A restart loads only the files in the folder, as before hot reload.
#pragma once

#include "host/chains/ChainDirectoryLoader.h"
#include "host/engine/ReadyChain.h"
#include "host/store/ChainCensus.h"
#include "host/store/ChainFingerprints.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace orderhost::engine {

// What one reload did, or why it changed nothing: the admin endpoint's reply, the log's lines.
struct ReloadProblem {
    std::string where;  // "chains/x.yaml:3:5", a plugin file, "database"
    std::string message;
    std::string toString() const { return where.empty() ? message : where + ": " + message; }
};

struct ReloadReport {
    bool applied = false;
    std::vector<ReloadProblem> errors;  // any: refused, nothing changed
    // Problems the host already had (a file refused at start and left as it was): they do
    // not refuse the reload; what they left out stays out.
    std::vector<ReloadProblem> stillRefused;
    bool databaseUnavailable = false;                        // refused because the census of orders failed: ask again
    std::vector<std::string> added, kept, retired, dropped;  // chain versions (ChainReloadPlan)
    std::vector<std::string> pluginBuilds;                   // plugin builds loaded by this reload
    std::uint64_t generation = 0;                            // the catalog's, after the reload
    std::int64_t tookMs = 0;
};

// Reloads since the host started, for GET /metrics.
struct ReloadCounts {
    std::atomic<std::uint64_t> applied{0};
    std::atomic<std::uint64_t> refused{0};
};

struct ChainReloadPlan {
    std::vector<chains::ChainError> errors;     // any: the reload is refused
    std::vector<chains::ChainError> leftovers;  // in current.errors already: reported, not refusing
    ChainSet next;
    // "place-order v2", for the reply and the log.
    std::vector<std::string> added;
    std::vector<std::string> kept;
    std::vector<std::string> retired;  // "place-order v1 (3 unfinished orders)"
    std::vector<std::string> dropped;
    // The chain versions' prints to record once `next` is served (refuseEditedVersions).
    std::vector<store::ChainPrint> prints;
};

// `census` (unfinished orders per chain version; may throw) is asked once, after the holders
// of the removed versions were counted.
// New versions bind to `staged` plugin builds first (the same reload's), then the registry's.
ChainReloadPlan planChainReload(const ChainSet& current, const chains::ChainDirectoryResult& loaded,
                                const plugins::PluginRegistry& registry, const services::Clock& clock,
                                const std::function<std::vector<store::ChainInUse>()>& census,
                                const plugins::StagedPlugins* staged = nullptr);

// The parts of a chain definition orders depend on (trigger, cancellable_until, steps with
// their plugins, configs, retries, timeouts, policies and their whole `when:` trees), as
// text: equal texts, same chain. The description and the file's name and layout are not.
std::string chainFingerprint(const chains::ChainDefinition& chain);

// Chain versions edited in place across a restart (store/ChainFingerprints.h): each version in
// `set` whose steps (names, plugins, kinds, in order; not their config, retries or timeouts)
// differ from those recorded when it was served before, while orders whose steps may still run
// or be undone are on it (store::boundOrdersByChain), is taken out of `set` with an error naming
// its file (also added to set.errors) — those orders would go on, or be undone, by step position
// on other steps. The prints of the versions kept (an edited one no such order is on included)
// are recorded, or, with `toRecord`, left there for the caller to record once it serves `set`.
// Throws StoreError.
std::vector<chains::ChainError> refuseEditedVersions(ChainSet& set, store::Database& db,
                                                     std::vector<store::ChainPrint>* toRecord = nullptr);

}  // namespace orderhost::engine
