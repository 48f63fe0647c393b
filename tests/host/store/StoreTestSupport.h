// Shared fixture for the store tests: each test gets a fresh database. SQLite runs always, on a
// temporary file; PostgreSQL runs too when a connection string was configured (each test gets
// a database of its own: see tests/support/TestDatabase.h).
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "host/store/Database.h"
#include "host/store/OrderStore.h"
#include "tests/support/TestDatabase.h"

namespace orderhost::store::testing {

using orderhost::testing::backendName;
using orderhost::testing::TestBackend;
using orderhost::testing::testBackends;

class StoreTest : public ::testing::TestWithParam<TestBackend> {
protected:
    void SetUp() override;
    void TearDown() override;

    std::unique_ptr<Database> open(DatabaseOptions options = {}) const;
    // Runs one statement in autocommit, for arranging odd states the API cannot make.
    static void exec(Database& db, const std::string& sql);

    static OrderRecord sampleOrder(const std::string& ref);
    static StepRunRecord sampleRun(const std::string& stepName);
    // sampleOrder in progress, leased to `owner` under `epoch` until far in the future.
    static OrderRecord leasedOrder(const std::string& ref, const std::string& owner, int64_t epoch);
    // A checkpoint's guard: the lease `order` is held by.
    static CheckpointExtras guardOf(const OrderRecord& order);

    std::string dir_;               // temporary directory (SQLite file lives here)
    std::string connectionString_;  // of this test's database
    std::unique_ptr<orderhost::testing::TestDatabase> database_;
};

// Creates a unique temporary directory; removed by the fixture's TearDown.
std::string makeTempDir();

}  // namespace orderhost::store::testing
