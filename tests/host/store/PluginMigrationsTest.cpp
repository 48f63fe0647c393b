// Plugin migrations on every backend: applied once, recorded, and all-or-nothing per version.
#include "host/store/PluginMigrations.h"

#include "tests/host/store/StoreTestSupport.h"

using namespace Poco::Data::Keywords;

namespace orderhost::store::testing {
namespace {

using Versions = std::vector<int>;

class PluginMigrationsTest : public StoreTest {
protected:
    static bool tableExists(Database& db, const std::string& table) {
        try {
            exec(db, "SELECT COUNT(*) FROM " + table);
            return true;
        } catch (const Poco::Exception&) {
            return false;
        }
    }
    static std::vector<PluginMigration> sourcing() {
        return {{2, "index", {"CREATE INDEX stock_qty ON acme_stock (qty)"}},
                {1,
                 "tables",
                 {"CREATE TABLE acme_stock (sku VARCHAR(64) PRIMARY KEY, qty BIGINT)",
                  "INSERT INTO acme_stock VALUES ('A', 1)"}}};
    }
};

TEST_P(PluginMigrationsTest, AppliesMissingVersionsInOrderOnceAndRecordsThem) {
    auto db = open();
    EXPECT_EQ(applyPluginMigrations(*db, "com.acme.sourcing", sourcing()), (Versions{1, 2}));
    EXPECT_EQ(appliedPluginMigrations(*db, "com.acme.sourcing"), (Versions{1, 2}));
    EXPECT_EQ(applyPluginMigrations(*db, "com.acme.sourcing", sourcing()), Versions{});
    int rows = 0;
    Poco::Data::Session s = db->session();
    s << "SELECT COUNT(*) FROM acme_stock", into(rows), now;
    EXPECT_EQ(rows, 1) << "version 1's insert ran once";
    EXPECT_EQ(appliedPluginMigrations(*db, "com.other"), Versions{}) << "versions are per plugin";
}

TEST_P(PluginMigrationsTest, AFailingVersionLeavesNothingAndNamesPluginVersionAndDriver) {
    auto db = open();
    std::vector<PluginMigration> broken = sourcing();
    broken.push_back({3, "half", {"CREATE TABLE acme_half (x BIGINT)", "CREATE TABLE acme_stock (again BIGINT)"}});
    try {
        applyPluginMigrations(*db, "com.acme.sourcing", broken);
        FAIL() << "a failing migration was accepted";
    } catch (const StoreError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("migration 3 (half) of plugin com.acme.sourcing"), std::string::npos) << message;
        EXPECT_NE(message.find("acme_stock"), std::string::npos) << "the driver's words: " << message;
    }
    EXPECT_EQ(appliedPluginMigrations(*db, "com.acme.sourcing"), (Versions{1, 2}));
    EXPECT_FALSE(tableExists(*db, "acme_half")) << "version 3's first statement was rolled back";
}

TEST_P(PluginMigrationsTest, ASecondHostFindsEveryVersionAppliedAndAppliesNothing) {
    auto first = open();
    auto second = open();
    EXPECT_EQ(applyPluginMigrations(*first, "com.acme.sourcing", sourcing()), (Versions{1, 2}));
    EXPECT_EQ(applyPluginMigrations(*second, "com.acme.sourcing", sourcing()), Versions{});
}

INSTANTIATE_TEST_SUITE_P(Backends, PluginMigrationsTest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::store::testing
