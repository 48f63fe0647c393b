// Reading ODBC failures: transient ones are recognised from the drivers' diagnostics, and
// SQLNativeSql, which Poco calls to word every failed statement, writes no more than the text.
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

// Poco 1.11 claims a buffer twice the size of the one it allocated, and sqliteodbc pads the
// whole claimed length with NULs: heap corruption on every failed SQLite statement. The host
// defines SQLNativeSql itself; a raw ODBC call from this process must reach that definition.
TEST(OdbcNativeSqlTest, WritesOnlyTheTextAndItsNulWhateverLengthIsClaimed) {
    keepOdbcNativeSqlFix();
    const std::string folder = orderhost::testing::makeTempDir("orderhost-nativesql");
    SQLHENV env = SQL_NULL_HENV;
    SQLHDBC dbc = SQL_NULL_HDBC;
    ASSERT_TRUE(SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env)));
    SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0);
    ASSERT_TRUE(SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc)));
    std::string connect = "Driver=SQLite3;Database=" + folder + "/n.db;";
    ASSERT_TRUE(SQL_SUCCEEDED(SQLDriverConnect(dbc, nullptr, reinterpret_cast<SQLCHAR*>(connect.data()), SQL_NTS,
                                               nullptr, 0, nullptr, SQL_DRIVER_NOPROMPT)));
    std::string text = "SELECT 1";
    SQLCHAR out[64];
    std::memset(out, 'X', sizeof out);
    SQLINTEGER length = 0;
    EXPECT_TRUE(SQL_SUCCEEDED(SQLNativeSql(dbc, reinterpret_cast<SQLCHAR*>(text.data()),
                                           static_cast<SQLINTEGER>(text.size()), out, sizeof out, &length)));
    EXPECT_EQ(length, static_cast<SQLINTEGER>(text.size()));
    EXPECT_STREQ(reinterpret_cast<char*>(out), "SELECT 1");
    for (std::size_t i = text.size() + 1; i < sizeof out; ++i) ASSERT_EQ(out[i], 'X') << "byte " << i << " written";
    SQLDisconnect(dbc);
    SQLFreeHandle(SQL_HANDLE_DBC, dbc);
    SQLFreeHandle(SQL_HANDLE_ENV, env);
    std::filesystem::remove_all(folder);
}

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
