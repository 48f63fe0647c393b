// orderhost.sourcing's migration 2 on a database that ran 1.0: the single stock table becomes
// warehouse MAIN with an opening movement, reservations become allocations, the 1.0 tables go,
// and the ledger reconciles. The plugin's own declared SQL, on every backend.
#include "host/plugins/PluginRegistry.h"
#include "host/services/DeclaredMigrations.h"
#include "host/services/HostServices.h"
#include "host/store/Database.h"
#include "host/store/PluginMigrations.h"
#include "tests/support/TestDatabase.h"

#include <gtest/gtest.h>

#include <filesystem>

using namespace Poco::Data::Keywords;

namespace orderhost::services {
namespace {
namespace fs = std::filesystem;

class SourcingMigrationTest : public ::testing::TestWithParam<testing::TestBackend> {
protected:
    void SetUp() override {
        plugins::RegistryOptions options;
        options.probeFirst = false;
        registry_ = std::make_unique<plugins::PluginRegistry>(hostInfo(), options);
        ASSERT_NE(registry_->loadFile(fs::path(ORDERHOST_PLUGIN_DIR) / "orderhost-sourcing.so"), nullptr);
        folder_ = testing::makeTempDir("orderhost-sourcing-migration");
        database_ = std::make_unique<testing::TestDatabase>(GetParam(), folder_);
        db_ = std::make_unique<store::Database>(database_->connectionString());
    }
    void TearDown() override {
        db_.reset();
        database_.reset();
        registry_.reset();
        fs::remove_all(folder_);
    }

    std::vector<store::PluginMigration> declared() {
        const auto migrations =
            readDeclaredMigrations(*registry_->find("orderhost.sourcing")->info, "orderhost.sourcing");
        return forBackend(*migrations, db_->backend());
    }
    void exec(const std::string& sql) {
        Poco::Data::Session s = db_->session();
        s << sql, now;
    }
    Poco::Int64 number(const std::string& sql) {
        Poco::Int64 n = -1;
        Poco::Data::Session s = db_->session();
        s << sql, into(n), now;
        return n;
    }

    std::unique_ptr<plugins::PluginRegistry> registry_;
    std::string folder_;
    std::unique_ptr<testing::TestDatabase> database_;
    std::unique_ptr<store::Database> db_;
};

TEST_P(SourcingMigrationTest, Version2MovesTheStockOf1_0IntoWarehouseMain) {
    std::vector<store::PluginMigration> all = declared();
    ASSERT_EQ(all.size(), 3u);
    ASSERT_EQ(store::applyPluginMigrations(*db_, "orderhost.sourcing", {all[0]}), std::vector<int>{1});
    exec("INSERT INTO sourcing_stock (sku, on_hand, reserved) VALUES ('A-1', 10, 3), ('B-2', 4, 0)");
    exec("INSERT INTO sourcing_reservations (order_id, sku, quantity) VALUES ('order-1', 'A-1', 3)");

    ASSERT_EQ(store::applyPluginMigrations(*db_, "orderhost.sourcing", all), (std::vector<int>{2, 3}));
    EXPECT_EQ(number("SELECT COUNT(*) FROM sourcing_warehouses WHERE warehouse = 'MAIN'"), 1);
    EXPECT_EQ(number("SELECT on_hand FROM sourcing_inventory WHERE warehouse = 'MAIN' AND sku = 'A-1'"), 10);
    EXPECT_EQ(number("SELECT reserved FROM sourcing_inventory WHERE warehouse = 'MAIN' AND sku = 'A-1'"), 3);
    EXPECT_EQ(number("SELECT reserved FROM sourcing_allocations WHERE order_id = 'order-1' AND sku = 'A-1'"), 3);
    EXPECT_EQ(number("SELECT COUNT(*) FROM sourcing_movements WHERE movement = 'opening'"), 2);
    EXPECT_EQ(number("SELECT COUNT(*) FROM sourcing_stock_check WHERE reconciled = 1"), 2);
    EXPECT_ANY_THROW(number("SELECT COUNT(*) FROM sourcing_stock")) << "the 1.0 table is gone";
    // Version 3 (2.1): restocks of undone returns stand, and later returns claim them.
    EXPECT_EQ(number("SELECT COUNT(*) FROM sourcing_restocks WHERE undone_at_ms IS NOT NULL"), 0);
    EXPECT_EQ(number("SELECT COUNT(*) FROM sourcing_restock_claims"), 0);
}

TEST_P(SourcingMigrationTest, Version2OnAnEmpty1_0DatabaseCreatesNoWarehouse) {
    ASSERT_EQ(store::applyPluginMigrations(*db_, "orderhost.sourcing", declared()), (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(number("SELECT COUNT(*) FROM sourcing_warehouses"), 0) << "the demo seed needs an empty table";
}

INSTANTIATE_TEST_SUITE_P(Backends, SourcingMigrationTest, ::testing::ValuesIn(testing::testBackends()),
                         testing::backendName);

}  // namespace
}  // namespace orderhost::services
