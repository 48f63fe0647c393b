// Shared fixture for the store tests: each test gets a fresh database. SQLite runs always, on a
// temporary file; PostgreSQL runs too when ORDERHOST_TEST_PG holds a connection string (its
// orderhost tables are dropped before each test — use a scratch database).
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "host/store/Database.h"
#include "host/store/OrderStore.h"

namespace orderhost::store::testing {

struct TestBackend {
    std::string name;              // test-name suffix: "SQLite" or "PostgreSQL"
    std::string connectionString;  // empty: a temporary SQLite file
};

// gtest prints parameters; without this it dumps the struct's bytes into every test name.
inline void PrintTo(const TestBackend& backend, std::ostream* os) { *os << backend.name; }

std::vector<TestBackend> testBackends();
std::string backendName(const ::testing::TestParamInfo<TestBackend>& info);

class StoreTest : public ::testing::TestWithParam<TestBackend> {
protected:
    void SetUp() override;
    void TearDown() override;

    std::unique_ptr<Database> open(DatabaseOptions options = {}) const;
    // Runs one statement in autocommit, for arranging odd states the API cannot make.
    static void exec(Database& db, const std::string& sql);

    static OrderRecord sampleOrder(const std::string& ref);
    static StepRunRecord sampleRun(const std::string& stepName);

    std::string dir_;               // temporary directory (SQLite file lives here)
    std::string connectionString_;  // of this test's database
    std::string pgDatabase_;                 // PostgreSQL: the database made for this test
    std::unique_ptr<Database> maintenance_;  // PostgreSQL: connection that creates/drops it
};

// Creates a unique temporary directory; removed by the fixture's TearDown.
std::string makeTempDir();

}  // namespace orderhost::store::testing
