#include "host/plugins/PluginRegistry.h"

#include "host/plugins/PluginProbe.h"
#include "host/plugins/PluginSymbols.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>

namespace orderhost::plugins {
namespace fs = std::filesystem;

namespace {

std::string normalName(const fs::path& file) { return fs::absolute(file).lexically_normal().string(); }

std::vector<fs::path> libraryFiles(const fs::path& folder, std::error_code& ec) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
        if (entry.path().extension() == ".so") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

// Extra exports are not refused (many plain builds have them) but an administrator should
// hear about them; GNU unique ones are refused by checkPluginFile.
void warnAboutExports(const fs::path& file, const std::string& name) {
    const std::string warning = extraSymbolsWarning(readExportedSymbols(file));
    if (!warning.empty()) spdlog::warn("plugin {}: {}", name, warning);
}

std::string duplicateReason(const std::string& id, const std::vector<std::string>& files) {
    std::string list;
    for (const auto& file : files) list += (list.empty() ? "" : ", ") + file;
    return "duplicate plugin id '" + id + "': claimed by " + std::to_string(files.size()) + " files (" + list +
           "); none of them is loaded: remove all but one";
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
            auto candidate = probeFirst() ? probe(file) : loadUnregistered(file);
            if (candidate) candidates.push_back(std::move(*candidate));
        }
    }
    std::map<std::string, std::vector<std::string>> claims;
    for (const auto& candidate : candidates) claims[candidate.id].push_back(candidate.name);
    for (auto& candidate : candidates) {
        const auto& files = claims[candidate.id];
        if (files.size() > 1) {
            refuse(candidate.name, duplicateReason(candidate.id, files));
        } else if (candidate.loaded) {
            registerLoaded(candidate.name, std::move(*candidate.loaded));
        } else if (auto loaded = loadProbed(candidate)) {
            registerLoaded(loaded->name, std::move(*loaded->loaded));
        }
    }
}

const LoadedPlugin* PluginRegistry::loadFile(const fs::path& file) {
    std::optional<Candidate> candidate;
    if (probeFirst()) {
        if (auto probed = probe(file)) candidate = loadProbed(*probed);
    } else {
        candidate = loadUnregistered(file);
    }
    return candidate ? registerLoaded(candidate->name, std::move(*candidate->loaded)) : nullptr;
}

std::optional<PluginRegistry::Candidate> PluginRegistry::probe(const fs::path& file) {
    const std::string name = normalName(file);
    const ProbeResult probe = probePlugin(file, host_, options_.probeTimeout);
    if (!probe.accepted) {
        refuse(name, probe.reason);
        return std::nullopt;
    }
    // The probe already read the id: a plugin the admin did not allow, or a second copy,
    // is refused before any of its code runs in the host process.
    if (auto reason = idProblem(probe.manifest.id); !reason.empty()) {
        refuse(name, reason);
        return std::nullopt;
    }
    return Candidate{file, name, probe.manifest.id, std::nullopt};
}

std::optional<PluginRegistry::Candidate> PluginRegistry::loadUnregistered(const fs::path& file) {
    const std::string name = normalName(file);
    try {
        LoadedPlugin plugin = loadPluginInProcess(file, host_);
        warnAboutExports(file, name);
        // Without a probe this is the first time the id is known; with one, the file may
        // have been replaced since the probe read it.
        if (auto reason = idProblem(plugin.manifest.id); !reason.empty()) {
            refuse(name, reason);
            return std::nullopt;
        }
        std::string id = plugin.manifest.id;
        return Candidate{file, name, std::move(id), std::move(plugin)};
    } catch (const PluginRefused& refused) {
        refuse(name, refused.reason());
        return std::nullopt;
    }
}

std::optional<PluginRegistry::Candidate> PluginRegistry::loadProbed(const Candidate& probed) {
    if (!options_.isolates(probed.id) || !options_.loadIsolated) return loadUnregistered(probed.file);
    try {
        LoadedPlugin plugin = options_.loadIsolated(probed.file);
        // The worker loaded the file again: it may have been replaced since the probe.
        if (auto reason = idProblem(plugin.manifest.id); !reason.empty()) {
            refuse(probed.name, reason);
            return std::nullopt;
        }
        spdlog::info("plugin {} runs isolated, in worker processes", plugin.manifest.id);
        return Candidate{probed.file, probed.name, plugin.manifest.id, std::move(plugin)};
    } catch (const PluginRefused& refused) {
        refuse(probed.name, refused.reason());
        return std::nullopt;
    }
}

const LoadedPlugin* PluginRegistry::registerLoaded(const std::string& name, LoadedPlugin plugin) {
    spdlog::info("plugin {} {} loaded from {} ({} step kind(s), ABI {}.{})", plugin.manifest.id,
                 plugin.manifest.version, name, plugin.manifest.stepKinds.size(), plugin.manifest.abiMajor,
                 plugin.manifest.abiMinor);
    plugins_.push_back(std::move(plugin));
    return &plugins_.back();
}

const LoadedPlugin* PluginRegistry::find(const std::string& id) const {
    for (const auto& plugin : plugins_) {
        if (plugin.manifest.id == id) return &plugin;
    }
    return nullptr;
}

std::string PluginRegistry::idProblem(const std::string& id) const {
    if (!options_.allowedIds.empty() && options_.allowedIds.count(id) == 0) {
        return "plugin id '" + id + "' is not in plugins.allow";
    }
    if (const LoadedPlugin* first = find(id)) {
        return "duplicate plugin id '" + id + "': already loaded from " + first->manifest.file;
    }
    return {};
}

const LoadedPlugin* PluginRegistry::refuse(const std::string& file, const std::string& reason) {
    spdlog::error("plugin {} refused: {}", file, reason);
    refusals_.push_back({file, reason});
    return nullptr;
}

}  // namespace orderhost::plugins
