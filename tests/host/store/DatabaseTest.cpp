#include "host/store/Database.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "host/store/StepTransaction.h"
#include "tests/host/store/StoreTestSupport.h"

using namespace Poco::Data::Keywords;
using namespace std::chrono_literals;

namespace orderhost::store::testing {
namespace {

constexpr const char* kSecret = "s3cr3t-Pa55";

// Opening must fail with a StoreError that says what and where, and never shows the password.
std::string openError(const std::string& connectionString) {
    try {
        Database db(connectionString);
    } catch (const StoreError& e) {
        return e.what();
    }
    ADD_FAILURE() << "opened: " << connectionString;
    return {};
}

TEST(DatabaseOpenTest, UnwritablePathIsAClearError) {
    const std::string msg =
        openError(std::string("Driver=SQLite3;Database=/nonexistent-dir/x/orderhost.db;Pwd=") + kSecret + ";");
    EXPECT_NE(msg.find("open database"), std::string::npos) << msg;
    EXPECT_NE(msg.find("/nonexistent-dir/x/orderhost.db"), std::string::npos) << msg;
    EXPECT_EQ(msg.find(kSecret), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(DatabaseOpenTest, UnknownDriverIsAClearError) {
    const std::string msg = openError(std::string("Driver=NoSuchDriver;Database=x;Pwd=") + kSecret + ";");
    EXPECT_NE(msg.find("unsupported ODBC driver 'NoSuchDriver'"), std::string::npos) << msg;
    EXPECT_EQ(msg.find(kSecret), std::string::npos) << msg;
}

// A brace left open makes ODBC read the rest of the string as one value: the password after it
// would be part of the database name (and of every message naming it).
TEST(DatabaseOpenTest, AValueWhoseBraceNeverClosesIsAClearErrorThatHidesTheRest) {
    const std::string msg = openError(std::string("Driver=SQLite3;Database={/tmp/x.db}};Pwd=") + kSecret + ";");
    EXPECT_NE(msg.find("the value of 'Database' opens '{' and does not close it"), std::string::npos) << msg;
    EXPECT_EQ(msg.find(kSecret), std::string::npos) << msg;
}

TEST(DatabaseOpenTest, MissingDsnIsAClearError) {
    const std::string msg = openError(std::string("DSN=orderhost_no_such_dsn;Uid=u;Pwd=") + kSecret + ";");
    EXPECT_NE(msg.find("open database"), std::string::npos) << msg;
    EXPECT_NE(msg.find("orderhost_no_such_dsn"), std::string::npos) << msg;
    EXPECT_EQ(msg.find(kSecret), std::string::npos) << msg;
}

TEST(DatabaseOpenTest, DatabaseThatIsDownIsAClearError) {
    // Debian's odbcinst.ini has psqlODBC write a CommLog to /tmp; point at a copy without it.
    const std::string dir = makeTempDir();
    std::ifstream in("/etc/odbcinst.ini");
    std::ofstream out(dir + "/odbcinst.ini");
    for (std::string line; std::getline(in, line);) out << (line == "CommLog=1" ? "CommLog=0" : line) << "\n";
    out.close();
    ::setenv("ODBCSYSINI", dir.c_str(), 1);
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const std::string msg = openError(std::string("Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=1;"
                                                  "Database=orderhost;Uid=orderhost;Pwd=") +
                                      kSecret + ";");
    ::unsetenv("ODBCSYSINI");
    std::filesystem::remove_all(dir);
    EXPECT_NE(msg.find("open database"), std::string::npos) << msg;
    EXPECT_NE(msg.find("Port=1"), std::string::npos) << msg;
    EXPECT_EQ(msg.find(kSecret), std::string::npos) << msg;
}

class DatabaseTest : public StoreTest {};

TEST_P(DatabaseTest, PostgreSQLEndsSessionsLeftIdleInATransaction) {
    if (GetParam().name != "PostgreSQL") GTEST_SKIP() << "a PostgreSQL setting";
    auto db = open();
    std::string timeout;
    db->session() << "SHOW idle_in_transaction_session_timeout", into(timeout), now;
    EXPECT_EQ(timeout, "5min");  // a stalled host's locks do not block the other hosts for good
}

TEST_P(DatabaseTest, TransactionCommits) {
    auto db = open();
    db->withTransaction([](Poco::Data::Session& s) { s << "CREATE TABLE store_scratch (v INTEGER)", now; });
    db->withTransaction([](Poco::Data::Session& s) { s << "INSERT INTO store_scratch VALUES (1)", now; });
    int count = 0;
    db->session() << "SELECT COUNT(*) FROM store_scratch", into(count), now;
    EXPECT_EQ(count, 1);
}

TEST_P(DatabaseTest, TransactionRollsBackAndRethrowsCallerExceptionsUnchanged) {
    auto db = open();
    exec(*db, "CREATE TABLE store_scratch (v INTEGER)");
    EXPECT_THROW(db->withTransaction([](Poco::Data::Session& s) {
        s << "INSERT INTO store_scratch VALUES (1)", now;
        throw std::logic_error("caller's own failure");
    }),
                 std::logic_error);
    int count = -1;
    db->session() << "SELECT COUNT(*) FROM store_scratch", into(count), now;
    EXPECT_EQ(count, 0);
}

TEST_P(DatabaseTest, DriverErrorsBecomeOneLineStoreErrorsNamingTheOperation) {
    auto db = open();
    try {
        db->withTransaction("close the books", [](Poco::Data::Session& s) { s << "SELECT * FROM no_such_table", now; });
        FAIL() << "no error";
    } catch (const StoreError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("close the books failed"), std::string::npos) << msg;
        EXPECT_NE(msg.find("no_such_table"), std::string::npos) << msg;
        EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    }
}

TEST_P(DatabaseTest, SessionsAreBackInAutocommitAfterATransaction) {
    // One pooled session only, so the next session() is the one the transaction used. A
    // session left without autocommit would read a stale snapshot forever.
    auto db = open(DatabaseOptions{1, 1, 60, 1000ms, true});
    EXPECT_THROW(db->withTransaction([](Poco::Data::Session&) { throw std::runtime_error("x"); }), std::runtime_error);
    db->withTransaction([](Poco::Data::Session&) {});
    EXPECT_TRUE(db->session().getFeature("autoCommit"));
}

// Transactions run on sessions kept in manual-commit mode and reused (Database.h): each must
// see what was committed since, through any path, and never hand a snapshot on.
TEST_P(DatabaseTest, AReusedTransactionSessionSeesFreshData) {
    auto db = open(DatabaseOptions{1, 2, 60, 1000ms, true});
    db->withTransaction([](Poco::Data::Session& s) { s << "CREATE TABLE store_scratch (v INTEGER)", now; });
    db->withTransaction([](Poco::Data::Session& s) { s << "INSERT INTO store_scratch VALUES (1)", now; });
    auto read = [&] {
        int sum = -1;
        db->withTransaction([&](Poco::Data::Session& s) { s << "SELECT SUM(v) FROM store_scratch", into(sum), now; });
        return sum;
    };
    EXPECT_EQ(read(), 1);                                    // a read-only transaction: it too ends in COMMIT
    db->session() << "UPDATE store_scratch SET v = 2", now;  // autocommit, another session
    EXPECT_EQ(read(), 2);
    {
        StepTransaction tx(*db);
        int v = 0;
        tx.session() << "SELECT SUM(v) FROM store_scratch", into(v), now;
        EXPECT_EQ(v, 2);
        tx.commit();
    }
    db->session() << "UPDATE store_scratch SET v = 3", now;
    {
        StepTransaction tx(*db);
        int v = 0;
        tx.session() << "SELECT SUM(v) FROM store_scratch", into(v), now;
        EXPECT_EQ(v, 3);
        tx.session() << "UPDATE store_scratch SET v = 4", now;
    }  // rolled back
    EXPECT_EQ(read(), 3);
    int v = 0;
    db->session() << "SELECT SUM(v) FROM store_scratch", into(v), now;
    EXPECT_EQ(v, 3);
}

TEST_P(DatabaseTest, OneSessionServesTransactionsAndAutocommitReadsInTurn) {
    // The idle transaction session holds the pool's only session: session() takes it back.
    auto db = open(DatabaseOptions{1, 1, 60, 1000ms, true});
    db->withTransaction([](Poco::Data::Session& s) { s << "CREATE TABLE store_scratch (v INTEGER)", now; });
    for (int i = 1; i <= 3; ++i) {
        db->withTransaction([&](Poco::Data::Session& s) { s << "INSERT INTO store_scratch VALUES (?)", use(i), now; });
        Poco::Data::Session s = db->session();
        EXPECT_TRUE(s.getFeature("autoCommit"));
        int count = 0;
        s << "SELECT COUNT(*) FROM store_scratch", into(count), now;
        EXPECT_EQ(count, i);
    }
    {
        StepTransaction tx(*db);
        tx.session() << "INSERT INTO store_scratch VALUES (9)", now;
        tx.commit();
    }
    int count = 0;
    db->session() << "SELECT COUNT(*) FROM store_scratch", into(count), now;
    EXPECT_EQ(count, 4);
}

TEST_P(DatabaseTest, FullPoolWaitsThenFailsClearly) {
    auto db = open(DatabaseOptions{1, 2, 60, 100ms, true});
    Poco::Data::Session a = db->session(), b = db->session();
    const auto start = std::chrono::steady_clock::now();
    try {
        db->session();
        FAIL() << "pool handed out a third session";
    } catch (const StoreError& e) {
        EXPECT_NE(std::string(e.what()).find("all 2 pooled sessions stayed busy"), std::string::npos) << e.what();
    }
    EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
}

TEST_P(DatabaseTest, FullPoolHandsOutASessionReleasedWhileWaiting) {
    auto db = open(DatabaseOptions{1, 1, 60, 5000ms, true});
    auto held = std::make_unique<Poco::Data::Session>(db->session());
    std::thread releaser([&] {
        std::this_thread::sleep_for(50ms);
        held.reset();
    });
    EXPECT_NO_THROW(db->session());
    releaser.join();
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseTest, ::testing::ValuesIn(testBackends()), backendName);

class SqliteDatabaseTest : public StoreTest {};

TEST_P(SqliteDatabaseTest, DurableAndEnforcingDefaults) {
    auto db = open();
    ASSERT_EQ(db->backend(), Backend::SQLite);
    Poco::Data::Session s = db->session();
    int sync = -1, foreignKeys = -1;
    std::string journal;
    s << "PRAGMA synchronous", into(sync), now;
    s << "PRAGMA foreign_keys", into(foreignKeys), now;
    s << "PRAGMA journal_mode", into(journal), now;
    EXPECT_EQ(sync, 2);  // FULL: the driver's silent default is NORMAL
    EXPECT_EQ(foreignKeys, 1);
    EXPECT_EQ(journal, "wal");
}

TEST_P(SqliteDatabaseTest, OperatorSettingsWin) {
    connectionString_ += "SyncPragma=NORMAL;";
    auto db = open();
    int sync = -1;
    db->session() << "PRAGMA synchronous", into(sync), now;
    EXPECT_EQ(sync, 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, SqliteDatabaseTest, ::testing::Values(TestBackend{"SQLite", ""}), backendName);

}  // namespace
}  // namespace orderhost::store::testing
