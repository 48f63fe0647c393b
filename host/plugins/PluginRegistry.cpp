#include "host/plugins/PluginRegistry.h"

#include "host/plugins/PluginProbe.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace orderhost::plugins {
namespace fs = std::filesystem;

PluginRegistry::PluginRegistry(const oh_host_info& host, RegistryOptions options)
    : host_(host), options_(std::move(options)) {}

void PluginRegistry::loadFolder(const fs::path& folder) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) {
        refuse(folder.string(), "plugin folder does not exist or is not a folder");
        return;
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
        if (entry.path().extension() == ".so") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) loadFile(file);
}

const LoadedPlugin* PluginRegistry::loadFile(const fs::path& file) {
    const std::string name = fs::absolute(file).lexically_normal().string();
    if (options_.probeFirst) {
        const ProbeResult probe = probePlugin(file, host_, options_.probeTimeout);
        if (!probe.accepted) return refuse(name, probe.reason);
        // The probe already read the id: a plugin the admin did not allow, or a second copy,
        // is refused before any of its code runs in the host process.
        if (auto reason = idProblem(probe.manifest.id); !reason.empty()) return refuse(name, reason);
    }
    LoadedPlugin plugin;
    try {
        plugin = loadPluginInProcess(file, host_);
    } catch (const PluginRefused& refused) {
        return refuse(name, refused.reason());
    }
    // Without a probe this is the first time the id is known; with one, the file may have
    // been replaced since the probe read it.
    const std::string& id = plugin.manifest.id;
    if (auto reason = idProblem(id); !reason.empty()) return refuse(name, reason);
    spdlog::info("plugin {} {} loaded from {} ({} step kind(s), ABI {}.{})", id, plugin.manifest.version,
                 name, plugin.manifest.stepKinds.size(), plugin.manifest.abiMajor, plugin.manifest.abiMinor);
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
