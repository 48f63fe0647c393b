#include "tests/host/store/StoreTestSupport.h"

#include <filesystem>

using namespace Poco::Data::Keywords;

namespace orderhost::store::testing {

std::string makeTempDir() { return orderhost::testing::makeTempDir("orderhost-store"); }

void StoreTest::SetUp() {
    dir_ = makeTempDir();
    database_ = std::make_unique<orderhost::testing::TestDatabase>(GetParam(), dir_);
    connectionString_ = database_->connectionString();
}

void StoreTest::TearDown() {
    database_.reset();
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

OrderRecord StoreTest::leasedOrder(const std::string& ref, const std::string& owner, int64_t epoch) {
    OrderRecord o = sampleOrder(ref);
    o.state = "in_progress";
    o.leaseOwner = owner;
    o.leaseUntilMs = 9'000'000'000'000;
    o.leaseEpoch = epoch;
    return o;
}

CheckpointExtras StoreTest::guardOf(const OrderRecord& order) {
    CheckpointExtras guard;
    guard.expectedLeaseOwner = order.leaseOwner;
    guard.expectedLeaseEpoch = order.leaseEpoch;
    return guard;
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
