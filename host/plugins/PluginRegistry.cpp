#include "host/plugins/PluginRegistry.h"

#include "host/plugins/PluginFolder.h"
#include "host/plugins/PluginPermissions.h"
#include "host/plugins/PluginProbe.h"
#include "host/plugins/PluginSymbols.h"

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>

namespace orderhost::plugins {
namespace fs = std::filesystem;

// Shared with PluginReload.cpp (PluginFolder.h).
std::string normalName(const fs::path& file) { return fs::absolute(file).lexically_normal().string(); }

std::vector<fs::path> libraryFiles(const fs::path& folder, std::error_code& ec) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
        if (entry.path().extension() == ".so") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::string duplicateReason(const std::string& id, const std::vector<std::string>& files) {
    std::string list;
    for (const auto& file : files) list += (list.empty() ? "" : ", ") + file;
    return "duplicate plugin id '" + id + "': claimed by " + std::to_string(files.size()) + " files (" + list +
           "); none of them is loaded: remove all but one";
}

namespace {

// The SHA-256 a build is known by: of the sealed copy when there is one (the bytes loaded).
std::string buildHash(const std::optional<SealedPluginCopy>& copy, const fs::path& file) {
    if (copy) return copy->sha256();
    std::string problem;
    return sha256OfFile(file, problem);  // "" if unreadable now: then it never matches a file
}

// Extra exports are not refused (many plain builds have them) but an administrator should
// hear about them; GNU unique ones are refused by checkPluginFile.
void warnAboutExports(const fs::path& file, const std::string& name) {
    const std::string warning = extraSymbolsWarning(readExportedSymbols(file));
    if (!warning.empty()) spdlog::warn("plugin {}: {}", name, warning);
}

}  // namespace

PluginRegistry::PluginRegistry(const oh_host_info& host, RegistryOptions options)
    : host_(host), options_(std::move(options)) {}

void PluginRegistry::loadFolders(const std::vector<fs::path>& folders) {
    std::vector<Candidate> candidates;
    std::set<fs::path> seen;  // a folder listed twice must not make its files clash with themselves
    for (const auto& folder : folders) {
        std::error_code ec;
        if (!fs::is_directory(folder, ec)) {
            refuse(folder.string(), "plugin folder does not exist or is not a folder");
            continue;
        }
        for (const auto& file : libraryFiles(folder, ec)) {
            if (!seen.insert(fs::absolute(file).lexically_normal()).second) continue;
            std::optional<Candidate> candidate;
            if (probeFirst()) {
                candidate = probe(file);
            } else if (auto admitted = admit(file)) {
                candidate = loadUnregistered(std::move(*admitted));
            }
            if (candidate) candidates.push_back(std::move(*candidate));
        }
    }
    std::map<std::string, std::vector<std::string>> claims;
    for (const auto& candidate : candidates) claims[candidate.id].push_back(candidate.admitted.name);
    for (auto& candidate : candidates) {
        const auto& files = claims[candidate.id];
        if (files.size() > 1) {
            refuse(candidate.admitted.name, duplicateReason(candidate.id, files));
        } else if (candidate.loaded) {
            registerLoaded(candidate.admitted.name, std::move(*candidate.loaded));
        } else if (auto loaded = loadProbed(candidate)) {
            registerLoaded(loaded->admitted.name, std::move(*loaded->loaded));
        }
    }
}

const LoadedPlugin* PluginRegistry::loadFile(const fs::path& file) {
    std::optional<Candidate> candidate;
    if (probeFirst()) {
        if (auto probed = probe(file)) candidate = loadProbed(*probed);
    } else if (auto admitted = admit(file)) {
        candidate = loadUnregistered(std::move(*admitted));
    }
    return candidate ? registerLoaded(candidate->admitted.name, std::move(*candidate->loaded)) : nullptr;
}

std::optional<PluginRegistry::Admitted> PluginRegistry::admit(const fs::path& file) {
    Admitted admitted{file, normalName(file), std::nullopt, nullptr};
    if (options_.checkPermissions) {
        if (auto problem = permissionProblem(file, ::geteuid()); !problem.empty()) {
            refuse(admitted.name, problem + " (plugins.check_permissions)");
            return std::nullopt;
        }
    }
    // A reload seals every file: a new build at an old build's path must not be found by the
    // loader under that path (it would hand back the old build).
    if (!options_.pins && staging_ == nullptr) return admitted;
    std::string problem;
    admitted.copy = SealedPluginCopy::of(file, problem);
    if (!admitted.copy) {
        refuse(admitted.name, problem);
        return std::nullopt;
    }
    if (!options_.pins) return admitted;
    admitted.pin = options_.pins->find(admitted.copy->sha256());
    if (admitted.pin == nullptr) {
        refuse(admitted.name, "its SHA-256 " + admitted.copy->sha256() + " is not listed in plugins.pins (" +
                                  options_.pins->source() +
                                  "); none of its code ran. If this file is trusted, "
                                  "review `orderhost plugins pin` on it and add the line");
        return std::nullopt;
    }
    return admitted;
}

std::optional<PluginRegistry::Candidate> PluginRegistry::probe(const fs::path& file) {
    auto admitted = admit(file);
    if (!admitted) return std::nullopt;
    const ProbeResult probe = probePlugin(admitted->loadFrom(), host_, options_.probeTimeout,
                                          interrupted_ != nullptr ? *interrupted_ : std::function<bool()>());
    if (!probe.accepted) {
        refuse(admitted->name, probe.reason);
        return std::nullopt;
    }
    // The probe already read the id: a plugin the admin did not allow, or a second copy,
    // is refused before any of its code runs in the host process.
    if (auto reason = idProblem(probe.manifest.id, admitted->pin); !reason.empty()) {
        refuse(admitted->name, reason);
        return std::nullopt;
    }
    return Candidate{std::move(*admitted), probe.manifest.id, std::nullopt};
}

std::optional<PluginRegistry::Candidate> PluginRegistry::loadUnregistered(Admitted admitted) {
    // A library dlopen()ed from the copy stays loaded under its /proc/self/fd name.
    if (admitted.copy) admitted.copy->keepOpenForever();
    try {
        LoadedPlugin plugin = loadPluginInProcess(admitted.loadFrom(), host_);
        plugin.manifest.file = admitted.name;
        plugin.sha256 = buildHash(admitted.copy, admitted.file);
        warnAboutExports(admitted.loadFrom(), admitted.name);
        // Without a probe this is the first time the id is known; with one, the file may
        // have been replaced since the probe read it (not with pins: the copy is sealed).
        if (auto reason = idProblem(plugin.manifest.id, admitted.pin); !reason.empty()) {
            refuse(admitted.name, reason);
            return std::nullopt;
        }
        std::string id = plugin.manifest.id;
        return Candidate{std::move(admitted), std::move(id), std::move(plugin)};
    } catch (const PluginRefused& refused) {
        refuse(admitted.name, refused.reason());
        return std::nullopt;
    }
}

std::optional<PluginRegistry::Candidate> PluginRegistry::loadProbed(Candidate& probed) {
    Admitted& admitted = probed.admitted;
    if (!options_.isolates(probed.id) || !options_.loadIsolated) return loadUnregistered(std::move(admitted));
    try {
        // Workers are other processes: they reach the copy through the host's /proc entry,
        // which must stay open for every later restart of a worker. The build holds it: it
        // closes only when the build ends (a refused reload's build: PluginRegistry::release).
        fs::path loadFrom = admitted.file;
        std::shared_ptr<const SealedPluginCopy> copy;
        if (admitted.copy) {
            loadFrom = admitted.copy->pathForOtherProcesses();
            copy = std::make_shared<const SealedPluginCopy>(std::move(*admitted.copy));
            admitted.copy.reset();
        }
        LoadedPlugin plugin = options_.loadIsolated(admitted.file, loadFrom);
        plugin.sealedCopy = std::move(copy);
        plugin.manifest.file = admitted.name;
        plugin.sha256 = plugin.sealedCopy ? plugin.sealedCopy->sha256() : buildHash(std::nullopt, admitted.file);
        // The worker loaded the file again: it may have been replaced since the probe.
        if (auto reason = idProblem(plugin.manifest.id, admitted.pin); !reason.empty()) {
            refuse(admitted.name, reason);
            return std::nullopt;
        }
        spdlog::info("plugin {} runs isolated, in worker processes", plugin.manifest.id);
        std::string id = plugin.manifest.id;
        return Candidate{std::move(admitted), std::move(id), std::move(plugin)};
    } catch (const PluginRefused& refused) {
        refuse(admitted.name, refused.reason());
        return std::nullopt;
    }
}

const LoadedPlugin* PluginRegistry::registerLoaded(const std::string& name, LoadedPlugin plugin) {
    spdlog::info("plugin {} {} loaded from {} ({} step kind(s), ABI {}.{})", plugin.manifest.id,
                 plugin.manifest.version, name, plugin.manifest.stepKinds.size(), plugin.manifest.abiMajor,
                 plugin.manifest.abiMinor);
    std::lock_guard<std::mutex> lock(mutex_);
    plugins_.push_back(std::move(plugin));
    current_[plugins_.back().manifest.id] = plugins_.size() - 1;
    return &plugins_.back();
}

const LoadedPlugin* PluginRegistry::find(const std::string& id, const StagedPlugins* staged) const {
    if (staged != nullptr)
        if (const LoadedPlugin* build = staged->find(id)) return build;
    std::lock_guard<std::mutex> lock(mutex_);
    const auto found = current_.find(id);
    return found == current_.end() ? nullptr : &plugins_[found->second];
}

std::vector<const LoadedPlugin*> PluginRegistry::snapshot() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<const LoadedPlugin*> all;
    for (const auto& plugin : plugins_) all.push_back(&plugin);
    return all;
}

