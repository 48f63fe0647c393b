// On SQLite a plugin's statements are kept too (KeptPluginStatements.h): each column type must
// come out as the same JSON as through Poco's RecordSet (the path DDL and SELECT * still take),
// computed values as numbers, text that looks like a number as text, and a write's changed
// rows counted without `SELECT changes()`.
#include "tests/host/services/DatabaseExtensionFixture.h"

#include "host/services/PluginStatement.h"
#include "host/store/ConnectionPool.h"
#include "host/store/ConnectionString.h"
#include "host/store/Dialect.h"
#include "host/store/PreparedStatements.h"

namespace orderhost::services {
namespace {

class KeptPluginStatementSqliteTest : public DatabaseExtensionTest {
protected:
    void SetUp() override {
        DatabaseExtensionTest::SetUp();
        if (db_->dialect().backend() != store::Backend::SQLite) GTEST_SKIP() << "the SQLite driver's descriptions";
    }

    // Statements kept on the step transaction's pooled connection.
    std::size_t keptStatements() {
        std::size_t n = 0;
        tx_->runPluginStatement([&](Poco::Data::Session& s) {
            store::PreparedStatements* kept = store::PreparedStatements::of(s);
            n = kept == nullptr ? 0 : kept->size();
            return 0;
        });
        return n;
    }

