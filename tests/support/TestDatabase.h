// Databases for tests that must behave the same on every backend: SQLite always, PostgreSQL
// too when a connection string was configured (scripts/test.sh starts a throw-away cluster
// and sets ORDERHOST_TEST_PG before configuring). Each test gets a fresh, empty database:
// a file in its temporary folder, or a PostgreSQL database of its own, dropped afterwards —
// ctest runs tests (and both builds) in parallel.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace orderhost::store {
class Database;
}

namespace orderhost::testing {

struct TestBackend {
    std::string name;              // test-name suffix: "SQLite" or "PostgreSQL"
    std::string connectionString;  // empty: a temporary SQLite file
};

// gtest prints parameters; without this it dumps the struct's bytes into every test name.
inline void PrintTo(const TestBackend& backend, std::ostream* os) { *os << backend.name; }

// SQLite, plus PostgreSQL when configured. Use with INSTANTIATE_TEST_SUITE_P.
std::vector<TestBackend> testBackends();
std::string backendName(const ::testing::TestParamInfo<TestBackend>& info);

// A new folder under the system's temporary folder: <tmp>/<prefix>-XXXXXX.
std::string makeTempDir(const std::string& prefix);

// The ids of the outbox's events, once at least `count` of them are readable; after 30 s a
// test failure naming both counts, and what there is. On PostgreSQL a reader sees an event
// only once every transaction that got its id before the event's has ended, on the whole
// server — other tests' writing transactions too (host/store/Outbox.h); once seen, an event
// stays readable. Tests of outbox readers call it after appending.
std::vector<std::int64_t> visibleOutboxIds(store::Database& db, std::size_t count);

class TestDatabase {
public:
    // `folder` holds the SQLite file; its name also makes the PostgreSQL database's unique.
    TestDatabase(const TestBackend& backend, const std::string& folder);
    ~TestDatabase();
    TestDatabase(const TestDatabase&) = delete;
    TestDatabase& operator=(const TestDatabase&) = delete;

    const std::string& connectionString() const { return connectionString_; }
    bool isPostgreSQL() const { return maintenance_ != nullptr; }

private:
    std::string connectionString_;
    std::string pgDatabase_;
    std::unique_ptr<store::Database> maintenance_;  // PostgreSQL: creates and drops pgDatabase_
};

}  // namespace orderhost::testing
