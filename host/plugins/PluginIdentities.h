// Which plugin an oh_plugin_info pointer belongs to, for services that get no call context.
//
// log_plugin (ABI 1.1) identifies its caller only by the oh_plugin_info the plugin returned
// from orderhost_plugin_entry. The loader records every such pointer it accepted with the
// plugin's id; anything else (a forged or stale pointer) is "unknown plugin". Pointers are
// only compared, never dereferenced, so a bad one cannot crash the host.
//
// Thread-safe: written while plugins load, read from any thread at any time.
#pragma once

#include <orderhost/plugin_api.h>

#include <string>

namespace orderhost::plugins {

// Records that the entry function of plugin `id` returned `info`.
void rememberPluginInfo(const oh_plugin_info* info, const std::string& id);

// The id recorded for `info`, or "unknown plugin".
std::string pluginIdOf(const oh_plugin_info* info);

}  // namespace orderhost::plugins
