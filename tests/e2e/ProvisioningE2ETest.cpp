// orderhost.provisioning over real HTTP on SQLite and PostgreSQL: a service order's service
// lines become accounts whose credential is stored only as an Argon2id hash (checked here
// with libsodium against the plaintext handed over in the document), and a cancellation
// deprovisions them once, with one event each way.
#include "HostProcess.h"
#include "host/store/Database.h"
#include "tests/support/TestDatabase.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Thread.h>
#include <gtest/gtest.h>
#include <sodium.h>

#include <filesystem>

namespace orderhost::testing::provisioning_e2e_test {
namespace {
using namespace Poco::Data::Keywords;

Poco::JSON::Object::Ptr json(const std::string& body) {
    return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
}

constexpr char kServiceOrder[] =
    R"({"order_ref":"SVC-1","chain":"place-service","currency":"EUR","customer":{"id":"C-SVC"},"lines":[
        {"sku":"SAAS-PRO","quantity":5,"unit_price":4900,"kind":"service"},
        {"sku":"BOLT","quantity":2,"unit_price":100},
        {"sku":"SUPPORT-1Y","quantity":1,"unit_price":19900,"kind":"service"}]})";

class ProvisioningE2ETest : public ::testing::TestWithParam<TestBackend> {
protected:
    void SetUp() override {
        ASSERT_GE(sodium_init(), 0);
        folder_ = makeTempDir("orderhost-provisioning-e2e");
        database_ = std::make_unique<TestDatabase>(GetParam(), folder_);
        HostOptions options;
        options.databaseConnection = database_->connectionString();
        options.chainsFolder = ORDERHOST_SERVICE_CHAINS;
        options.pluginFolders = std::string(ORDERHOST_PLUGIN_DIR) + "," + ORDERHOST_SCRIPTED_PLUGIN_DIR;
        host_ = std::make_unique<HostProcess>(options);
    }
    void TearDown() override {
        host_.reset();
        db_.reset();
        database_.reset();
        std::filesystem::remove_all(folder_);
    }
    Poco::Data::Session session() {
        if (!db_) db_ = std::make_unique<store::Database>(database_->connectionString());
        return db_->session();
    }
    // Events of `type` on the feed, polled until `expected` show (5 s at most; at least one read).
    std::size_t eventCount(const std::string& type, std::size_t expected) {
        std::size_t count = 0;
        for (int attempt = 0; attempt < 600 && (attempt == 0 || count < expected); ++attempt) {  // 30 s
            if (attempt > 0) Poco::Thread::sleep(50);
            const auto all = json(host_->get("/v1/events?after=0&limit=1000").body)->getArray("events");
            count = 0;
            for (std::size_t i = 0; i < all->size(); ++i)
                count += all->getObject(i)->getValue<std::string>("type") == type;
        }
        return count;
    }

    std::string folder_;
    std::unique_ptr<TestDatabase> database_;
    std::unique_ptr<store::Database> db_;
    std::unique_ptr<HostProcess> host_;
};

TEST_P(ProvisioningE2ETest, ServiceLinesBecomeAccountsAndACancelDeprovisionsThemOnce) {
    const HttpReply placed = host_->post("/v1/orders", kServiceOrder);
    ASSERT_EQ(placed.status, 201) << placed.body;
    const auto order = json(placed.body);
    ASSERT_EQ(order->getValue<std::string>("state"), "completed") << placed.body;
    const auto accounts = order->getObject("document")->getObject("provisioning")->getArray("accounts");
    ASSERT_EQ(accounts->size(), 2u) << "the goods line gets no account";
    EXPECT_EQ(accounts->getObject(0)->getValue<std::string>("sku"), "SAAS-PRO");
    EXPECT_EQ(accounts->getObject(0)->getValue<std::int64_t>("seats"), 5);
    EXPECT_EQ(accounts->getObject(0)->getValue<std::string>("renewal"), "auto");
    EXPECT_EQ(accounts->getObject(1)->getValue<std::string>("renewal"), "none");

    for (std::size_t i = 0; i < accounts->size(); ++i) {
        const auto account = accounts->getObject(i);
        const std::string secret = account->getValue<std::string>("initial_secret");
        std::string hash;
        std::string status;
        session() << "SELECT credential_hash, status FROM provisioning_accounts WHERE account_id = ?",
            bind(account->getValue<std::string>("account_id")), into(hash), into(status), now;
        EXPECT_EQ(status, "active");
        EXPECT_EQ(hash.find(secret), std::string::npos) << "the table never holds the plaintext";
        EXPECT_EQ(crypto_pwhash_str_verify(hash.c_str(), secret.data(), secret.size()), 0) << hash;
        EXPECT_NE(crypto_pwhash_str_verify(hash.c_str(), "guess", 5), 0);
    }
    EXPECT_EQ(eventCount("service.provisioned", 2), 2u);

    const std::string cancelPath = "/v1/orders/" + order->getValue<std::string>("id") + "/cancel";
    const HttpReply cancelled = host_->post(cancelPath, R"({"reason":"customer withdrew"})");
    ASSERT_EQ(cancelled.status, 200) << cancelled.body;
    EXPECT_EQ(json(cancelled.body)->getValue<std::string>("state"), "cancelled");
    EXPECT_EQ(cancelled.body.find("initial_secret"), std::string::npos) << "deprovisioned secrets leave the document";
    EXPECT_EQ(host_->post(cancelPath, "").status, 200) << "a repeated cancel answers with the order as it is";
    int deprovisioned = 0;
    session() << "SELECT COUNT(*) FROM provisioning_accounts WHERE status = 'deprovisioned'"
                 " AND deprovisioned_at_ms IS NOT NULL AND ends_at_ms = deprovisioned_at_ms",
        into(deprovisioned), now;
    EXPECT_EQ(deprovisioned, 2);
    EXPECT_EQ(eventCount("service.deprovisioned", 2), 2u);
    Poco::Thread::sleep(300);  // a late duplicate would show now
    EXPECT_EQ(eventCount("service.deprovisioned", 0), 2u) << "each account deprovisioned once";
}

INSTANTIATE_TEST_SUITE_P(Backends, ProvisioningE2ETest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::testing::provisioning_e2e_test
