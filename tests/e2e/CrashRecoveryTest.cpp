// The host killed with SIGKILL in the middle of a load, several times, then restarted on the
// same database: every order the ERP was told about exists, every stored order finishes its
// chain, and no step's change to the order was applied twice.
#include "HostProcess.h"
#include "tests/support/TestDatabase.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Thread.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace orderhost::testing::crash_recovery_test {
namespace {

std::string order(const std::string& ref) {
    return R"({"order_ref":")" + ref +
           R"(","currency":"EUR","customer":{"id":"C-1"},"lines":[{"sku":"SKU-1","quantity":1,"unit_price":5}]})";
}

// Posts orders from several clients until the host dies; returns the refs that got a 201.
std::set<std::string> postUntilKilled(HostProcess& host, int round, std::set<std::string>& attempted) {
    std::set<std::string> acknowledged;
    std::mutex mutex;
    std::vector<std::thread> clients;
    for (int c = 0; c < 6; ++c) {
        clients.emplace_back([&, c] {
            for (int i = 0;; ++i) {
                const std::string ref =
                    "KILL-" + std::to_string(round) + "-" + std::to_string(c) + "-" + std::to_string(i);
                {
                    std::lock_guard<std::mutex> lock(mutex);
                    attempted.insert(ref);
                }
                try {
                    if (host.post("/v1/orders", order(ref)).status == 201) {
                        std::lock_guard<std::mutex> lock(mutex);
                        acknowledged.insert(ref);
                    }
                } catch (const std::exception&) {
                    return;  // the host is gone
                }
            }
        });
    }
    // Kill once some orders went through (later rounds later), wherever the others are then.
    const std::size_t enough = 4 + 2 * static_cast<std::size_t>(round);
    for (int waited = 0; waited < 10000; waited += 10) {
        {
            std::lock_guard<std::mutex> lock(mutex);
            if (acknowledged.size() >= enough) break;
        }
        Poco::Thread::sleep(10);
    }
    host.killHard();
    for (auto& client : clients) client.join();
    return acknowledged;
}

class CrashRecoveryTest : public ::testing::TestWithParam<TestBackend> {};

TEST_P(CrashRecoveryTest, OrdersSurviveRepeatedSigkillsWithEachStepAppliedOnce) {
    const std::string folder = makeTempDir("orderhost-crash");
    TestDatabase database(GetParam(), folder);
    HostOptions options;
    options.databaseConnection = database.connectionString();
    options.pluginFolders = ORDERHOST_SCRIPTED_PLUGIN_DIR;
    options.chainsFolder = ORDERHOST_RECOVERY_CHAINS;
    HostProcess host(options);

    std::set<std::string> attempted, acknowledged;
    for (int round = 0; round < 3; ++round) {
        const auto acked = postUntilKilled(host, round, attempted);
        acknowledged.insert(acked.begin(), acked.end());
        host.restart();  // recovery runs before the host reports healthy
    }
    ASSERT_GT(acknowledged.size(), 10u);

    std::size_t found = 0;
    for (const auto& ref : attempted) {
        const HttpReply reply = host.get("/v1/orders?order_ref=" + ref);
        if (reply.status == 404) {
            EXPECT_EQ(acknowledged.count(ref), 0u) << ref << " was acknowledged with 201 but is lost";
            continue;
        }
        ASSERT_EQ(reply.status, 200) << reply.body;
        ++found;
        auto body = Poco::JSON::Parser().parse(reply.body).extract<Poco::JSON::Object::Ptr>();
        EXPECT_EQ(body->getValue<std::string>("state"), "completed") << ref;
        // Each step's document change (its /trace entry) committed exactly once.
        auto trace = body->getObject("document")->getArray("trace");
        ASSERT_TRUE(trace) << ref;
        std::vector<std::string> steps;
        for (unsigned i = 0; i < trace->size(); ++i) steps.push_back(trace->getElement<std::string>(i).substr(0, 6));
        EXPECT_EQ(steps, (std::vector<std::string>{"first#", "second", "third#"})) << ref << ": " << reply.body;
        // The history has one "continue" per step (a step killed mid-run left no record).
        auto history = body->getArray("steps");
        std::size_t continues = 0;
        for (unsigned i = 0; i < history->size(); ++i) {
            continues += history->getObject(i)->getValue<std::string>("outcome") == "continue";
        }
        EXPECT_EQ(continues, 3u) << ref;
    }
    EXPECT_GE(found, acknowledged.size());
    EXPECT_NE(host.log().find("resumed after a restart"), std::string::npos) << "no kill landed mid-chain";
    std::filesystem::remove_all(folder);
}

TEST_P(CrashRecoveryTest, ARetryDelayIsDurableAcrossAKill) {
    const std::string folder = makeTempDir("orderhost-retry");
    TestDatabase database(GetParam(), folder);
    HostOptions options;
    options.databaseConnection = database.connectionString();
    options.pluginFolders = ORDERHOST_SCRIPTED_PLUGIN_DIR;
    options.chainsFolder = ORDERHOST_RECOVERY_CHAINS;
    options.extraSettings["engine.retry_poll_ms"] = "50";
    HostProcess host(options);

    const std::string body = R"({"order_ref":"RETRY-1","chain":"flaky","currency":"EUR","customer":{"id":"C-1"},)"
                             R"("lines":[{"sku":"SKU-1","quantity":1,"unit_price":5}]})";
    const HttpReply created = host.post("/v1/orders", body);
    ASSERT_EQ(created.status, 201) << created.body;
    auto order = Poco::JSON::Parser().parse(created.body).extract<Poco::JSON::Object::Ptr>();
    ASSERT_EQ(order->getValue<std::string>("state"), "retry_wait");
    host.killHard();  // the delay is in the database, not in a thread that just died
    host.restart();

    std::string state;
    for (int i = 0; i < 100 && state != "completed"; ++i) {
        Poco::Thread::sleep(50);
        auto read = Poco::JSON::Parser()
                        .parse(host.get("/v1/orders?order_ref=RETRY-1").body)
                        .extract<Poco::JSON::Object::Ptr>();
        state = read->getValue<std::string>("state");
        order = read;
    }
    ASSERT_EQ(state, "completed");
    auto steps = order->getArray("steps");
    ASSERT_EQ(steps->size(), 2u);
    EXPECT_EQ(steps->getObject(0)->getValue<std::string>("outcome"), "retry");
    EXPECT_EQ(steps->getObject(1)->getValue<std::string>("outcome"), "continue");
    EXPECT_EQ(steps->getObject(1)->getValue<int>("attempt"), 2);
    std::filesystem::remove_all(folder);
}

INSTANTIATE_TEST_SUITE_P(Backends, CrashRecoveryTest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::testing::crash_recovery_test
