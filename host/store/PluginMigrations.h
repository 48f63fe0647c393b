// Plugins' own schema migrations, recorded per plugin in a plugin_migrations table.
//
// Works like the host's Migrations.h: each version runs in one transaction together with its
// plugin_migrations row, inserted FIRST (claim-by-insert), so a version is applied whole or
// not at all and exactly once even when two hosts start at once — the second one's insert
// conflicts (or waits for the first's commit, then conflicts) and it skips the version.
// The table lives in the database the migrations change, which is what makes that atomic.
//
//   std::vector<PluginMigration> ms = {{1, "stock", {"CREATE TABLE stock (...)"}}};
//   applyPluginMigrations(db, "com.acme.sourcing", ms);   // {1} the first time, {} after
#pragma once

#include <string>
#include <vector>

namespace orderhost::store {

class Database;

// One version of a plugin's schema, already resolved for the database's backend and split
// into single statements (ODBC drivers run one statement per call).
struct PluginMigration {
    int version = 0;
    std::string description;
    std::vector<std::string> statements;
};

// Applies, in version order, the migrations of `pluginId` not yet recorded, and returns the
// versions it applied. Throws StoreError naming the plugin, the version and the driver's
// message; the failing version leaves nothing behind (earlier versions stay applied).
std::vector<int> applyPluginMigrations(Database&, const std::string& pluginId, std::vector<PluginMigration> migrations);

// The versions recorded for `pluginId`, ascending (creates the table when missing).
std::vector<int> appliedPluginMigrations(Database&, const std::string& pluginId);

}  // namespace orderhost::store
