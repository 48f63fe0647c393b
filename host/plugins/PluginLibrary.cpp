#include "host/plugins/PluginLibrary.h"

#include "host/plugins/PluginIdentities.h"
#include "host/plugins/PluginSymbols.h"

#include <boost/dll/shared_library.hpp>

#include <dlfcn.h>

#include <array>
#include <fstream>

namespace orderhost::plugins {
namespace fs = std::filesystem;

PluginRefused::PluginRefused(std::string file, std::string reason)
    : std::runtime_error("plugin " + file + " refused: " + reason),
      file_(std::move(file)),
      reason_(std::move(reason)) {}

const oh_step_kind* LoadedPlugin::findStepKind(const std::string& name) const {
    for (std::uint32_t i = 0; i < info->step_kind_count; ++i) {
        const oh_step_kind* kind = info->step_kinds[i];
        if (std::string(kind->name.ptr, kind->name.len) == name) return kind;
    }
    return nullptr;
}

namespace {

bool hasElfHeader(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::array<char, 4> magic{};
    in.read(magic.data(), magic.size());
    return in.gcount() == 4 && magic == std::array<char, 4>{'\x7f', 'E', 'L', 'F'};
}

// The loader's own explanation (missing symbol, wrong architecture, file too short...), or "".
std::string dlerrorText() {
    const char* text = ::dlerror();
    return text ? std::string(text) : std::string();
}

// Why fs::status() found nothing. "Does not exist" only when the name itself is missing: a
// symlink loop or an unreadable folder would otherwise send the admin looking for a file.
std::string unresolvedReason(const fs::path& file, const std::error_code& statusError) {
    std::error_code ec;
    const auto link = fs::symlink_status(file, ec);
    if (!statusError || link.type() == fs::file_type::not_found) return "the file does not exist";
    if (fs::is_symlink(link) && statusError == std::errc::no_such_file_or_directory) {
        return "the symbolic link points to a missing file";
    }
    return "cannot resolve the path: " + statusError.message();
}

// Keeps every opened library mapped until exit: never dlclose a plugin that ran.
void keepForever(boost::dll::shared_library&& library) {
    static auto* kept = new std::vector<boost::dll::shared_library>();
    kept->push_back(std::move(library));
}

}  // namespace

std::string checkPluginFile(const fs::path& file) {
    std::error_code ec;
    const auto status = fs::status(file, ec);
    if (ec || !fs::exists(status)) return unresolvedReason(file, ec);
    if (!fs::is_regular_file(status)) return "not a regular file";
    if (fs::file_size(file, ec) == 0) return "the file is empty";
    if (!hasElfHeader(file)) return "not a shared library (no ELF header)";
    // Before dlopen: once loaded, a unique symbol is already bound to another plugin's copy.
    return uniqueSymbolProblem(readExportedSymbols(file));
}

LoadedPlugin loadPluginInProcess(const fs::path& file, const oh_host_info& host) {
    const std::string name = file.string();
    if (auto reason = checkPluginFile(file); !reason.empty()) throw PluginRefused(name, reason);

    std::error_code ec;
    boost::dll::shared_library library(file, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
    if (ec || !library.is_loaded()) {
        // Boost's error code is a generic "bad file descriptor"; dlerror() has the real cause.
        const std::string loaderSays = dlerrorText();
        throw PluginRefused(name, "the dynamic loader refused it: " + (loaderSays.empty() ? ec.message() : loaderSays));
    }
    if (!library.has(OH_PLUGIN_ENTRY_NAME)) {
        keepForever(std::move(library));  // its constructors ran
        throw PluginRefused(name, std::string("no exported entry function ") + OH_PLUGIN_ENTRY_NAME +
                                      "() (was it built with the orderhost SDK?)");
    }
    auto entry = library.get<const oh_plugin_info*(const oh_host_info*)>(OH_PLUGIN_ENTRY_NAME);
    keepForever(std::move(library));

    LoadedPlugin plugin;
    plugin.info = entry(&host);
    if (auto reason = readManifest(plugin.info, plugin.manifest); !reason.empty()) {
        throw PluginRefused(name, reason);
    }
    plugin.manifest.file = fs::absolute(file).lexically_normal().string();
    rememberPluginInfo(plugin.info, plugin.manifest.id);  // for log_plugin
    return plugin;
}

}  // namespace orderhost::plugins
