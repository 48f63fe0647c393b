#include "host/store/Migrations.h"

#include "host/store/PluginMigrations.h"

#include <algorithm>

#include <future>

#include <gtest/gtest.h>

#include "tests/host/store/StoreTestSupport.h"

using namespace Poco::Data::Keywords;

namespace orderhost::store::testing {
namespace {

class MigrationsTest : public StoreTest {
protected:
    static std::vector<int> recordedVersions(Database& db) {
        std::vector<int> versions;
        db.session() << "SELECT version FROM schema_migrations ORDER BY version", into(versions), now;
        return versions;
    }
    static std::vector<int> allVersions() {
        std::vector<int> versions;
        for (const Migration& m : schemaMigrations()) versions.push_back(m.version);
        return versions;
    }
};

TEST_P(MigrationsTest, OpenBringsAnEmptyDatabaseToTheLatestVersion) {
    auto db = open();
    EXPECT_EQ(currentSchemaVersion(*db), latestSchemaVersion());
    EXPECT_EQ(recordedVersions(*db), allVersions());
    std::string description;
    db->session() << "SELECT description FROM schema_migrations WHERE version = 1", into(description), now;
    EXPECT_EQ(description, schemaMigrations().front().description);
}

// Plugins may not write the host's tables (services/StatementPolicy.h): the list it checks
// must name every table the host creates, and nothing else.
TEST_P(MigrationsTest, HostTableNamesAreExactlyTheTablesTheHostCreates) {
    auto db = open();
    appliedPluginMigrations(*db, "test.plugin");  // creates plugin_migrations
    std::vector<std::string> tables;
    if (db->backend() == Backend::SQLite) {
        db->session()
            << "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name",
            into(tables), now;
    } else {
        db->session() << "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                         "ORDER BY table_name",
            into(tables), now;
    }
    std::vector<std::string> expected = hostTableNames();
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(tables, expected);
}

TEST_P(MigrationsTest, RunningTwiceChangesNothingAndKeepsData) {
    {
        auto db = open();
        EXPECT_EQ(OrderStore(*db).insertOrder(sampleOrder("R-1")), InsertResult::Inserted);
    }
    auto db = open();  // migrates at open a second time
    EXPECT_TRUE(migrateSchema(*db).empty());
    EXPECT_EQ(recordedVersions(*db), allVersions());
    EXPECT_TRUE(OrderStore(*db).findByRef("R-1"));
}

TEST_P(MigrationsTest, MigrationIsOnDemandWhenOpenDoesNotMigrate) {
    auto db = open(DatabaseOptions{1, 4, 60, std::chrono::milliseconds(5000), false});
    EXPECT_EQ(currentSchemaVersion(*db), 0);
    EXPECT_EQ(migrateSchema(*db), allVersions());
    EXPECT_EQ(currentSchemaVersion(*db), latestSchemaVersion());
}

TEST_P(MigrationsTest, ConcurrentOpenersApplyEachVersionOnce) {
    auto opener = [this] { return open(); };
    auto a = std::async(std::launch::async, opener);
    auto b = std::async(std::launch::async, opener);
    auto dbA = a.get();
    auto dbB = b.get();
    EXPECT_EQ(recordedVersions(*dbA), allVersions());
}

TEST_P(MigrationsTest, RefusesADatabaseNewerThanTheCode) {
    {
        auto db = open();
        exec(*db,
             "INSERT INTO schema_migrations (version, description, applied_at) VALUES (999, 'from the future', 0)");
    }
    try {
        open();
        FAIL() << "opened a database with a newer schema";
    } catch (const SchemaTooNewError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("version 999"), std::string::npos) << msg;
        EXPECT_NE(msg.find("up to " + std::to_string(latestSchemaVersion())), std::string::npos) << msg;
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, MigrationsTest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::store::testing
