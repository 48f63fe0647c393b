#include "host/store/PluginMigrations.h"

#include <algorithm>

#include "host/store/Clock.h"
#include "host/store/Database.h"
#include "host/store/PreparedStatements.h"

using namespace Poco::Data::Keywords;

namespace orderhost::store {
namespace {

void ensurePluginMigrationsTable(Database& db) {
    auto create = [&] {
        db.withSession("create plugin_migrations", [](Poco::Data::Session& s) {
            s << "CREATE TABLE IF NOT EXISTS plugin_migrations ("
                 " plugin_id VARCHAR(128) NOT NULL,"
                 " version INTEGER NOT NULL,"
                 " description VARCHAR(200) NOT NULL,"
                 " applied_at BIGINT NOT NULL,"
                 " PRIMARY KEY (plugin_id, version))",
                now;
        });
    };
    try {
        create();
    } catch (const StoreError&) {
        // PostgreSQL: two hosts racing through IF NOT EXISTS can collide on the catalog's
        // unique index; the table exists now and a second try sees it.
        create();
    }
}

std::string describe(const std::string& pluginId, const PluginMigration& m) {
    return "migration " + std::to_string(m.version) + " (" + m.description + ") of plugin " + pluginId;
}

// Claims the version by inserting its row, then runs its statements in the same transaction.
bool applyOne(Database& db, const std::string& pluginId, const PluginMigration& m) {
    bool claimed = false;
    // Longer descriptions would fail the VARCHAR(200) on PostgreSQL for a cosmetic field.
    const std::string description = m.description.substr(0, 200);
    db.withTransaction(describe(pluginId, m), [&](Poco::Data::Session& s) {
        claimed = db.dialect().changesOneRow(
            s,
            "INSERT INTO plugin_migrations (plugin_id, version, description, applied_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (plugin_id, version) DO NOTHING",
            [&](Poco::Data::Statement& st) { st, bind(pluginId), bind(m.version), bind(description), bind(nowMs()); });
        if (!claimed) return;
        PreparedStatements::noteSchemaChange();  // also when a statement fails half-way
        for (const std::string& sql : m.statements) s << sql, now;
    });
    // Again once committed: a connection may have kept a statement against the old schema
    // between the first note and the commit.
    if (claimed) PreparedStatements::noteSchemaChange();
    return claimed;
}

}  // namespace

std::vector<int> appliedPluginMigrations(Database& db, const std::string& pluginId) {
    ensurePluginMigrationsTable(db);
    return db.withSession("read plugin migrations of " + pluginId, [&](Poco::Data::Session& s) {
        std::vector<int> versions;
        s << "SELECT version FROM plugin_migrations WHERE plugin_id = ? ORDER BY version", bind(pluginId),
            into(versions), now;
        return versions;
    });
}

std::vector<int> applyPluginMigrations(Database& db, const std::string& pluginId,
                                       std::vector<PluginMigration> migrations) {
    std::sort(migrations.begin(), migrations.end(),
              [](const PluginMigration& a, const PluginMigration& b) { return a.version < b.version; });
    const std::vector<int> done = appliedPluginMigrations(db, pluginId);
    std::vector<int> applied;
    for (const PluginMigration& m : migrations) {
        if (std::binary_search(done.begin(), done.end(), m.version)) continue;
        if (applyOne(db, pluginId, m)) applied.push_back(m.version);
    }
    return applied;
}

}  // namespace orderhost::store
