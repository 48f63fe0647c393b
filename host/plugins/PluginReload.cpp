// PluginRegistry's reload (stageReload, then commit or release): new builds of plugins beside
// the loaded ones.
#include "host/plugins/PluginRegistry.h"

#include "host/plugins/PluginFolder.h"
#include "host/plugins/SealedPluginCopy.h"

#include <spdlog/spdlog.h>

#include <map>
#include <set>

namespace orderhost::plugins {
namespace fs = std::filesystem;

const LoadedPlugin* StagedPlugins::find(const std::string& id) const {
    for (const auto& build : builds)
        if (build.manifest.id == id) return &build;
    return nullptr;
}

std::string describeBuild(const LoadedPlugin& plugin) {
    return plugin.manifest.id + " " + plugin.manifest.version + " (" + plugin.manifest.file + ", sha256 " +
           plugin.sha256.substr(0, 12) + ")";
}

// While staging: refusals go to the reload's list (a refused reload changes nothing, not even
// GET /v1/plugins' refusals), every admitted file is sealed (SealedPluginCopy: dlopen must not
// find the old build under the same path) and an id loaded already is a new build, not a
// duplicate (two files claiming one id in the folders still are).
struct PluginRegistry::Staging {
    Staging(PluginRegistry& registry, StagedPlugins& staged, const std::function<bool()>& interrupted)
        : registry_(registry) {
        registry_.staging_ = &staged;
        if (interrupted) registry_.interrupted_ = &interrupted;
        previousPins_ = registry_.options_.pins;
        if (staged.pins) registry_.options_.pins = staged.pins;
    }
    ~Staging() {
        registry_.options_.pins = previousPins_;
        registry_.staging_ = nullptr;
        registry_.interrupted_ = nullptr;
    }
    PluginRegistry& registry_;
    std::shared_ptr<const PluginPins> previousPins_;
};

const LoadedPlugin* PluginRegistry::currentBuildFrom(const std::string& name) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [id, index] : current_)
        if (plugins_[index].manifest.file == name) return &plugins_[index];
    return nullptr;
}

StagedPlugins PluginRegistry::stageReload(const std::vector<fs::path>& folders, std::shared_ptr<const PluginPins> pins,
                                          const std::function<bool()>& interrupted) {
    StagedPlugins staged;
    staged.pins = std::move(pins);
    const Staging staging(*this, staged, interrupted);
    std::vector<Candidate> candidates;
    std::map<std::string, std::vector<std::string>> claims;  // id → files in the folders now
    std::set<fs::path> seen;
    for (const auto& folder : folders) {
        std::error_code ec;
        if (!fs::is_directory(folder, ec)) {
            refuse(folder.string(), "plugin folder does not exist or is not a folder");
            continue;
        }
        for (const auto& file : libraryFiles(folder, ec)) {
            if (interrupted && interrupted()) {
                staged.interrupted = true;
                return staged;
            }
            if (!seen.insert(fs::absolute(file).lexically_normal()).second) continue;
            const std::string name = normalName(file);
            std::string problem;
            const std::string sha256 = sha256OfFile(file, problem);
            if (!problem.empty()) {
                refuse(name, problem);
                continue;
            }
            // Unchanged since it was loaded: its build stays; no code of it runs again.
            if (const LoadedPlugin* loaded = currentBuildFrom(name); loaded != nullptr && loaded->sha256 == sha256) {
                claims[loaded->manifest.id].push_back(name);
                continue;
            }
            std::optional<Candidate> candidate;
            if (released_.count(sha256) != 0) {
                candidate = takeReleased(file);
            } else if (probeFirst()) {
                candidate = probe(file);
            } else if (auto admitted = admit(file)) {
                candidate = loadUnregistered(std::move(*admitted));
            }
            if (!candidate) continue;
            claims[candidate->id].push_back(candidate->admitted.name);
            candidates.push_back(std::move(*candidate));
        }
    }
    for (auto& candidate : candidates) {
        const auto& files = claims[candidate.id];
        if (files.size() > 1) {
            refuse(candidate.admitted.name, duplicateReason(candidate.id, files));
            if (candidate.loaded && !candidate.loaded->isolated) {  // loaded in this process: kept aside
                std::string sha256 = candidate.loaded->sha256;
                released_.emplace(std::move(sha256), std::move(*candidate.loaded));
            }
        } else if (candidate.loaded) {
            staged.builds.push_back(std::move(*candidate.loaded));
        } else if (auto loaded = loadProbed(candidate)) {
            staged.builds.push_back(std::move(*loaded->loaded));
        }
    }
    return staged;
}

std::optional<PluginRegistry::Candidate> PluginRegistry::takeReleased(const fs::path& file) {
    std::optional<Admitted> admitted = admit(file);  // staging seals every file: copy is set
    if (!admitted) return std::nullopt;
    const auto found = released_.find(admitted->copy->sha256());
    if (found == released_.end()) {
        refuse(admitted->name, "the file changed while the reload read it; reload again");
        return std::nullopt;
    }
    if (auto reason = idProblem(found->second.manifest.id, admitted->pin); !reason.empty()) {
        refuse(admitted->name, reason);
        return std::nullopt;
    }
    LoadedPlugin plugin = std::move(found->second);
    released_.erase(found);
    plugin.manifest.file = admitted->name;
    spdlog::info("plugin {}: the build a refused reload loaded from these bytes is taken again, not loaded anew",
                 admitted->name);
    std::string id = plugin.manifest.id;
    return Candidate{std::move(*admitted), std::move(id), std::move(plugin)};
}

void PluginRegistry::release(StagedPlugins staged) {
    for (auto& build : staged.builds) {
        if (build.isolated) continue;  // ends with `staged`: its workers stop, its sealed copy closes
        std::string sha256 = build.sha256;
        released_.emplace(std::move(sha256), std::move(build));
    }
}

void PluginRegistry::commit(StagedPlugins staged) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (staged.pins) options_.pins = staged.pins;
    refusals_ = std::move(staged.leftovers);  // the refusals still standing
    for (auto& build : staged.builds) {
        spdlog::info("plugin build {} loaded beside the builds before it: chain versions loaded from now on use it",
                     describeBuild(build));
        plugins_.push_back(std::move(build));
        current_[plugins_.back().manifest.id] = plugins_.size() - 1;
    }
}

}  // namespace orderhost::plugins
