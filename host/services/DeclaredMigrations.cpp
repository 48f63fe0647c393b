#include "host/services/DeclaredMigrations.h"

#include "host/services/StatementPolicy.h"

#include "host/plugins/PluginRegistry.h"
#include "host/services/SqlText.h"
#include "host/store/Datasources.h"

namespace orderhost::services {
namespace {

[[noreturn]] void refuse(const std::string& pluginId, const std::string& why) {
    throw PluginMigrationError("plugin " + pluginId + ": " + OH_EXT_MIGRATIONS + ": " + why);
}

}  // namespace

std::vector<store::PluginMigration> forBackend(const DeclaredMigrations& declared, store::Backend backend) {
    std::vector<store::PluginMigration> result;
    for (const DeclaredMigration& m : declared.migrations) {
        const std::string& own = backend == store::Backend::SQLite ? m.sqlSqlite : m.sqlPostgresql;
        result.push_back({m.version, m.description, splitStatements(own.empty() ? m.sql : own)});
    }
    return result;
}

void refuseForbiddenStatements(const std::string& pluginId, const std::vector<store::PluginMigration>& migrations,
                               bool hostDatabase) {
    for (const store::PluginMigration& migration : migrations) {
        for (const std::string& statement : migration.statements) {
            if (const std::string why = statementRefusal(statement, hostDatabase); !why.empty())
                refuse(pluginId, "version " + std::to_string(migration.version) + ": " + why);
        }
    }
}

std::vector<AppliedPluginMigrations> applyPluginMigrations(const plugins::PluginRegistry& registry,
                                                           store::Datasources& datasources) {
    std::vector<AppliedPluginMigrations> applied;
    for (const plugins::LoadedPlugin& plugin : registry.plugins())
        if (auto done = applyMigrationsOf(plugin, datasources)) applied.push_back(std::move(*done));
    return applied;
}

std::optional<AppliedPluginMigrations> applyMigrationsOf(const plugins::LoadedPlugin& plugin,
                                                         store::Datasources& datasources) {
    const std::optional<PreparedMigrations> prepared = prepareMigrationsOf(plugin, datasources);
    if (!prepared) return std::nullopt;
    return applyPrepared(*prepared);
}

std::optional<PreparedMigrations> prepareMigrationsOf(const plugins::LoadedPlugin& plugin,
                                                      store::Datasources& datasources) {
    const std::string& id = plugin.manifest.id;
    // An isolated plugin's worker read the declaration in its own process.
    const std::optional<DeclaredMigrations> declared =
        plugin.info != nullptr ? readDeclaredMigrations(*plugin.info, id) : plugin.isolatedMigrations;
    if (!declared) return std::nullopt;
    store::Database* db = datasources.find(declared->datasource);
    if (db == nullptr)
        refuse(id, "its migrations are for datasource '" + declared->datasource +
                       "', which is not configured (datasource." + declared->datasource + ".connection)");
    std::vector<store::PluginMigration> migrations = forBackend(*declared, db->backend());
    refuseForbiddenStatements(id, migrations, db == datasources.find(""));
    return PreparedMigrations{id, declared->datasource, db, std::move(migrations)};
}

AppliedPluginMigrations applyPrepared(const PreparedMigrations& prepared) {
    std::vector<int> versions =
        store::applyPluginMigrations(*prepared.database, prepared.pluginId, prepared.migrations);
    return AppliedPluginMigrations{prepared.pluginId, prepared.datasource, std::move(versions)};
}

}  // namespace orderhost::services
