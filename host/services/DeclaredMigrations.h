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
#include <string>
#include <vector>

#include "host/plugins/MigrationDeclarations.h"
#include "host/store/Dialect.h"
#include "host/store/PluginMigrations.h"

namespace orderhost::plugins {
class PluginRegistry;
struct LoadedPlugin;
}  // namespace orderhost::plugins
namespace orderhost::store {
class Database;
class Datasources;
}  // namespace orderhost::store

namespace orderhost::services {

// The declaration itself is read in host/plugins (MigrationDeclarations.h), so that an
// isolated plugin's worker process can read it too.
using plugins::DeclaredMigration;
using plugins::DeclaredMigrations;
using plugins::PluginMigrationError;
using plugins::readDeclaredMigrations;

// The statements to run on `backend`: its own SQL if given, else the portable SQL, split.
std::vector<store::PluginMigration> forBackend(const DeclaredMigrations&, store::Backend);

struct AppliedPluginMigrations {
    std::string pluginId;
    std::string datasource;
    std::vector<int> versions;  // applied now; empty when already up to date
};

// Applies the missing migrations of every plugin in `registry`, plugin by plugin. Throws
// PluginMigrationError or store::StoreError (naming plugin, version and driver message).
std::vector<AppliedPluginMigrations> applyPluginMigrations(const plugins::PluginRegistry&, store::Datasources&);
// The same for one plugin build (a reload's new build); nullopt when it declares none.
std::optional<AppliedPluginMigrations> applyMigrationsOf(const plugins::LoadedPlugin& plugin,
                                                         store::Datasources& datasources);

// applyMigrationsOf in two steps, so that a reload checks every new build before any runs:
// prepare reads the declaration, finds the datasource and refuses forbidden statements
// (throws PluginMigrationError; nullopt when the build declares none); apply runs them.
struct PreparedMigrations {
    std::string pluginId;
    std::string datasource;
    store::Database* database = nullptr;
    std::vector<store::PluginMigration> migrations;
};
std::optional<PreparedMigrations> prepareMigrationsOf(const plugins::LoadedPlugin& plugin,
                                                      store::Datasources& datasources);
AppliedPluginMigrations applyPrepared(const PreparedMigrations& prepared);

// Throws PluginMigrationError naming the plugin and version when a statement breaks the rules
// orderhost.db applies to plugins (StatementPolicy): otherwise a plugin's start-up SQL could
// rewrite or drop the host's own tables, or end the migration's transaction.
void refuseForbiddenStatements(const std::string& pluginId, const std::vector<store::PluginMigration>& migrations,
                               bool hostDatabase);

}  // namespace orderhost::services
