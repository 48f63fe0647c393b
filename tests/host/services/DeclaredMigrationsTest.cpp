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

// Why reading `ext` was refused; "(accepted)" when it was not.
std::string refusalOf(const oh_migrations_ext& ext) {
    g_declared = &ext;
    try {
        readDeclaredMigrations(pluginInfo(), "test.plugin");
    } catch (const PluginMigrationError& e) {
        return e.what();
    }
    return "(accepted)";
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
    EXPECT_EQ(refusalOf(ext), "plugin test.plugin: orderhost.migrations/1: version 1 is declared twice");
}

// Found in review: a NULL pointer with a length was read as "": a NULL datasource sent the
// plugin's DDL to the host's own database, a NULL sql_sqlite ran the generic sql instead.
TEST(DeclaredMigrationsTest, ATextWithANullPointerAndALengthIsRefusedNotReadAsEmpty) {
    const oh_migrations_ext nullSource = {sizeof(oh_migrations_ext), {nullptr, 5}, 2, kBoth};
    EXPECT_EQ(refusalOf(nullSource),
              "plugin test.plugin: orderhost.migrations/1: datasource has a NULL pointer with length 5");
    const oh_migration nullSqlite = {sizeof(oh_migration), 1,           OH_STR("t"), OH_STR("CREATE TABLE t (x INT)"),
                                     {nullptr, 9},         {nullptr, 0}};
    const oh_migration* const one[] = {&nullSqlite};
    const oh_migrations_ext ext = {sizeof(oh_migrations_ext), OH_STR(""), 1, one};
    EXPECT_EQ(refusalOf(ext),
              "plugin test.plugin: orderhost.migrations/1: migrations[0].sql_sqlite has a NULL "
              "pointer with length 9");
}

// Found in review: the probe handed the migrations to `plugins inspect` as JSON, which Poco writes
// with a non-UTF-8 byte raw and then cannot read back, so the probe refused the plugin (at host
// start too). As netstrings every byte comes back.
TEST(DeclaredMigrationsTest, TheProbesCopyKeepsEveryByte) {
    DeclaredMigrations declared;
    declared.datasource = "erp";
    declared.migrations.push_back({3, "caf\xE9 \n", std::string("SELECT 'a\0b'", 12), "", "SELECT '\xFF:9:'"});
    declared.migrations.push_back({4, "", "", "x", ""});
    const DeclaredMigrations back = plugins::migrationsFromText(plugins::migrationsToText(declared));
    EXPECT_EQ(back.datasource, "erp");
    ASSERT_EQ(back.migrations.size(), 2u);
    EXPECT_EQ(back.migrations[0].version, 3);
    EXPECT_EQ(back.migrations[0].description, "caf\xE9 \n");
    EXPECT_EQ(back.migrations[0].sql, std::string("SELECT 'a\0b'", 12));
    EXPECT_EQ(back.migrations[0].sqlPostgresql, "SELECT '\xFF:9:'");
    EXPECT_EQ(back.migrations[1].sqlSqlite, "x");
    EXPECT_THROW(plugins::migrationsFromText("3:erp1:15:"), std::exception) << "truncated";
    EXPECT_THROW(plugins::migrationsFromText(plugins::migrationsToText(declared) + "x"), std::exception);
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