std::vector<PluginRefusal> PluginRegistry::refusalsSnapshot() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return refusals_;
}

bool PluginRegistry::isCurrent(const LoadedPlugin& plugin) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto found = current_.find(plugin.manifest.id);
    return found != current_.end() && &plugins_[found->second] == &plugin;
}

std::string PluginRegistry::idProblem(const std::string& id, const PluginPin* pin) const {
    if (pin != nullptr && pin->id != id) {
        return "it declares plugin id '" + id + "', but its SHA-256 " + pin->sha256 + " is pinned for '" + pin->id +
               "' (" + options_.pins->source() + ":" + std::to_string(pin->line) + ")";
    }
    if (!options_.allowedIds.empty() && options_.allowedIds.count(id) == 0) {
        return "plugin id '" + id + "' is not in plugins.allow";
    }
    // In a reload an id loaded before is the point (a new build); two files claiming one id
    // in the folders are still refused (stageReload counts the claims).
    if (const LoadedPlugin* first = staging_ == nullptr ? find(id) : nullptr) {
        return "duplicate plugin id '" + id + "': already loaded from " + first->manifest.file;
    }
    return {};
}

const LoadedPlugin* PluginRegistry::refuse(const std::string& file, const std::string& reason) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (staging_ != nullptr) {  // a reload's refusal: the reload is refused, the registry unchanged
        // ... unless the registry lists it already: then the reload does not change it.
        const bool listed = std::any_of(refusals_.begin(), refusals_.end(),
                                        [&](const PluginRefusal& r) { return r.file == file && r.reason == reason; });
        if (listed) {
            spdlog::warn("plugin {} still refused, as before (this does not refuse the reload): {}", file, reason);
            staging_->leftovers.push_back({file, reason});
        } else {
            spdlog::error("plugin {} refused: {}", file, reason);
            staging_->refusals.push_back({file, reason});
        }
        return nullptr;
    }
    spdlog::error("plugin {} refused: {}", file, reason);
    refusals_.push_back({file, reason});
    return nullptr;
}

}  // namespace orderhost::plugins
