// Plugins' schema migrations ("orderhost.migrations/1", plugin-api/include/orderhost/ext/db.h):
// read from each loaded plugin and applied at start through store/PluginMigrations.
//
// Lives in services, not store, because it reads the plugin ABI and the registry; the store
// only knows versions and statements.
//
//   store::Datasources sources(*database, datasourceConfigs);
//   for (const auto& a : services::applyPluginMigrations(*registry, sources)) log(a.pluginId, a.versions);
#pragma once

#include <orderhost/ext/db.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "host/store/Dialect.h"
#include "host/store/PluginMigrations.h"

namespace orderhost::plugins {
class PluginRegistry;
}
namespace orderhost::store {
class Datasources;
}

namespace orderhost::services {

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

// The statements to run on `backend`: its own SQL if given, else the portable SQL, split.
std::vector<store::PluginMigration> forBackend(const DeclaredMigrations&, store::Backend);

struct AppliedPluginMigrations {
    std::string pluginId;
    std::string datasource;
    std::vector<int> versions;  // applied now; empty when already up to date
};

// Applies the missing migrations of every plugin in `registry`, plugin by plugin. Throws
// PluginMigrationError or store::StoreError (naming plugin, version and driver message).
std::vector<AppliedPluginMigrations> applyPluginMigrations(const plugins::PluginRegistry&,
                                                           store::Datasources&);

// Throws PluginMigrationError naming the plugin and version when a statement breaks the rules
// orderhost.db applies to plugins (StatementPolicy): otherwise a plugin's start-up SQL could
// rewrite or drop the host's own tables, or end the migration's transaction.
void refuseForbiddenStatements(const std::string& pluginId, const std::vector<store::PluginMigration>& migrations,
                               bool hostDatabase);

}  // namespace orderhost::services
