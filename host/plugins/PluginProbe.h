// Trying a plugin file in a throw-away child process before the host trusts it.
//
// A broken or malicious .so dropped into the plugin folder can crash or hang in its static
// constructors or its entry function. Loading it first in a forked child turns "the host died
// at start-up" into one refusal line ("crashed while loading (signal 11, Segmentation fault)")
// while the host keeps running with its other plugins. `orderhost plugins inspect` uses the
// same probe, so inspecting a file never runs its code in the inspecting process.
//
// Fork safety: call this before the process starts threads (the host probes its plugins
// before it opens the database pool or the HTTP server).
#pragma once

#include "host/plugins/MigrationDeclarations.h"
#include "host/plugins/PluginManifest.h"

#include <orderhost/plugin_api.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace orderhost::plugins {

struct ProbeResult {
    bool accepted = false;
    PluginManifest manifest;  // when accepted
    std::string reason;       // when refused
    // When accepted: what the plugin declares through orderhost.migrations/1, read in the
    // child (`plugins inspect` checks them as the host would at start), or why that failed.
    std::optional<DeclaredMigrations> migrations;
    std::string migrationError;
};

inline ProbeResult refusedProbe(std::string reason) {
    ProbeResult result;
    result.reason = std::move(reason);
    return result;
}

// `abandon` (may be empty) is asked every 100 ms while the child runs: when it says stop, the
// child is killed and the file refused as "abandoned" (a reload the host's stop interrupts).
ProbeResult probePlugin(const std::filesystem::path& file, const oh_host_info& host,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10),
                        const std::function<bool()>& abandon = {});

}  // namespace orderhost::plugins
