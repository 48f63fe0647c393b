// The plugins this host runs, by id, and the files it refused with the reason for each.
//
// Loading a folder never stops at a bad file: each refusal is logged and kept (the admin API
// lists them) and the host carries on with the plugins that passed. A plugin is accepted only
// if it passes, in order: the file checks, the probe in a child process (optional), the
// allow-list and duplicate-id checks on the probed id (so a refused plugin never runs in the
// host), the in-process negotiation, and the same two checks on the loaded id. A plugin whose
// id is isolated (plugins.isolate) skips the in-process negotiation: RegistryOptions::
// loadIsolated starts its worker processes, which negotiate in their own process.
//
// A plugin id that two files claim is refused for BOTH, each refusal naming every file:
// which copy wins must not depend on folder or file-name order (an integrator's folder
// listed first would otherwise silently replace a reference plugin). With the probe, neither
// copy runs in the host; without it both ran (the code is loaded) but neither is registered.
//
// A reload (stageReload, then commit; PluginReload.cpp) loads new builds of ids beside the
// builds before them; find(id) then answers the newest, the older ones stay for the chain
// versions bound to them. Nothing that ran in this process is ever unloaded: a refused
// reload's in-process builds are kept aside (release) and taken again by a later reload of the
// same bytes, so retrying a refused reload maps no new copy.
#pragma once

#include "host/plugins/PluginLibrary.h"
#include "host/plugins/PluginPins.h"
#include "host/plugins/SealedPluginCopy.h"

#include <orderhost/plugin_api.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace orderhost::plugins {

struct PluginRefusal {
    std::string file;
    std::string reason;
};

struct RegistryOptions {
    // Plugin ids allowed to load; empty allows every id.
    std::set<std::string> allowedIds;
    // plugins.check_permissions: refuse files and folders others than the host's user and
    // root could change (PluginPermissions.h).
    bool checkPermissions = true;
    // plugins.pins: when set, only a file whose SHA-256 is listed loads, and only if it
    // declares the id pinned with it.
    std::shared_ptr<const PluginPins> pins;
    // Try every file in a child process first (see PluginProbe.h).
    bool probeFirst = true;
    std::chrono::milliseconds probeTimeout = std::chrono::seconds(10);
    // plugins.isolate: the ids run out of process ("*": every plugin). Their files are never
    // loaded here: the probe reads the id, then `loadIsolated` starts the plugin's workers
    // and returns it (throwing PluginRefused). Isolation implies the probe. The workers load
    // `loadFrom`: the file itself, or with pins its sealed copy (a /proc/<pid>/fd/N path).
    std::set<std::string> isolatedIds;
    bool isolateAll = false;
    std::function<LoadedPlugin(const std::filesystem::path& file, const std::filesystem::path& loadFrom)> loadIsolated;

    bool isolates(const std::string& id) const { return isolateAll || isolatedIds.count(id) != 0; }
    bool isolatesAny() const { return isolateAll || !isolatedIds.empty(); }
};

// What a reload found in the plugin folders (PluginRegistry::stageReload): the new builds,
// loaded and checked but not yet registered, or why the reload must be refused.
struct StagedPlugins {
    std::deque<LoadedPlugin> builds;      // new or changed files, one per id
    std::vector<PluginRefusal> refusals;  // any: the reload is refused
    // Refused again exactly as the registry already lists them (a file refused at start and
    // left in the folder): the reload changes nothing about them, so they do not refuse it.
    std::vector<PluginRefusal> leftovers;
    bool interrupted = false;                // `interrupted` said stop: files after it were not read
    std::shared_ptr<const PluginPins> pins;  // the pin file as read for this reload (plugins.pins)
    const LoadedPlugin* find(const std::string& id) const;
};

// "orderhost.credit 1.0.2 (/path/orderhost-credit.so, sha256 0123456789ab)".
std::string describeBuild(const LoadedPlugin& plugin);

class PluginRegistry {
public:
    PluginRegistry(const oh_host_info& host, RegistryOptions options);
    PluginRegistry(const PluginRegistry&) = delete;
    PluginRegistry& operator=(const PluginRegistry&) = delete;

    // Loads every "*.so" file of the folders, in name order within each folder, refusing
    // every file of an id claimed more than once. A missing folder is a refusal too.
    void loadFolders(const std::vector<std::filesystem::path>& folders);
    void loadFolder(const std::filesystem::path& folder) { loadFolders({folder}); }

    // Loads one file; returns the plugin, or nullptr after recording the refusal. An id
    // registered before is refused for this file only (the earlier plugin may be in use).
    const LoadedPlugin* loadFile(const std::filesystem::path& file);

