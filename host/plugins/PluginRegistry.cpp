#include "host/plugins/PluginRegistry.h"

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
    if (!options_.pins) return admitted;
    std::string problem;
    admitted.copy = SealedPluginCopy::of(file, problem);
    if (!admitted.copy) {
        refuse(admitted.name, problem);
        return std::nullopt;
    }
    admitted.pin = options_.pins->find(admitted.copy->sha256());
    if (admitted.pin == nullptr) {
        refuse(admitted.name, "its SHA-256 " + admitted.copy->sha256() + " is not listed in plugins.pins (" +
                                  options_.pins->source() + "); none of its code ran. If this file is trusted, "
                                  "review `orderhost plugins pin` on it and add the line");
        return std::nullopt;
    }
    return admitted;
}

std::optional<PluginRegistry::Candidate> PluginRegistry::probe(const fs::path& file) {
    auto admitted = admit(file);
    if (!admitted) return std::nullopt;
    const ProbeResult probe = probePlugin(admitted->loadFrom(), host_, options_.probeTimeout);
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
        // which must stay open for every later restart of a worker.
        fs::path loadFrom = admitted.file;
        if (admitted.copy) {
            admitted.copy->keepOpenForever();
            loadFrom = admitted.copy->pathForOtherProcesses();
        }
        LoadedPlugin plugin = options_.loadIsolated(admitted.file, loadFrom);
        plugin.manifest.file = admitted.name;
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
    plugins_.push_back(std::move(plugin));
    return &plugins_.back();
}

const LoadedPlugin* PluginRegistry::find(const std::string& id) const {
    for (const auto& plugin : plugins_) {
        if (plugin.manifest.id == id) return &plugin;
    }
    return nullptr;
}

std::string PluginRegistry::idProblem(const std::string& id, const PluginPin* pin) const {
    if (pin != nullptr && pin->id != id) {
        return "it declares plugin id '" + id + "', but its SHA-256 " + pin->sha256 + " is pinned for '" + pin->id +
               "' (" + options_.pins->source() + ":" + std::to_string(pin->line) + ")";
    }
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
