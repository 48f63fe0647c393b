#include "tests/host/store/StoreTestSupport.h"

#include "TestBackendConfig.h"  // ORDERHOST_TEST_PG_DEFAULT, generated at configure time

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <regex>
#include <filesystem>

using namespace Poco::Data::Keywords;

namespace orderhost::store::testing {

std::vector<TestBackend> testBackends() {
    std::vector<TestBackend> backends{{"SQLite", ""}};
    const char* pg = std::getenv("ORDERHOST_TEST_PG");
    if (pg == nullptr || *pg == '\0') pg = ORDERHOST_TEST_PG_DEFAULT;
    if (*pg != '\0') backends.push_back({"PostgreSQL", pg});
    return backends;
}

std::string backendName(const ::testing::TestParamInfo<TestBackend>& info) { return info.param.name; }

std::string makeTempDir() {
    const auto base = std::filesystem::temp_directory_path() / "orderhost-store-XXXXXX";
    std::string path = base.string();
    if (!::mkdtemp(path.data())) throw std::runtime_error("mkdtemp failed for " + path);
    return path;
}

void StoreTest::SetUp() {
    dir_ = makeTempDir();
    if (GetParam().connectionString.empty()) {
        connectionString_ = "Driver=SQLite3;Database=" + dir_ + "/orderhost.db;";
        return;
    }
    // A database of its own per test: ctest runs tests (and both builds) in parallel.
    static const std::regex databaseKey("Database=[^;]*", std::regex::icase);
    std::string suffix = std::filesystem::path(dir_).filename().string().substr(16);  // mkdtemp's XXXXXX
    std::transform(suffix.begin(), suffix.end(), suffix.begin(), [](unsigned char c) { return std::tolower(c); });
    pgDatabase_ = "orderhost_t_" + suffix;
    maintenance_ = std::make_unique<Database>(GetParam().connectionString,
                                              DatabaseOptions{1, 1, 60, std::chrono::milliseconds(5000), false});
    exec(*maintenance_, "CREATE DATABASE " + pgDatabase_);
    connectionString_ = std::regex_replace(GetParam().connectionString, databaseKey, "Database=" + pgDatabase_);
}

void StoreTest::TearDown() {
    if (maintenance_) exec(*maintenance_, "DROP DATABASE IF EXISTS " + pgDatabase_ + " WITH (FORCE)");
    std::filesystem::remove_all(dir_);
}

std::unique_ptr<Database> StoreTest::open(DatabaseOptions options) const {
    return std::make_unique<Database>(connectionString_, options);
}

void StoreTest::exec(Database& db, const std::string& sql) {
    Poco::Data::Session s = db.session();
    s << sql, now;
}

OrderRecord StoreTest::sampleOrder(const std::string& ref) {
    OrderRecord o;
    o.id = "id-" + ref;
    o.orderRef = ref;
    o.chain = "standard-b2b";
    o.chainVersion = 7;
    o.state = "received";
    o.currentStep = 0;
    o.document = R"({"customer":"C-1","lines":[{"sku":"A-1","qty":2}]})";
    o.requestHash = std::string(64, 'f');
    o.createdAtMs = 1764000000123;  // beyond 32 bits on purpose
    o.updatedAtMs = 1764000000456;
    return o;
}

StepRunRecord StoreTest::sampleRun(const std::string& stepName) {
    StepRunRecord r;
    r.stepName = stepName;
    r.pluginId = "orderhost.ref." + stepName;
    r.stepKind = "validation";
    r.attempt = 2;
    r.outcome = "succeeded";
    r.code = "OK";
    r.message = "all good";
    r.startedAtMs = 1764000001000;
    r.finishedAtMs = 1764000001250;
    return r;
}

}  // namespace orderhost::store::testing
