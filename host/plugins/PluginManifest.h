// What a plugin says about itself, checked and copied out of its oh_plugin_info.
//
// The manifest is plain C++ data: it can cross a process boundary (the probe sends it through
// a pipe as JSON) and be printed by `orderhost plugins inspect` without keeping the plugin's
// memory alive. readManifest() is where every rule of the ABI about oh_plugin_info is checked,
// so that a broken plugin is refused with one precise sentence instead of crashing the host.
#pragma once

#include <orderhost/plugin_api.h>

#include <cstdint>
#include <string>
#include <vector>

namespace orderhost::plugins {

struct StepKindManifest {
    std::string name;
    std::int32_t category = OH_CATEGORY_OTHER;
    std::string description;
    std::string configSchema;
    std::uint32_t flags = 0;
    bool canCompensate = false;
};

struct PluginManifest {
    std::string file;
    std::string id;
    std::string version;
    std::string vendor;
    std::string description;
    int abiMajor = 0;
    int abiMinor = 0;
    std::vector<StepKindManifest> stepKinds;

    std::string toJson() const;
    static PluginManifest fromJson(const std::string& json);  // throws on malformed input
};

// "validation", "credit", ...; "other" for categories this host does not know.
std::string categoryName(std::int32_t category);

// Checks an entry function's answer against ABI v1 and copies it. Returns an empty string
// and fills `out` on success, otherwise the reason for refusing the plugin.
std::string readManifest(const oh_plugin_info* info, PluginManifest& out);

}  // namespace orderhost::plugins