    // `sql` with [1] through Poco's path on a session of its own, in a transaction rolled back.
    // The step transaction is ended first: SQLite has one writer.
    StatementResult throughPoco(const std::string& sql) {
        tx_->rollback();
        tx_.reset();
        store::ConnectionString options(database_->connectionString());
        store::Dialect::applyDefaults(store::Backend::SQLite, options);
        Poco::Data::Session fresh = store::openOdbcSession(options.str());
        fresh.setFeature("autoCommit", false);
        fresh.setProperty("maxFieldSize", Poco::Any(std::size_t(1024 * 1024)));  // as the pool's (Database.cpp)
        fresh.begin();
        StatementResult result = runStatement(fresh, db_->dialect(), sql, {std::int64_t{1}});
        fresh.rollback();
        tx_ = std::make_unique<store::StepTransaction>(*db_);
        ctx_.transaction = tx_.get();
        return result;
    }
};

TEST_P(KeptPluginStatementSqliteTest, EveryColumnTypeReadsAsAFreshStatementReadsIt) {
    exec(*db_,
         "CREATE TABLE typed (id INTEGER, i2 SMALLINT, i4 INTEGER, i8 BIGINT, num NUMERIC, num2 NUMERIC(10,2), "
         "r REAL, d DOUBLE, f FLOAT, b BOOLEAN, t TEXT, vc VARCHAR(10), c CHAR(3), dt DATE, ts TIMESTAMP, "
         "tm TIME, big TEXT, numtext VARCHAR(20))");
    exec(*db_,
         "INSERT INTO typed VALUES (1, -7, 2147483647, -9223372036854775808, 12.5, 1234.56, 1.5, 0.1, 0.25, 1, "
         "'tab' || char(9) || ' \"quoted\" \u00e9', 'short', 'ab', '2024-02-29', '2024-02-29 23:59:58.25', "
         "'12:34:56', replace(printf('%5000s', ''), ' ', 'x'), '42'), "
         "(2, 0, 0, 0, 0, 0, 0, -1e300, 0, 0, '', '', '', NULL, NULL, NULL, '', '007'), "
         "(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
         "NULL)");
    const std::vector<std::string> statements = {
        "SELECT i2, i4, i8, num, num2, r, d, f, b FROM typed WHERE id >= ? ORDER BY id",
        "SELECT t, vc, c, dt, ts, tm, big, numtext FROM typed WHERE id >= ? ORDER BY id",
        "SELECT SUM(i4) AS s, SUM(num2) AS s2, AVG(i4) AS a, COUNT(*) AS n, MAX(t) AS m, i4 - 1 AS e, "
        "num2 * 2 AS p, 'x' || vc AS cat, numtext || '' AS nt FROM typed WHERE id >= ? GROUP BY id ORDER BY id",
        "UPDATE typed SET i2 = i2 + 1 WHERE id >= ? RETURNING id, i2, b",
        "UPDATE typed SET i2 = i2 + 1 WHERE id >= ?",
        "DELETE FROM typed WHERE id > ? AND id < 0"};
    for (const std::string& sql : statements) {
        for (int round = 0; round < 2; ++round) {  // the second round runs the kept statement again
            const std::size_t before = keptStatements();
            ASSERT_EQ(run(sql, "[1]"), OH_STATUS_OK) << error;
            // Kept at its first run (a write's first run may keep the step's savepoint too).
            if (round == 0) {
                EXPECT_GT(keptStatements(), before) << "kept: " << sql;
            } else {
                EXPECT_EQ(keptStatements(), before) << "run again, not kept anew: " << sql;
            }
            const std::string kept = rows;
            const std::int64_t keptChanged = changed;
            const StatementResult poco = throughPoco(sql);  // also undoes the kept run's writes
            EXPECT_EQ(kept, poco.rowsJson) << sql;
            EXPECT_EQ(keptChanged, poco.changed) << sql;
        }
    }
    ASSERT_EQ(run(statements[0], "[1]"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows.substr(0, rows.find('}') + 1),
              R"([{"i2":-7,"i4":2147483647,"i8":-9223372036854775808,"num":12.5,"num2":1234.56,"r":1.5,"d":0.1,)"
              R"("f":0.25,"b":true})")
        << "right, not only alike";
    ASSERT_EQ(run(statements[2], "[1]"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows.substr(0, rows.find('}') + 1),
              R"([{"s":2147483647,"s2":1234.56,"a":2147483647.0,"n":1,"m":"tab\t \"quoted\" )"
              "\xc3\xa9"
              R"(",)"
              R"("e":2147483646,"p":2469.12,"cat":"xshort","nt":42})")
        << "computed values are numbers: even '42' || '', as the fresh path reads it";
    ASSERT_EQ(run(statements[1], "[2]"), OH_STATUS_OK) << error;
    EXPECT_NE(rows.find(R"("numtext":"007")"), std::string::npos) << "a stored text stays text: " << rows;
    ASSERT_EQ(run(statements[4], "[1]"), OH_STATUS_OK) << error;
    EXPECT_EQ(changed, 3);
}

// SQLite keeps whatever it is given: text in an INTEGER column must still read as valid JSON.
TEST_P(KeptPluginStatementSqliteTest, TextInAnIntegerColumnReadsAsAString) {
    exec(*db_, "CREATE TABLE loose (id INTEGER, n INTEGER)");
    exec(*db_, "INSERT INTO loose VALUES (1, 'abc'), (2, 7), (3, 2.5)");
    ASSERT_EQ(run("SELECT n FROM loose WHERE id >= ? ORDER BY id", "[1]"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, R"([{"n":"abc"},{"n":7},{"n":2.5}])");
}

// The driver guesses an untyped column's type from the first row it sees and keeps the guess
// for the kept statement's later runs: an expression is read by its value instead.
TEST_P(KeptPluginStatementSqliteTest, AnExpressionIsReadByItsValueAtEveryRun) {
    const std::string sql = "SELECT json_extract(?, '$.v') AS v";
    ASSERT_EQ(run(sql, R"(["{\"v\":1.5}"])"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, R"([{"v":1.5}])");
    ASSERT_EQ(run(sql, R"(["{\"v\":\"007\"}"])"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, R"([{"v":"007"}])");
    ASSERT_EQ(run(sql, R"(["{\"v\":\"12,345\"}"])"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, R"([{"v":"12,345"}])");
    ASSERT_EQ(run(sql, R"(["{\"v\":9007199254740993}"])"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, R"([{"v":9007199254740993}])");
}

// A stored column without a declared type (json_each's value, CREATE TABLE kv (k, v)) reads as
// text at every run, as Poco's path reads it, whatever the first run's first row was.
TEST_P(KeptPluginStatementSqliteTest, AnUntypedStoredColumnReadsAsTextAtEveryRun) {
    exec(*db_, "CREATE TABLE kv (k, v)");
    exec(*db_, "INSERT INTO kv VALUES ('a', 1.5), ('b', '007')");
    const std::string each = "SELECT value FROM json_each(?) ORDER BY key";
    ASSERT_EQ(run(each, R"(["[1.5]"])"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, R"([{"value":"1.5"}])");
    ASSERT_EQ(run(each, R"(["[\"007\", 2]"])"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, R"([{"value":"007"},{"value":"2"}])");
    const std::string select = "SELECT v FROM kv WHERE k = ?";
    ASSERT_EQ(run(select, R"(["a"])"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, R"([{"v":"1.5"}])");
    ASSERT_EQ(run(select, R"(["b"])"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, R"([{"v":"007"}])");
    EXPECT_EQ(rows, throughPoco("SELECT v FROM kv WHERE k = 'b' AND 1 = ?").rowsJson);
}

// SQLite keeps text in a BOOLEAN column; its driver reads 'false' as false, as Poco's path does.
TEST_P(KeptPluginStatementSqliteTest, ABooleanColumnReadsAsTheDriverReadsIt) {
    exec(*db_, "CREATE TABLE flags (id INTEGER, on_ BOOLEAN)");
    exec(*db_,
         "INSERT INTO flags VALUES (1, 'false'), (2, 'no'), (3, 'f'), (4, ''), (5, 0), (6, 'true'), (7, 'yes'), "
         "(8, 1), (9, 2)");
    const std::string sql = "SELECT on_ FROM flags WHERE id >= ? ORDER BY id";
    ASSERT_EQ(run(sql, "[1]"), OH_STATUS_OK) << error;
    EXPECT_EQ(rows, R"([{"on_":false},{"on_":false},{"on_":false},{"on_":false},{"on_":false},{"on_":true},)"
                    R"({"on_":true},{"on_":true},{"on_":true}])");
    EXPECT_EQ(rows, throughPoco(sql).rowsJson);
}

// Another connection keeps a statement against the old schema while a step's DDL is not yet
// committed: it is forgotten once more when the step's transaction ends, so its next run reads
// the table as it is now.
TEST_P(KeptPluginStatementSqliteTest, AStatementKeptBeforeADdlCommittedIsPreparedAgainAfterIt) {
    exec(*db_, "CREATE TABLE amounts (k VARCHAR(8), v TEXT)");
    exec(*db_, "INSERT INTO amounts VALUES ('a', '5')");
    Poco::Data::Session other = db_->session();
    const std::string select = "SELECT v FROM amounts WHERE k = ?";
    const auto readOther = [&] { return runStatement(other, db_->dialect(), select, {std::string("a")}).rowsJson; };
    ASSERT_EQ(readOther(), R"([{"v":"5"}])");
    ASSERT_EQ(run("DROP TABLE amounts"), OH_STATUS_OK) << error;
    ASSERT_EQ(run("CREATE TABLE amounts (k VARCHAR(8), v INTEGER)"), OH_STATUS_OK) << error;
    ASSERT_EQ(run("INSERT INTO amounts VALUES ('a', 5)"), OH_STATUS_OK) << error;
    EXPECT_EQ(readOther(), R"([{"v":"5"}])") << "the old table until the step commits";
    tx_->commit();
    EXPECT_EQ(readOther(), R"([{"v":5}])") << "the new column's type";
}

TEST_P(KeptPluginStatementSqliteTest, AnInsertReturningGivesItsRowsAndCountsThem) {
    const std::string insert = "INSERT INTO items (k, n) VALUES (?, ?), (? || '2', ?) RETURNING k, n";
    for (int i = 1; i <= 2; ++i) {
        const std::string k = "k" + std::to_string(i);
        ASSERT_EQ(run(insert, R"([")" + k + R"(", 1, ")" + k + R"(", 2])"), OH_STATUS_OK) << error;
        EXPECT_EQ(rows, R"([{"k":")" + k + R"(","n":1},{"k":")" + k + R"(2","n":2}])");
        EXPECT_EQ(changed, 2);
    }
    ASSERT_EQ(run("UPDATE items SET n = n + 1 WHERE k = ?", R"(["none"])"), OH_STATUS_OK) << error;
    EXPECT_EQ(changed, 0) << "no row matched";
    tx_->commit();
    EXPECT_EQ(count(*db_, "items"), 4);
}

INSTANTIATE_TEST_SUITE_P(Backends, KeptPluginStatementSqliteTest, ::testing::ValuesIn(testing::testBackends()),
                         testing::backendName);

}  // namespace
}  // namespace orderhost::services