    // The current build of `id`: the one new chain versions bind to (the last one loaded).
    // With `staged`, a build staged for a reload comes first. Thread-safe.
    const LoadedPlugin* find(const std::string& id, const StagedPlugins* staged = nullptr) const;
    // Every build, in load order (older builds of an id stay: chain versions bound to them
    // still run them; a library is never unloaded). Not while a reload may run: see snapshot().
    const std::deque<LoadedPlugin>& plugins() const { return plugins_; }
    const std::vector<PluginRefusal>& refusals() const { return refusals_; }
    // Thread-safe copies for readers while a reload may run (HTTP handlers).
    std::vector<const LoadedPlugin*> snapshot() const;
    std::vector<PluginRefusal> refusalsSnapshot() const;
    bool isCurrent(const LoadedPlugin& plugin) const;

    // Hot reload, step 1: every "*.so" of the folders whose content differs from the current
    // build loaded from that file (or that no build came from) goes through every check a file
    // goes through at start — permissions, `pins` (the pin file read again; null: the start's),
    // the probe, the allow-list, isolation — and is loaded from a sealed copy of its bytes (so
    // the loader cannot hand back the old build under the same path), beside the old build.
    // Unchanged files run none of their code again. Nothing is registered: see commit().
    // Any refusal (also two files claiming one id) is in the result; the registry is unchanged.
    // A refusal the registry already lists (same file, same reason) goes to `leftovers`.
    // `interrupted` (may be empty) is asked before each file and while a probe waits; when it
    // says stop, staging ends (a probe child is killed) and the result says so.
    StagedPlugins stageReload(const std::vector<std::filesystem::path>& folders,
                              std::shared_ptr<const PluginPins> pins = nullptr,
                              const std::function<bool()>& interrupted = {});
    // Step 2, once the whole reload checked out: the staged builds become their ids' current
    // builds. The builds they replace stay loaded (until the process ends). The registry's
    // refusals become the reload's leftovers: the ones still standing.
    void commit(StagedPlugins staged);
    // Instead of commit, for a refused reload: isolated builds end (their workers stop, their
    // sealed copy closes). An in-process build cannot be unloaded (its code ran; plugin_api.h
    // promises a library is never unloaded), so it is kept aside by SHA-256 and a later
    // stageReload finding a file with those bytes takes it (after the checks made before a
    // file's code runs: permissions, pins, allow-list) instead of loading another copy.
    void release(StagedPlugins staged);
    std::size_t releasedBuilds() const { return released_.size(); }  // kept aside, for tests

private:
    struct Staging;
    const LoadedPlugin* currentBuildFrom(const std::string& name) const;

    // A file that passed the checks made before its code runs: what to load, and its pin.
    struct Admitted {
        std::filesystem::path file;
        std::string name;                      // absolute, normal: the name refusals use
        std::optional<SealedPluginCopy> copy;  // with pins: the bytes that were hashed
        const PluginPin* pin = nullptr;        // with pins
        std::filesystem::path loadFrom() const { return copy ? std::filesystem::path(copy->path()) : file; }
    };
    // A file whose id passed the probe's checks (or, without the probe, that loaded).
    struct Candidate {
        Admitted admitted;
        std::string id;
        std::optional<LoadedPlugin> loaded;  // without the probe only
    };
    // Permissions, then the pin: refused (nullopt) before any of the file's code runs.
    std::optional<Admitted> admit(const std::filesystem::path& file);
    std::optional<Candidate> probe(const std::filesystem::path& file);
    // A build release() kept aside for `file`'s bytes, after the checks made before a file's
    // code runs (nullopt: refused, the refusal recorded).
    std::optional<Candidate> takeReleased(const std::filesystem::path& file);
    std::optional<Candidate> loadUnregistered(Admitted admitted);
    // The probed candidate loaded: out of process when its id is isolated, else in this one.
    std::optional<Candidate> loadProbed(Candidate& probed);
    const LoadedPlugin* registerLoaded(const std::string& name, LoadedPlugin plugin);
    // Why `id` may not be registered (not the pinned id, not allowed, already loaded), or "".
    std::string idProblem(const std::string& id, const PluginPin* pin) const;
    const LoadedPlugin* refuse(const std::string& file, const std::string& reason);
    bool probeFirst() const { return options_.probeFirst || options_.isolatesAny(); }

    const oh_host_info& host_;
    RegistryOptions options_;
    mutable std::mutex mutex_;                    // plugins_, current_, refusals_: HTTP threads read during a reload
    std::deque<LoadedPlugin> plugins_;            // deque: pointers handed out stay valid
    std::map<std::string, std::size_t> current_;  // id → index in plugins_ of its current build
    std::vector<PluginRefusal> refusals_;
    StagedPlugins* staging_ = nullptr;                    // during stageReload (one at a time: the caller's lock)
    const std::function<bool()>* interrupted_ = nullptr;  // during stageReload: the caller's
    std::map<std::string, LoadedPlugin> released_;        // sha256 → a refused reload's in-process build
};

}  // namespace orderhost::plugins
