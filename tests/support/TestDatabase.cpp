#include "tests/support/TestDatabase.h"

#include "TestBackendConfig.h"  // ORDERHOST_TEST_PG_DEFAULT, generated at configure time
#include "host/store/Database.h"
#include "host/store/Outbox.h"

#include <Poco/Exception.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <thread>

namespace orderhost::testing {
namespace {

void exec(store::Database& db, const std::string& sql) {
    using namespace Poco::Data::Keywords;
    Poco::Data::Session session = db.session();
    session << sql, now;
}

}  // namespace

std::vector<TestBackend> testBackends() {
    std::vector<TestBackend> backends{{"SQLite", ""}};
    const char* pg = std::getenv("ORDERHOST_TEST_PG");
    if (pg == nullptr || *pg == '\0') pg = ORDERHOST_TEST_PG_DEFAULT;
    if (*pg != '\0') backends.push_back({"PostgreSQL", pg});
    return backends;
}

std::string backendName(const ::testing::TestParamInfo<TestBackend>& info) { return info.param.name; }

std::string makeTempDir(const std::string& prefix) {
    std::string path = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (!::mkdtemp(path.data())) throw std::runtime_error("mkdtemp failed for " + path);
    return path;
}

std::vector<std::int64_t> visibleOutboxIds(store::Database& db, std::size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::vector<std::int64_t> ids;
    for (;;) {
        ids.clear();
        for (const auto& e : store::OutboxReader(db).eventsAfter(0, 100000)) ids.push_back(e.id);
        if (ids.size() >= count) return ids;
        if (std::chrono::steady_clock::now() >= deadline) {
            ADD_FAILURE() << "after 30 s only " << ids.size() << " of " << count << " outbox events are readable";
            return ids;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

TestDatabase::TestDatabase(const TestBackend& backend, const std::string& folder) {
    if (backend.connectionString.empty()) {
        connectionString_ = "Driver=SQLite3;Database=" + folder + "/orderhost.db;";
        return;
    }
    std::string suffix = std::filesystem::path(folder).filename().string();
    suffix = suffix.substr(suffix.rfind('-') + 1);  // mkdtemp's XXXXXX
    std::transform(suffix.begin(), suffix.end(), suffix.begin(), [](unsigned char c) { return std::tolower(c); });
    pgDatabase_ = "orderhost_t_" + suffix;
    maintenance_ = std::make_unique<store::Database>(
        backend.connectionString, store::DatabaseOptions{1, 1, 60, std::chrono::milliseconds(5000), false});
    // FILE_COPY copies template1's files (cheap with the test cluster's fsync=off) instead of
    // WAL-logging each block, PostgreSQL 15's default: 0.14 s per database instead of 0.29 s,
    // with about 400 PostgreSQL cases in each of the test command's two runs. A server older
    // than 15 (ORDERHOST_TEST_PG may name any) does not know the option.
    try {
        exec(*maintenance_, "CREATE DATABASE " + pgDatabase_ + " STRATEGY FILE_COPY");
    } catch (const Poco::Exception&) {
        exec(*maintenance_, "CREATE DATABASE " + pgDatabase_);
    }
    static const std::regex databaseKey("Database=[^;]*", std::regex::icase);
    connectionString_ = std::regex_replace(backend.connectionString, databaseKey, "Database=" + pgDatabase_);
}

TestDatabase::~TestDatabase() {
    if (!maintenance_) return;
    try {
        exec(*maintenance_, "DROP DATABASE IF EXISTS " + pgDatabase_ + " WITH (FORCE)");
    } catch (const std::exception&) {
        // A leftover test database is harmless; a throwing destructor is not.
    }
}

}  // namespace orderhost::testing
