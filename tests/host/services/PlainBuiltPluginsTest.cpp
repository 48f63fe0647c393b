// Two SDK plugins built with a plain add_library(SHARED) (no orderhost_add_plugin, so default
// visibility and no version script), loaded into one host through the real loader: each must
// keep its own SDK state. When the SDK's state was a namespace-scope `inline` variable, g++
// exported it as a GNU unique symbol, the loader bound both plugins to the first copy, and the
// second plugin declared the first's migrations ("table ... already exists").
#include "host/plugins/PluginRegistry.h"
#include "host/services/DeclaredMigrations.h"
#include "host/services/HostServices.h"
#include "host/store/Database.h"
#include "host/store/Datasources.h"
#include "tests/support/TestDatabase.h"

#include <gtest/gtest.h>

#include <filesystem>

using namespace Poco::Data::Keywords;

namespace orderhost::services {
namespace {
namespace fs = std::filesystem;

class PlainBuiltPluginsTest : public ::testing::TestWithParam<testing::TestBackend> {
protected:
    void SetUp() override {
        folder_ = testing::makeTempDir("orderhost-plain");
        database_ = std::make_unique<testing::TestDatabase>(GetParam(), folder_);
        db_ = std::make_unique<store::Database>(database_->connectionString());
        sources_ = std::make_unique<store::Datasources>(*db_, std::map<std::string, store::DatasourceConfig>{});
        registry_ = std::make_unique<plugins::PluginRegistry>(hostInfo(), plugins::RegistryOptions{});
        for (const char* name : {"plain_sdk_alpha.so", "plain_sdk_beta.so"}) {
            ASSERT_NE(registry_->loadFile(fs::path(ORDERHOST_TEST_PLUGIN_DIR) / name), nullptr)
                << registry_->refusals().back().reason;
        }
    }
    void TearDown() override {
        registry_.reset();
        sources_.reset();
        db_.reset();
        database_.reset();
        fs::remove_all(folder_);
    }

    std::vector<std::string> appliedFor(std::string pluginId) {
        std::vector<std::string> descriptions;
        Poco::Data::Session s = db_->session();
        s << "SELECT description FROM plugin_migrations WHERE plugin_id = ? ORDER BY version", use(pluginId),
            into(descriptions), now;
        return descriptions;
    }
    int rowsIn(const std::string& table) {
        int n = -1;
        Poco::Data::Session s = db_->session();
        s << "SELECT COUNT(*) FROM " + table, into(n), now;
        return n;
    }

    std::string folder_;
    std::unique_ptr<testing::TestDatabase> database_;
    std::unique_ptr<store::Database> db_;
    std::unique_ptr<store::Datasources> sources_;
    std::unique_ptr<plugins::PluginRegistry> registry_;
};

TEST_P(PlainBuiltPluginsTest, EachPluginDeclaresItsOwnMigrations) {
    for (const auto& [id, table] : {std::pair{"test.alpha", "alpha_things"}, std::pair{"test.beta", "beta_things"}}) {
        const plugins::LoadedPlugin* plugin = registry_->find(id);
        ASSERT_NE(plugin, nullptr) << id;
        const auto declared = readDeclaredMigrations(*plugin->info, id);
        ASSERT_TRUE(declared) << id;
        ASSERT_EQ(declared->migrations.size(), 1u) << id;
        EXPECT_NE(declared->migrations[0].sql.find(table), std::string::npos)
            << id << " declared " << declared->migrations[0].sql;
    }
}

TEST_P(PlainBuiltPluginsTest, EachPluginsMigrationsAreAppliedOnceUnderItsOwnId) {
    ASSERT_NO_THROW(applyPluginMigrations(*registry_, *sources_));
    EXPECT_EQ(appliedFor("test.alpha"), std::vector<std::string>{"the fixture's own table"});
    EXPECT_EQ(appliedFor("test.beta"), std::vector<std::string>{"the fixture's own table"});
    EXPECT_EQ(rowsIn("alpha_things"), 0);
    EXPECT_EQ(rowsIn("beta_things"), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, PlainBuiltPluginsTest, ::testing::ValuesIn(testing::testBackends()),
                         testing::backendName);

}  // namespace
}  // namespace orderhost::services
