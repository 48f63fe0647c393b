// Reading ODBC failures: transient ones are recognised from the drivers' diagnostics, and
// Which ODBC failures are transient (deadlock, serialization failure, lock timeout, SQLite busy).
#include "host/store/OdbcFailures.h"

#include <gtest/gtest.h>

#include <sql.h>
#include <sqlext.h>

#include <cstring>
#include <filesystem>

#include "tests/host/store/StoreTestSupport.h"

using namespace Poco::Data::Keywords;

namespace orderhost::store::testing {
namespace {

class OdbcFailuresTest : public StoreTest {};

TEST_P(OdbcFailuresTest, ASyntaxErrorIsNotTransientAndNeitherIsAnotherException) {
    auto db = open();
    try {
        db->session() << "SELEC 1", now;
        FAIL() << "the database accepted a syntax error";
    } catch (const Poco::Exception& e) {
        EXPECT_EQ(transientFailure(e), "");
    }
    EXPECT_EQ(transientFailure(Poco::IOException("disk")), "");
}

TEST_P(OdbcFailuresTest, ALockWaitThatTimesOutIsTransient) {
    const std::string folder = orderhost::testing::makeTempDir("orderhost-lockwait");
    DatabaseOptions options;
    options.migrate = false;
    // SQLite: the driver's own busy timeout (the host's default waits 10 s).
    auto db = GetParam().connectionString.empty()
                  ? std::make_unique<Database>("Driver=SQLite3;Database=" + folder + "/lk.db;Timeout=100;", options)
                  : open(options);
    Poco::Data::Session holder = db->session();
    Poco::Data::Session waiter = db->session();
    holder << "CREATE TABLE lk (x INT)", now;
    holder.setFeature("autoCommit", false);
    holder.begin();
    holder << "INSERT INTO lk VALUES (1)", now;
    if (db->backend() == Backend::PostgreSQL) {
        holder << "LOCK TABLE lk IN ACCESS EXCLUSIVE MODE", now;
        waiter << "SET lock_timeout = '100ms'", now;
    }
    try {
        waiter << "INSERT INTO lk VALUES (2)", now;
        FAIL() << "wrote past another session's lock";
    } catch (const Poco::Exception& e) {
        EXPECT_EQ(transientFailure(e), db->backend() == Backend::PostgreSQL ? "lock timeout (SQLSTATE 55P03)"
                                                                            : "database is locked (SQLITE_BUSY)")
            << e.displayText();
    }
    holder.rollback();
    std::filesystem::remove_all(folder);
}

INSTANTIATE_TEST_SUITE_P(Backends, OdbcFailuresTest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::store::testing
