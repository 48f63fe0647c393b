#include "host/app/Commands.h"

#include "host/chains/ChainFileParser.h"
#include "host/engine/ReadyChain.h"
#include "host/plugins/PluginProbe.h"
#include "host/services/HostServices.h"
#include "host/store/Database.h"
#include "host/store/Migrations.h"

#include <Poco/Util/Application.h>

#include <iostream>

namespace orderhost::app {
namespace {
using Poco::Util::Application;

void printManifest(const plugins::PluginManifest& m) {
    std::cout << "file:        " << m.file << "\n"
              << "id:          " << m.id << "\n"
              << "version:     " << m.version << "\n"
              << "vendor:      " << m.vendor << "\n"
              << "description: " << m.description << "\n"
              << "abi:         " << m.abiMajor << "." << m.abiMinor << " (host " << OH_ABI_MAJOR << "."
              << OH_ABI_MINOR << ")\n"
              << "step kinds:\n";
    for (const auto& kind : m.stepKinds) {
        std::cout << "  " << kind.name << " [" << plugins::categoryName(kind.category) << "]"
                  << ((kind.flags & OH_STEP_THREAD_SAFE) ? " thread-safe" : "")
                  << ((kind.flags & OH_STEP_NO_EXTERNAL_EFFECTS) ? " no-external-effects" : "")
                  << (kind.canCompensate ? " compensates" : "") << "\n      " << kind.description << "\n";
    }
}

}  // namespace

int inspectPlugins(const std::vector<std::string>& files, bool json) {
    if (files.empty()) {
        std::cerr << "usage: orderhost plugins inspect [--json] FILE...\n";
        return Application::EXIT_USAGE;
    }
    int exitCode = Application::EXIT_OK;
    for (const auto& file : files) {
        const plugins::ProbeResult probe = plugins::probePlugin(file, services::hostInfo());
        if (!probe.accepted) {
            std::cerr << "plugin " << file << " refused: " << probe.reason << "\n";
            exitCode = Application::EXIT_DATAERR;
            continue;
        }
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
        registry.emplace(services::hostInfo(), options);
        for (const auto& folder : settings->pluginFolders) registry->loadFolder(folder);
    }
    int exitCode = Application::EXIT_OK;
    for (const auto& file : files) {
        chains::ChainParseResult parsed = chains::parseChainFile(file);
        std::vector<chains::ChainError> errors = parsed.errors;
        if (parsed.chain && registry) {
            const engine::ChainSet bound = engine::buildChains({*parsed.chain}, *registry, services::systemClockMs);
            errors.insert(errors.end(), bound.errors.begin(), bound.errors.end());
        }
        for (const auto& error : errors) std::cerr << error.toString() << "\n";
        if (!errors.empty()) {
            exitCode = Application::EXIT_DATAERR;
        } else {
            std::cout << file << ": ok" << (registry ? "" : " (plugins not checked: no --config)") << "\n";
        }
    }
    return exitCode;
}

}  // namespace orderhost::app
