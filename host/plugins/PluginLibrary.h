// Opening one plugin file in this process: file checks, the loader, the ABI negotiation.
//
// A library that was opened is never closed (DESIGN.md, ABI rule 9): its static constructors
// may have registered state we cannot see, and the step instances it creates live until the
// process exits. Every function here reports a refusal as PluginRefused naming file and reason.
#pragma once

#include "host/plugins/MigrationDeclarations.h"
#include "host/plugins/PluginManifest.h"

#include <orderhost/plugin_api.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace orderhost::isolation {
class IsolatedPlugin;
}

namespace orderhost::plugins {

class SealedPluginCopy;

class PluginRefused : public std::runtime_error {
public:
    PluginRefused(std::string file, std::string reason);
    const std::string& file() const { return file_; }
    const std::string& reason() const { return reason_; }

private:
    std::string file_;
    std::string reason_;
};

// A plugin negotiated and checked in this process. `info` points into the plugin's memory,
// which stays mapped for the life of the process.
//
// An isolated plugin (plugins.isolate) is never loaded here: `info` is nullptr and `isolated`
// runs it in worker processes (host/isolation); its manifest and migrations came from there.
struct LoadedPlugin {
    PluginManifest manifest;
    std::string sha256;  // of the bytes loaded (lowercase hex): tells builds of one id apart
    const oh_plugin_info* info = nullptr;
    // An isolated build's workers load this copy (/proc/<host pid>/fd/N) at every (re)start:
    // it stays open while the build does. Declared before `isolated`, so the workers end first.
    std::shared_ptr<const SealedPluginCopy> sealedCopy;
    std::shared_ptr<isolation::IsolatedPlugin> isolated;
    std::optional<DeclaredMigrations> isolatedMigrations;

    const oh_step_kind* findStepKind(const std::string& name) const;
};

// Checks made before the file is handed to the dynamic loader, so that a text file, a
// directory or a library exporting GNU unique symbols (PluginSymbols.h) gets a plain answer
// and never reaches dlopen. Who may write the file is checked by the registry before this
// (PluginPermissions.h, plugins.check_permissions).
// Returns the reason for refusing, or an empty string.
std::string checkPluginFile(const std::filesystem::path& file);

// Opens `file`, finds the single entry function, negotiates with `host` and checks the answer.
// Throws PluginRefused. Runs plugin code (constructors, the entry) in THIS process: use
// probePlugin() first for files that are not trusted to behave.
LoadedPlugin loadPluginInProcess(const std::filesystem::path& file, const oh_host_info& host);

}  // namespace orderhost::plugins
