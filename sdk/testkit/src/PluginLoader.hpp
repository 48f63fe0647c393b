// PluginLoader.hpp — loads a plugin file the way the host does: dlopen, the one entry
// function, the negotiation with a host_info, and the size checks on what the plugin answers
// (any struct at least as large as its 1.0 form is accepted).
#ifndef ORDERHOST_TESTKIT_PLUGIN_LOADER_HPP
#define ORDERHOST_TESTKIT_PLUGIN_LOADER_HPP

#include <orderhost/plugin_api.h>

#include <string>

namespace orderhost::testkit {

// The plugin's answer for `host`, or nullptr with `error` saying what was refused and where.
// A file is loaded once per process and host level (never unloaded: the host never unloads a
// plugin that ran); another level loads a private copy so the plugin's statics stay apart.
const oh_plugin_info* loadPlugin(const std::string& file, const oh_host_info& host, int level,
                                 std::string& error);

// The step kind `name` of `plugin`, or nullptr.
const oh_step_kind* findStepKind(const oh_plugin_info& plugin, const std::string& name);

std::string text(oh_str s);

}  // namespace orderhost::testkit

#endif  // ORDERHOST_TESTKIT_PLUGIN_LOADER_HPP
