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
// host would refuse: files others than its user and root could change (unless
// `checkPermissions` is false), GNU unique symbols, an id that two of the FILEs claim, ABI problems.
int inspectPlugins(const std::vector<std::string>& files, bool json, bool checkPermissions = true);

// `plugins pin FOLDER|FILE...`: prints one pin line ("<sha256>  <id>  <file>") for each "*.so"
// of every FOLDER (name order) and each FILE, for an administrator to review and add to the
// plugins.pins file. The id is read by the probe (the code runs in a child process only) from
// the very bytes that were hashed. Files the host would refuse (permissions unless
// `checkPermissions` is false, not a plugin, ...) get no line. Exit 0 when every file got a
// line, 64 without arguments, 65 when a file was refused or a FOLDER does not exist (the other
// lines are still printed).
int pinPlugins(const std::vector<std::string>& paths, bool checkPermissions);

// `db migrate`: applies the schema migrations this host knows to the configured database.
// (The server does the same at start; this lets administrators do it ahead of a roll-out.)
int migrateDatabase(const HostSettings& settings);

// `chains validate FILE...`: parses each chain file; with settings, also binds it to the
// configured plugins (unknown plugin or step kind, config refused by the plugin). Exits 78
// when the configured plugin folders hold a file the host refuses (printed with the reason),
// 65 when only a chain is wrong.
int validateChains(const std::vector<std::string>& files, const std::optional<HostSettings>& settings);

}  // namespace orderhost::app
