// What a plugin declares through "orderhost.migrations/1" (plugin-api/include/orderhost/ext/db.h),
// copied out of the plugin's memory into plain data.
//
// Plain data so that it can cross a process boundary: an isolated plugin's worker reads the
// declaration in its own process and sends it to the host, which applies it like an
// in-process plugin's (services/DeclaredMigrations.h applies both).
#pragma once

#include <orderhost/ext/db.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace orderhost::plugins {

// A plugin declared its migrations wrongly (sizes, versions) or names an unknown datasource.
class PluginMigrationError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// One migration as the plugin declared it, copied out of plugin memory.
struct DeclaredMigration {
    int version = 0;
    std::string description;
    std::string sql;
    std::string sqlSqlite;
    std::string sqlPostgresql;
};

struct DeclaredMigrations {
    std::string datasource;  // "" is the host's own database
    std::vector<DeclaredMigration> migrations;
};

// The plugin's declared migrations, or nothing when it declares none. Throws
// PluginMigrationError naming `pluginId` for a malformed declaration.
std::optional<DeclaredMigrations> readDeclaredMigrations(const oh_plugin_info&, const std::string& pluginId);

// As text and back, byte for byte (netstrings), for the probe's child to hand them to
// `plugins inspect`. migrationsFromText throws std::exception on text migrationsToText did not
// write.
std::string migrationsToText(const DeclaredMigrations&);
DeclaredMigrations migrationsFromText(const std::string& text);

}  // namespace orderhost::plugins
