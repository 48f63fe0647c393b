#include "host/app/Commands.h"

#include "host/chains/ChainFileParser.h"
#include "host/engine/ReadyChain.h"
#include "host/plugins/PluginPermissions.h"
#include "host/plugins/PluginPins.h"
#include "host/plugins/PluginProbe.h"
#include "host/plugins/PluginSymbols.h"
#include "host/plugins/SealedPluginCopy.h"
#include "host/services/DeclaredMigrations.h"
#include "host/services/HostServices.h"
#include "host/store/Database.h"
#include "host/store/Datasources.h"
#include "host/store/Migrations.h"

#include <Poco/Util/Application.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>

namespace orderhost::app {
namespace {
using Poco::Util::Application;

void printManifest(const plugins::PluginManifest& m) {
    std::cout << "file:        " << m.file << "\n"
              << "id:          " << m.id << "\n"
              << "version:     " << m.version << "\n"
              << "vendor:      " << m.vendor << "\n"
              << "description: " << m.description << "\n"
              << "abi:         " << m.abiMajor << "." << m.abiMinor << " (host " << OH_ABI_MAJOR << "." << OH_ABI_MINOR
              << ")\n"
              << "step kinds:\n";
    for (const auto& kind : m.stepKinds) {
        std::cout << "  " << kind.name << " [" << plugins::categoryName(kind.category) << "]"
                  << ((kind.flags & OH_STEP_THREAD_SAFE) ? " thread-safe" : "")
                  << ((kind.flags & OH_STEP_NO_EXTERNAL_EFFECTS) ? " no-external-effects" : "")
                  << ((kind.flags & OH_STEP_ANSWERS_QUOTES) ? " answers-quotes" : "")
                  << (kind.canCompensate ? " compensates" : "") << "\n      " << kind.description << "\n";
    }
}

// Refuses, as the host would, every file of an id that several of the inspected files claim.
void refuseDuplicateIds(const std::vector<std::string>& files, std::vector<plugins::ProbeResult>& probes) {
    std::map<std::string, std::vector<std::string>> claims;
    for (std::size_t i = 0; i < files.size(); ++i) {
        if (probes[i].accepted) claims[probes[i].manifest.id].push_back(files[i]);
    }
    for (auto& probe : probes) {
        if (!probe.accepted || claims[probe.manifest.id].size() < 2) continue;
        std::string list;
        for (const auto& file : claims[probe.manifest.id]) list += (list.empty() ? "" : ", ") + file;
        probe.accepted = false;
        probe.reason = "duplicate plugin id '" + probe.manifest.id + "': claimed by " + list +
                       "; a host given these files loads none of them";
    }
}

// The files `plugins pin` hashes: each FILE, and the "*.so" of each FOLDER in name order.
// False when a path does not exist (reported on stderr).
bool pinTargets(const std::vector<std::string>& paths, std::vector<std::filesystem::path>& files) {
    namespace fs = std::filesystem;
    bool allFound = true;
    for (const auto& path : paths) {
        std::error_code ec;
        if (!fs::is_directory(path, ec)) {
            if (fs::exists(path, ec)) {
                files.emplace_back(path);
            } else {
                std::cerr << "plugins pin: " << path << " does not exist\n";
                allFound = false;
            }
            continue;
        }
        std::vector<fs::path> found;
        for (const auto& entry : fs::directory_iterator(path, ec)) {
            if (entry.path().extension() == ".so") found.push_back(entry.path());
        }
        std::sort(found.begin(), found.end());
        files.insert(files.end(), found.begin(), found.end());
    }
    return allFound;
}

// The pin line of one file, or "" after printing why it gets none.
std::string pinLineOf(const std::filesystem::path& file, bool checkPermissions) {
    const std::string name = std::filesystem::absolute(file).lexically_normal().string();
    std::string problem = checkPermissions ? plugins::permissionProblem(file, ::geteuid()) : "";
    std::optional<plugins::SealedPluginCopy> copy;
    if (problem.empty()) copy = plugins::SealedPluginCopy::of(file, problem);
    if (copy) {
        const plugins::ProbeResult probe = plugins::probePlugin(copy->path(), services::hostInfo());
        if (probe.accepted) return plugins::pinLine(copy->sha256(), probe.manifest.id, name);
        problem = probe.reason;
    }
    std::cerr << "plugin " << name << " refused: " << problem << "\n";
    return "";
}

}  // namespace

int pinPlugins(const std::vector<std::string>& paths, bool checkPermissions) {
    if (paths.empty()) {
        std::cerr << "usage: orderhost plugins pin FOLDER|PLUGIN.so...\n";
        return Application::EXIT_USAGE;
    }
    std::vector<std::filesystem::path> files;
    int exitCode = pinTargets(paths, files) ? Application::EXIT_OK : Application::EXIT_DATAERR;
    for (const auto& file : files) {
        const std::string line = pinLineOf(file, checkPermissions);
        if (line.empty())
            exitCode = Application::EXIT_DATAERR;
        else
            std::cout << line << "\n";
    }
    return exitCode;
}

// What the host would refuse at start in the plugin's migrations (StatementPolicy, on both
// backends), so that `plugins inspect` in a CI job catches it; empty when nothing. The probe's
// child read the declaration: no plugin code runs in this process.
std::string migrationRefusal(const plugins::ProbeResult& probe) {
    if (!probe.migrationError.empty()) return probe.migrationError;
    if (!probe.migrations) return "";
    try {
        const bool hostDatabase = store::Datasources::isHost(probe.migrations->datasource);
        for (const auto backend : {store::Backend::SQLite, store::Backend::PostgreSQL})
            services::refuseForbiddenStatements(probe.manifest.id, services::forBackend(*probe.migrations, backend),
                                                hostDatabase);
        return "";
    } catch (const std::exception& e) {
        return e.what();
    }
}

int inspectPlugins(const std::vector<std::string>& files, bool json, bool checkPermissions) {
    if (files.empty()) {
        std::cerr << "usage: orderhost plugins inspect [--json] FILE...\n";
        return Application::EXIT_USAGE;
    }
    std::vector<plugins::ProbeResult> probes;
    for (const auto& file : files) {
        // Who may write the file is checked first, as the host does, before any code runs.
        const std::string problem = checkPermissions ? plugins::permissionProblem(file, ::geteuid()) : "";
        probes.push_back(problem.empty() ? plugins::probePlugin(file, services::hostInfo())
                                         : plugins::refusedProbe(problem + " (plugins.check_permissions)"));
    }
    refuseDuplicateIds(files, probes);
    int exitCode = Application::EXIT_OK;
    for (std::size_t i = 0; i < files.size(); ++i) {
        const std::string& file = files[i];
        const plugins::ProbeResult& probe = probes[i];
        if (!probe.accepted) {
            std::cerr << "plugin " << file << " refused: " << probe.reason << "\n";
            exitCode = Application::EXIT_DATAERR;
            continue;
        }
        if (const std::string refusal = migrationRefusal(probe); !refusal.empty()) {
            std::cerr << "plugin " << file << " refused at host start: " << refusal << "\n";
            exitCode = Application::EXIT_DATAERR;
            continue;
        }
        const std::string warning = plugins::extraSymbolsWarning(plugins::readExportedSymbols(file));
        if (!warning.empty()) std::cerr << "warning: plugin " << file << " " << warning << "\n";
        if (json) {
            std::cout << probe.manifest.toJson() << "\n";
        } else {
            printManifest(probe.manifest);
        }
    }
    return exitCode;
}

int migrateDatabase(const HostSettings& settings) {
    try {
        store::DatabaseOptions options;
        options.migrate = false;
        store::Database database(settings.databaseConnection, options);
        const int before = store::currentSchemaVersion(database);
        const std::vector<int> applied = store::migrateSchema(database);
        for (const int version : applied) std::cout << "applied schema version " << version << "\n";
        std::cout << database.describe() << ": schema version " << store::currentSchemaVersion(database)
                  << (applied.empty() ? " (up to date)" : " (was " + std::to_string(before) + ")") << "\n";
        return Application::EXIT_OK;
    } catch (const store::SchemaTooNewError& e) {
        std::cerr << e.what() << "\n";
        return Application::EXIT_DATAERR;
    } catch (const store::StoreError& e) {
        std::cerr << e.what() << "\n";
        return Application::EXIT_UNAVAILABLE;
    }
}

int validateChains(const std::vector<std::string>& files, const std::optional<HostSettings>& settings) {
    if (files.empty()) {
        std::cerr << "usage: orderhost chains validate [--config FILE] CHAIN_FILE...\n";
        return Application::EXIT_USAGE;
    }
    std::optional<plugins::PluginRegistry> registry;
    if (settings) {
        plugins::RegistryOptions options;
        options.allowedIds = settings->pluginAllow;
        options.checkPermissions = settings->pluginCheckPermissions;
        options.pins = settings->pluginPins;
        registry.emplace(services::hostInfo(), options);
        registry->loadFolders({settings->pluginFolders.begin(), settings->pluginFolders.end()});
    }
    int exitCode = Application::EXIT_OK;
    // A plugin the config's folders hold but the host would refuse fails the check: at start it
    // would only be a log line, and a chain using it an error only once it is loaded.
    if (registry && !registry->refusals().empty()) {
        for (const auto& refusal : registry->refusals())
            std::cerr << "plugin " << refusal.file << " refused: " << refusal.reason << "\n";
        exitCode = Application::EXIT_CONFIG;
    }
    for (const auto& file : files) {
        chains::ChainParseResult parsed = chains::parseChainFile(file);
        std::vector<chains::ChainError> errors = parsed.errors;
        if (parsed.chain && registry) {
            const engine::ChainSet bound = engine::buildChains({*parsed.chain}, *registry, services::systemClockMs);
            errors.insert(errors.end(), bound.errors.begin(), bound.errors.end());
        }
        for (const auto& error : errors) std::cerr << error.toString() << "\n";
        if (!errors.empty()) {
            if (exitCode == Application::EXIT_OK) exitCode = Application::EXIT_DATAERR;
        } else {
            std::cout << file << ": ok" << (registry ? "" : " (plugins not checked: no --config)") << "\n";
        }
    }
    return exitCode;
}

}  // namespace orderhost::app
