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

// As one line of JSON and back, for the probe's child to hand them to `plugins inspect`.
// fromJson throws on text toJson did not write.
std::string migrationsToJson(const DeclaredMigrations&);
DeclaredMigrations migrationsFromJson(const std::string& json);

}  // namespace orderhost::plugins
