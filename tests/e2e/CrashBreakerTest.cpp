// A plugin that segfaults in run() (issue 8, finding 4): it kills the in-process host, but the
// host must not crash-loop. The attempt is counted durably before each call, so after
// engine.crash_limit calls that died with the host the order is put on hold (plugin_crashed),
// the step shows in /v1/health, and the host starts and serves every other order.
#include "HostProcess.h"
#include "tests/support/TestDatabase.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <filesystem>

namespace orderhost::testing::crash_breaker_test {
namespace {

Poco::JSON::Object::Ptr json(const HttpReply& reply) {
    return Poco::JSON::Parser().parse(reply.body).extract<Poco::JSON::Object::Ptr>();
}

std::string order(const std::string& ref, const std::string& chain) {
    return R"({"order_ref":")" + ref + R"(","chain":")" + chain +
           R"(","currency":"EUR","customer":{"id":"C-1"},"lines":[{"sku":"SKU-1","quantity":1,"unit_price":5}]})";
}

class CrashBreakerTest : public ::testing::TestWithParam<TestBackend> {};

TEST_P(CrashBreakerTest, ASegfaultingStepEndsOnHoldAfterTheCrashLimitAndTheHostServesOn) {
    const std::string folder = makeTempDir("orderhost-crash-breaker");
    TestDatabase database(GetParam(), folder);
    HostOptions options;
    options.databaseConnection = database.connectionString();
    options.pluginFolders = ORDERHOST_SCRIPTED_PLUGIN_DIR;
    options.chainsFolder = ORDERHOST_CRASH_CHAINS;
    options.extraSettings["engine.crash_limit"] = "3";
    HostProcess host(options);

    EXPECT_THROW(host.post("/v1/orders", order("CRASH-1", "crashy")), std::exception) << "the host survived a segfault";
    // Each start resumes the order first and dies in the same call, until the breaker holds it.
    int failedStarts = 0;
    for (;;) {
        try {
            host.restart();
            break;
        } catch (const std::runtime_error&) {
            ASSERT_LT(++failedStarts, 5) << "the host is crash-looping";
        }
    }
    EXPECT_EQ(failedStarts, 2) << "crash 1 during the request, 2 and 3 during recovery, then held";

    const auto held = json(host.get("/v1/orders?order_ref=CRASH-1"));
    EXPECT_EQ(held->getValue<std::string>("state"), "on_hold");
    EXPECT_EQ(held->getValue<std::string>("awaiting_signal"), "manual_action");
    const auto steps = held->getArray("steps");
    const auto last = steps->getObject(steps->size() - 1);
    EXPECT_EQ(last->getValue<std::string>("code"), "plugin_crashed");
    EXPECT_NE(last->getValue<std::string>("message").find("3 call(s) of step segfault (plugin test.scripted)"),
              std::string::npos)
        << last->getValue<std::string>("message");

    const auto health = json(host.get("/v1/health"));
    EXPECT_GE(health->getValue<int>("problems"), 1);
    EXPECT_NE(health->getArray("engine_problems")->getElement<std::string>(0).find("step segfault of chain crashy"),
              std::string::npos);
    const HttpReply other = host.post("/v1/orders", order("FINE-1", "place-order"));
    ASSERT_EQ(other.status, 201) << other.body;
    EXPECT_EQ(json(other)->getValue<std::string>("state"), "completed");
    std::filesystem::remove_all(folder);
}

INSTANTIATE_TEST_SUITE_P(Backends, CrashBreakerTest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::testing::crash_breaker_test
