// Schema migrations: versioned, forward-only, non-destructive, held in code.
//
// Each migration runs in its own transaction together with its schema_migrations row, so a
// crash leaves the schema at a whole version. Running them twice (or from two processes at
// once) is harmless: the schema_migrations insert decides who applies a version.
// Rules for adding one: append with the next version, never edit or renumber a shipped one,
// only add (tables, columns with defaults, indexes) — never drop or rewrite data.
//
//   migrateSchema(db);   // what Database does at open, and `orderhost db migrate` later
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <Poco/Data/Session.h>

#include "host/store/Dialect.h"

namespace orderhost::store {

class Database;

struct Migration {
    int version = 0;
    std::string description;
    std::function<void(Poco::Data::Session&, const Dialect&)> apply;
};

// Every migration this build knows, in version order.
const std::vector<Migration>& schemaMigrations();
int latestSchemaVersion();

// Every table the host creates (its schema and the plugin_migrations record), lower-case.
// Plugins may read them but not write them (services/StatementPolicy.h).
const std::vector<std::string>& hostTableNames();

// Highest version recorded in the database; 0 for an empty database.
int currentSchemaVersion(Database&);

// Applies what is missing and returns the versions it applied (empty when up to date).
// Throws SchemaTooNewError when the database is newer than this build, StoreError on failure.
std::vector<int> migrateSchema(Database&);

}  // namespace orderhost::store
