// Reading a plugin's "orderhost.migrations/1" table: what is accepted, what is refused.
#include "host/services/DeclaredMigrations.h"

#include <gtest/gtest.h>

#include <cstring>

namespace orderhost::services {
namespace {

const oh_migration kFirst = {sizeof(oh_migration), 1,
                             OH_STR("tables"),     OH_STR("CREATE TABLE a (x INT); CREATE TABLE b (y INT)"),
                             {nullptr, 0},         OH_STR("CREATE TABLE a (x BIGINT)")};
const oh_migration kSecond = {sizeof(oh_migration), 2,           OH_STR("index"), OH_STR("CREATE INDEX a_x ON a (x)"),
                              {nullptr, 0},         {nullptr, 0}};
const oh_migration* const kBoth[] = {&kSecond, &kFirst};
const oh_migration* const kTwice[] = {&kFirst, &kFirst};

const oh_migrations_ext* g_declared = nullptr;
const void* extension(const char* id) { return std::strcmp(id, OH_EXT_MIGRATIONS) == 0 ? g_declared : nullptr; }

oh_plugin_info pluginInfo() {
    oh_plugin_info info{};
    info.struct_size = sizeof(oh_plugin_info);
    info.get_extension = extension;
    return info;
}

TEST(DeclaredMigrationsTest, CopiesEveryMigrationAndPicksEachBackendsSql) {
    const oh_migrations_ext ext = {sizeof(oh_migrations_ext), OH_STR(""), 2, kBoth};
    g_declared = &ext;
    const auto declared = readDeclaredMigrations(pluginInfo(), "test.plugin");
    ASSERT_TRUE(declared);
    ASSERT_EQ(declared->migrations.size(), 2u);
    const auto sqlite = forBackend(*declared, store::Backend::SQLite);
    const auto postgres = forBackend(*declared, store::Backend::PostgreSQL);
    EXPECT_EQ(sqlite[1].version, 1);
    EXPECT_EQ(sqlite[1].statements, (std::vector<std::string>{"CREATE TABLE a (x INT)", "CREATE TABLE b (y INT)"}));
    EXPECT_EQ(postgres[1].statements, (std::vector<std::string>{"CREATE TABLE a (x BIGINT)"}));
    EXPECT_EQ(postgres[0].statements, (std::vector<std::string>{"CREATE INDEX a_x ON a (x)"}));
}

TEST(DeclaredMigrationsTest, APluginWithoutTheExtensionDeclaresNothing) {
    g_declared = nullptr;
    EXPECT_FALSE(readDeclaredMigrations(pluginInfo(), "test.plugin"));
    oh_plugin_info none = pluginInfo();
    none.get_extension = nullptr;
    EXPECT_FALSE(readDeclaredMigrations(none, "test.plugin"));
}

TEST(DeclaredMigrationsTest, RefusesADuplicateVersionNamingThePlugin) {
    const oh_migrations_ext ext = {sizeof(oh_migrations_ext), OH_STR(""), 2, kTwice};
    g_declared = &ext;
    try {
        readDeclaredMigrations(pluginInfo(), "test.plugin");
        FAIL() << "accepted version 1 twice";
    } catch (const PluginMigrationError& e) {
        EXPECT_STREQ(e.what(), "plugin test.plugin: orderhost.migrations/1: version 1 is declared twice");
    }
}

// Found in review: migrations ran unchecked, so a plugin could rewrite the host's orders at start.
TEST(DeclaredMigrationsTest, MigrationsFollowTheStatementRulesOfOrderhostDb) {
    const std::vector<store::PluginMigration> own = {
        {1, "own", {"CREATE TABLE acme_t (id INTEGER)", "CREATE INDEX acme_t_id ON acme_t (id)"}}};
    EXPECT_NO_THROW(refuseForbiddenStatements("com.acme", own, true));
    const std::vector<store::PluginMigration> hostile = {{1, "own", {"CREATE TABLE acme_t (id INTEGER)"}},
                                                         {2, "evil", {"UPDATE orders SET state = 'x'"}}};
    try {
        refuseForbiddenStatements("com.acme", hostile, true);
        FAIL() << "a migration writing the host's orders table was accepted";
    } catch (const PluginMigrationError& e) {
        EXPECT_NE(std::string(e.what()).find(
                      "plugin com.acme: orderhost.migrations/1: version 2: UPDATE on the host's own table 'orders'"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_NO_THROW(refuseForbiddenStatements("com.acme", hostile, false));  // a named datasource has no host tables
    EXPECT_THROW(refuseForbiddenStatements("com.acme", {{1, "pragma", {"PRAGMA foreign_keys = OFF"}}}, false),
                 PluginMigrationError);
}

}  // namespace
}  // namespace orderhost::services
