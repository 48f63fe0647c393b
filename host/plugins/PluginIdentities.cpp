#include "host/plugins/PluginIdentities.h"

#include <map>
#include <mutex>
#include <shared_mutex>

namespace orderhost::plugins {
namespace {

struct Identities {
    std::shared_mutex mutex;
    std::map<const oh_plugin_info*, std::string> ids;
};

// Never destroyed: plugin threads may log while the process exits.
Identities& identities() {
    static auto* all = new Identities();
    return *all;
}

}  // namespace

void rememberPluginInfo(const oh_plugin_info* info, const std::string& id) {
    if (info == nullptr) return;
    Identities& all = identities();
    std::unique_lock<std::shared_mutex> lock(all.mutex);
    all.ids[info] = id;
}

std::string pluginIdOf(const oh_plugin_info* info) {
    Identities& all = identities();
    std::shared_lock<std::shared_mutex> lock(all.mutex);
    const auto found = all.ids.find(info);
    return found == all.ids.end() ? std::string("unknown plugin") : found->second;
}

}  // namespace orderhost::plugins
