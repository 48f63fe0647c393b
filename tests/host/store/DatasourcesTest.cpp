// Datasources: the host's own database under its two names, configured ones opened at start.
#include "host/store/Datasources.h"

#include "tests/host/store/StoreTestSupport.h"

namespace orderhost::store::testing {
namespace {

class DatasourcesTest : public StoreTest {};

TEST_P(DatasourcesTest, TheHostsDatabaseAnswersToOrderhostAndTheEmptyName) {
    auto db = open();
    Datasources sources(*db, {});
    EXPECT_EQ(sources.find(""), db.get());
    EXPECT_EQ(sources.find("orderhost"), db.get());
    EXPECT_EQ(sources.find("erp"), nullptr);
    EXPECT_EQ(sources.names(), std::vector<std::string>{"orderhost"});
}

TEST_P(DatasourcesTest, OpensConfiguredDatasourcesWithoutTheHostSchema) {
    auto db = open();
    Datasources sources(*db, {{"side", {"Driver=SQLite3;Database=" + dir_ + "/side.db;", 2}}});
    Database* side = sources.find("side");
    ASSERT_NE(side, nullptr);
    EXPECT_NE(side, db.get());
    EXPECT_EQ(sources.names(), (std::vector<std::string>{"orderhost", "side"}));
    EXPECT_THROW(exec(*side, "SELECT COUNT(*) FROM orders"), Poco::Exception) << "not migrated";
}

TEST_P(DatasourcesTest, AnUnreachableDatasourceStopsTheStartNamingIt) {
    auto db = open();
    try {
        Datasources sources(*db, {{"erp", {"Driver=NoSuchDriver;Database=x;", 1}}});
        FAIL() << "an unusable datasource was accepted";
    } catch (const StoreError& e) {
        EXPECT_EQ(std::string(e.what()).rfind("datasource 'erp': ", 0), 0u) << e.what();
    }
    EXPECT_THROW(Datasources(*db, {{"orderhost", {"Driver=SQLite3;Database=x.db;", 1}}}), StoreError);
}

INSTANTIATE_TEST_SUITE_P(Backends, DatasourcesTest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::store::testing
