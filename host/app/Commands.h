// The offline subcommands. Each prints to stdout/stderr and returns a process exit code
// (sysexits style: 0 ok, 64 usage, 65 bad input, 78 bad configuration).
#pragma once

#include "host/app/HostSettings.h"

#include <optional>
#include <string>
#include <vector>

namespace orderhost::app {

// `plugins inspect FILE...`: probes each file in a child process and prints its manifest;
// warns about exported symbols besides the entry function and refuses (exit 65) what the
// host would refuse: GNU unique symbols, an id that two of the FILEs claim, ABI problems.
int inspectPlugins(const std::vector<std::string>& files, bool json);

// `db migrate`: applies the schema migrations this host knows to the configured database.
// (The server does the same at start; this lets administrators do it ahead of a roll-out.)
int migrateDatabase(const HostSettings& settings);

// `chains validate FILE...`: parses each chain file; with settings, also binds it to the
// configured plugins (unknown plugin or step kind, config refused by the plugin). Exits 78
// when the configured plugin folders hold a file the host refuses (printed with the reason),
// 65 when only a chain is wrong.
int validateChains(const std::vector<std::string>& files, const std::optional<HostSettings>& settings);

}  // namespace orderhost::app
