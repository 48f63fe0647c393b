// What PluginRegistry's folder loading and its reload (PluginRegistry.cpp, PluginReload.cpp)
// share about plugin folders and the names files are known by. Internal to host/plugins.
#pragma once

#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace orderhost::plugins {

// The absolute, normal name refusals, manifests and GET /v1/plugins use for a file.
std::string normalName(const std::filesystem::path& file);

// The folder's "*.so" files in name order (`ec` set when it cannot be listed).
std::vector<std::filesystem::path> libraryFiles(const std::filesystem::path& folder, std::error_code& ec);

// Why every one of `files`, all claiming plugin id `id`, is refused.
std::string duplicateReason(const std::string& id, const std::vector<std::string>& files);

}  // namespace orderhost::plugins
