// The SQLite ODBC driver's SQLNativeSql writes a zero byte into the caller's statement text at
// index sqlMax - 1, and Poco calls it for every statement that fails: without the guard, a
// few thousand failing statements abort the process in free() ("invalid next size"), which
// is how the host died under concurrent load on SQLite (issue 8, finding 0).
#include "host/store/NativeSqlGuard.h"

#include <sql.h>
#include <sqlext.h>

#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "host/store/Database.h"
#include "tests/host/store/StoreTestSupport.h"

using namespace Poco::Data::Keywords;

namespace orderhost::store::testing {
namespace {

// A raw ODBC connection to the SQLite driver, as Poco's sessions hold one.
class RawSqliteConnection {
public:
    explicit RawSqliteConnection(const std::string& file) {
        SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env_);
        SQLSetEnvAttr(env_, SQL_ATTR_ODBC_VERSION, reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0);
        SQLAllocHandle(SQL_HANDLE_DBC, env_, &dbc_);
        std::string text = "Driver=SQLite3;Database=" + file + ";";
        connected_ = SQL_SUCCEEDED(SQLDriverConnect(dbc_, nullptr, reinterpret_cast<SQLCHAR*>(text.data()), SQL_NTS,
                                                    nullptr, 0, nullptr, SQL_DRIVER_NOPROMPT));
    }
    ~RawSqliteConnection() {
        if (connected_) SQLDisconnect(dbc_);
        SQLFreeHandle(SQL_HANDLE_DBC, dbc_);
        SQLFreeHandle(SQL_HANDLE_ENV, env_);
    }
    bool connected() const { return connected_; }
    SQLHDBC handle() const { return dbc_; }

private:
    SQLHENV env_ = SQL_NULL_HENV;
    SQLHDBC dbc_ = SQL_NULL_HDBC;
    bool connected_ = false;
};

TEST(NativeSqlGuardTest, IsTheSqlNativeSqlThisProcessUses) { EXPECT_TRUE(nativeSqlGuardActive()); }

TEST(NativeSqlGuardTest, DriverNeverWritesIntoTheCallersStatementText) {
    const std::string dir = makeTempDir();
    RawSqliteConnection connection(dir + "/guard.db");
    ASSERT_TRUE(connection.connected());
    // Called the way Poco's ODBCStatementImpl::nativeSQL() calls it: output room = 2 x length.
    const std::string statement = "INSERT INTO t (k) VALUES (1)";
    const auto length = static_cast<SQLINTEGER>(statement.size());
    constexpr SQLCHAR kCanary = 0xAB;
    std::vector<SQLCHAR> input(statement.size() * 3, kCanary);
    std::memcpy(input.data(), statement.data(), statement.size());
    std::vector<SQLCHAR> output(statement.size() * 2, 0);
    SQLINTEGER outputLength = 0;
    const SQLRETURN rc = SQLNativeSql(connection.handle(), input.data(), length, output.data(),
                                      static_cast<SQLINTEGER>(output.size()), &outputLength);
    ASSERT_TRUE(SQL_SUCCEEDED(rc)) << rc;
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(output.data()), static_cast<std::size_t>(outputLength)),
              statement);
    for (std::size_t i = statement.size(); i < input.size(); ++i)
        ASSERT_EQ(input[i], kCanary) << "byte " << i << " after the " << statement.size()
                                     << "-byte statement was overwritten";
}

TEST(NativeSqlGuardTest, ThousandsOfFailingStatementsOnSqliteLeaveTheHeapIntact) {
    const std::string dir = makeTempDir();
    Database db("Driver=SQLite3;Database=" + dir + "/failing.db;");
    db.withSession("arrange", [](Poco::Data::Session& s) {
        s << "CREATE TABLE guard_probe (k INTEGER PRIMARY KEY)", now;
        s << "INSERT INTO guard_probe (k) VALUES (1)", now;
    });
    std::vector<std::string> neighbours;  // heap blocks for the stray byte to land in
    int failures = 0;
    for (int i = 0; i < 5000; ++i) {
        // A constraint violation fails in SQLExecute, where Poco asks for the native SQL.
        const std::string sql = "INSERT INTO guard_probe (k) VALUES (1) /*" + std::string(i % 200, 'x') + "*/";
        try {
            db.withSession("duplicate key", [&](Poco::Data::Session& s) { s << sql, now; });
        } catch (const StoreError& e) {
            ++failures;
            if (i == 0) {
                EXPECT_NE(std::string(e.what()).find("Native SQL statement: INSERT INTO guard_probe"),
                          std::string::npos)
                    << e.what();
            }
        }
        neighbours.emplace_back(static_cast<std::size_t>(16 + i % 120), 'n');
        if (neighbours.size() > 64) neighbours.erase(neighbours.begin());
    }
    EXPECT_EQ(failures, 5000);
    for (const std::string& n : neighbours) ASSERT_EQ(n.find_first_not_of('n'), std::string::npos);
}

}  // namespace
}  // namespace orderhost::store::testing
