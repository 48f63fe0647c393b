// Out-of-process isolation (plugins.isolate) through the real host over HTTP, on SQLite and
// PostgreSQL: the reference billing chain gives the same results isolated as in-process (its
// orderhost.db statements in the step's transaction, its events, its migrations), and the
// host process never maps an isolated library; a segfaulting isolated plugin costs one
// failed attempt while the host serves on with a restarted worker; a hanging one is killed
// at its deadline, so it keeps no step worker. Also: engine.step_workers is the pool's size.
#include "HostProcess.h"
#include "host/store/Database.h"
#include "tests/support/TestDatabase.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace orderhost::testing::isolation_test {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

Poco::JSON::Object::Ptr json(const std::string& body) {
    return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
}

std::string billingOrder(const std::string& ref, const std::string& chain) {
    return R"({"order_ref":")" + ref + R"(","chain":")" + chain +
           R"(","currency":"EUR","customer":{"id":"C-1"},)"
           R"("lines":[{"sku":"BOLT","quantity":3,"unit_price":1234},{"sku":"BOOK","quantity":1,"unit_price":35996}]})";
}

std::string scriptedOrder(const std::string& ref, const std::string& chain = "place-order") {
    return R"({"order_ref":")" + ref + R"(","chain":")" + chain +
           R"(","currency":"EUR","customer":{"id":"C-1"},"lines":[{"sku":"SKU-1","quantity":1,"unit_price":5}]})";
}

std::string mapsOf(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/maps");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

class IsolationTest : public ::testing::TestWithParam<TestBackend> {
protected:
    void SetUp() override { folder_ = makeTempDir("orderhost-isolation-e2e"); }
    void TearDown() override { std::filesystem::remove_all(folder_); }

    // What the billing chain did to two orders (one kept, one undone), as one comparable text.
    std::string billingResults(const std::string& isolate) {
        const std::string sub = folder_ + "/" + (isolate.empty() ? "in-process" : "isolated");
        std::filesystem::create_directories(sub);
        TestDatabase database(GetParam(), sub);
        HostOptions options;
        options.databaseConnection = database.connectionString();
        options.pluginFolders = std::string(ORDERHOST_PLUGIN_DIR) + "," + ORDERHOST_SCRIPTED_PLUGIN_DIR;
        options.chainsFolder = ORDERHOST_BILLING_CHAINS;
        if (!isolate.empty()) options.extraSettings["plugins.isolate"] = isolate;
        HostProcess host(options);
        std::ostringstream out;
        for (const auto& [ref, chain] :
             {std::pair{"KEEP-1", "place-order"}, std::pair{"UNDO-1", "fail-after-invoice"}}) {
            const HttpReply reply = host.post("/v1/orders", billingOrder(ref, chain));
            EXPECT_EQ(reply.status, 201) << reply.body;
            const auto order = json(reply.body);
            const auto billing = order->getObject("document")->getObject("billing");
            out << ref << ": " << order->getValue<std::string>("state") << " invoice "
                << billing->getValue<std::string>("invoice_number") << " " << billing->getValue<std::string>("status")
                << " net " << billing->getValue<std::int64_t>("net_minor") << " tax "
                << billing->getValue<std::int64_t>("tax_minor") << " total "
                << billing->getValue<std::int64_t>("total_minor") << " credit note "
                << billing->optValue<std::string>("credit_note_number", "-") << "\n  steps:";
            const auto steps = order->getArray("steps");
            for (std::size_t i = 0; i < steps->size(); ++i) {
                const auto step = steps->getObject(static_cast<unsigned>(i));
                out << " " << step->getValue<std::string>("step") << "#" << step->getValue<int>("attempt") << "="
                    << step->getValue<std::string>("outcome") << "/" << step->optValue<std::string>("code", "");
            }
            out << "\n";
        }
        store::Database db(database.connectionString());
        Poco::Data::Session session = db.session();
        for (const char* sql :
             {"SELECT COUNT(*) FROM billing_invoices", "SELECT COUNT(*) FROM billing_credit_notes",
              "SELECT open_minor FROM billing_accounts WHERE customer_id = 'C-1'",
              "SELECT COUNT(*) FROM credit_exposures WHERE state = 'released'",
              "SELECT COUNT(*) FROM outbox WHERE event_type IN ('invoice.issued', 'credit_note.issued')"}) {
            Poco::Int64 n = -1;
            session << sql, Poco::Data::Keywords::into(n), Poco::Data::Keywords::now;
            out << sql << " = " << n << "\n";
        }
        const std::string maps = mapsOf(host.pid());
        const bool billingMapped = maps.find("billing") != std::string::npos;
        EXPECT_EQ(billingMapped, isolate.empty())
            << "isolate = '" << isolate << "': the host maps the billing plugin: " << billingMapped;
        if (!isolate.empty()) {
            EXPECT_NE(host.log().find("runs isolated"), std::string::npos) << host.log();
        }
        const std::string plugins = host.get("/v1/plugins").body;
        EXPECT_NE(plugins.find(isolate.empty() ? R"("isolated":false)" : R"("isolated":true)"), std::string::npos)
            << plugins;
        return out.str();
    }

    std::string folder_;
};

TEST_P(IsolationTest, TheBillingChainGivesTheSameResultsIsolatedAndInProcess) {
    const std::string inProcess = billingResults("");
    const std::string isolated = billingResults("*");
    EXPECT_EQ(isolated, inProcess);
    EXPECT_NE(inProcess.find("KEEP-1: completed invoice INV-000001 invoiced net 39698 tax 3223 total 42921"),
              std::string::npos)
        << inProcess;
    EXPECT_NE(inProcess.find("UNDO-1: failed invoice INV-000002 credited"), std::string::npos) << inProcess;
    EXPECT_NE(inProcess.find("event_type IN ('invoice.issued', 'credit_note.issued') = 3"), std::string::npos)
        << inProcess;
}

TEST_P(IsolationTest, ASegfaultingIsolatedPluginCostsOneFailedAttemptAndTheHostServesOn) {
    TestDatabase database(GetParam(), folder_);
    HostOptions options;
    options.databaseConnection = database.connectionString();
    options.pluginFolders = ORDERHOST_SCRIPTED_PLUGIN_DIR;
    options.chainsFolder = ORDERHOST_CRASH_CHAINS;
    options.extraSettings["plugins.isolate"] = "test.scripted";
    HostProcess host(options);

    const HttpReply crashed = host.post("/v1/orders", scriptedOrder("CRASH-1", "crashy"));
    ASSERT_EQ(crashed.status, 201) << crashed.body;
    const auto order = json(crashed.body);
    EXPECT_EQ(order->getValue<std::string>("state"), "failed") << crashed.body;
    const auto steps = order->getArray("steps");
    int crashes = 0;
    for (std::size_t i = 0; i < steps->size(); ++i) {
        const auto step = steps->getObject(static_cast<unsigned>(i));
        if (step->optValue<std::string>("code", "") != "plugin_worker_crashed") continue;
        ++crashes;
        EXPECT_EQ(step->getValue<std::string>("step"), "segfault");
        EXPECT_NE(step->getValue<std::string>("message").find("signal 11"), std::string::npos) << crashed.body;
        EXPECT_NE(step->getValue<std::string>("message").find("scripted.so"), std::string::npos) << crashed.body;
    }
    EXPECT_EQ(crashes, 1) << "the step has attempts: 1, so one crash fails it: " << crashed.body;

    // Same plugin, restarted worker: the host never died and serves the next order.
    const HttpReply next = host.post("/v1/orders", scriptedOrder("FINE-1"));
    ASSERT_EQ(next.status, 201) << next.body;
    EXPECT_EQ(json(next.body)->getValue<std::string>("state"), "completed") << next.body;
    EXPECT_EQ(host.log().find("plugin_crashed"), std::string::npos) << "the crash breaker was needed";
    EXPECT_EQ(host.terminate(), 0);
}

TEST_P(IsolationTest, AHangingIsolatedPluginIsKilledAtItsDeadlineAndKeepsNoStepWorker) {
    TestDatabase database(GetParam(), folder_);
    HostOptions options;
    options.databaseConnection = database.connectionString();
    options.pluginFolders = ORDERHOST_SCRIPTED_PLUGIN_DIR;
    options.chainsFolder = ORDERHOST_HANG_CHAINS;  // sleeps 10 minutes, timeout_ms: 200
    options.extraSettings["plugins.isolate"] = "test.scripted";
    options.extraSettings["engine.step_workers"] = "2";
    HostProcess host(options);

    // More hung orders than step workers: in-process the third would find none free.
    for (int i = 0; i < 4; ++i) {
        const auto start = Clock::now();
        const HttpReply reply = host.post("/v1/orders", scriptedOrder("HANG-" + std::to_string(i)));
        ASSERT_EQ(reply.status, 201) << reply.body;
        EXPECT_LT(Clock::now() - start, 5s);
        const auto order = json(reply.body);
        EXPECT_EQ(order->getValue<std::string>("state"), "failed") << reply.body;
        const auto steps = order->getArray("steps");
        EXPECT_EQ(steps->getObject(steps->size() - 1)->getValue<std::string>("code"), "timeout") << reply.body;
    }
    // The killed worker's thread comes back within moments of the deadline.
    int busy = -1;
    for (int i = 0; i < 100 && busy != 0; ++i) {
        busy = json(host.get("/v1/health").body)->getObject("step_workers")->getValue<int>("busy");
        if (busy != 0) std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(busy, 0) << host.get("/v1/health").body;
    const HttpReply health = host.get("/v1/health");
    EXPECT_EQ(health.status, 200) << health.body;
    const auto start = Clock::now();
    EXPECT_EQ(host.terminate(), 0) << "shutdown had to wait for a hung plugin";
    EXPECT_LT(Clock::now() - start, 10s);
}

TEST_P(IsolationTest, TheStepWorkerCountIsASetting) {
    // In process, hung calls keep their workers: with engine.step_workers = 2, two are enough.
    TestDatabase database(GetParam(), folder_);
    HostOptions options;
    options.databaseConnection = database.connectionString();
    options.pluginFolders = ORDERHOST_SCRIPTED_PLUGIN_DIR;
    options.chainsFolder = ORDERHOST_HANG_CHAINS;
    options.extraSettings["engine.step_workers"] = "2";
    options.extraSettings["host.shutdown_timeout_s"] = "1";
    HostProcess host(options);
    for (int i = 0; i < 2; ++i) host.post("/v1/orders", scriptedOrder("HANG-" + std::to_string(i)));
    const HttpReply health = host.get("/v1/health");
    EXPECT_EQ(health.status, 503) << health.body;
    EXPECT_NE(health.body.find("every step worker is busy (2 of 2)"), std::string::npos) << health.body;
    EXPECT_EQ(host.terminate(), 0);  // the hung calls are left behind (engine.shutdown_grace_ms)
}

// A worker that dies at every start (its plugin aborts in create()): restarts back off instead
// of one new process per call, the plugin is reported in /v1/health, and both end once it
// starts again. SQLite only: nothing here depends on the database.
TEST(IsolatedRestartTest, AWorkerThatDiesAtEveryStartIsRestartedWithBackoffAndReportedInHealth) {
    const std::filesystem::path folder = makeTempDir("orderhost-restart-backoff");
    const std::string flag = (folder / "broken").string();
    std::filesystem::create_directories(folder / "chains");
    const std::string config = "{ abort_on_create_if: \"" + flag + "\"";
    std::ofstream(folder / "chains" / "crashy.yaml")
        << "name: crashy\nversion: 1\ntrigger: place_order\nsteps:\n  - name: segfault\n    plugin: test.scripted\n"
        << "    step: scripted\n    config: " << config << ", outcome: crash }\n";
    std::ofstream(folder / "chains" / "place-order.yaml")
        << "name: place-order\nversion: 1\ntrigger: place_order\nsteps:\n  - name: fine\n    plugin: test.scripted\n"
        << "    step: scripted\n    config: " << config << " }\n";
    HostOptions options;
    options.pluginFolders = ORDERHOST_SCRIPTED_PLUGIN_DIR;
    options.chainsFolder = (folder / "chains").string();
    options.extraSettings["plugins.isolate"] = "test.scripted";
    options.extraSettings["plugins.isolate_restart_backoff_ms"] = "500";
    options.extraSettings["plugins.isolate_restart_backoff_max_ms"] = "1000";
    HostProcess host(options);

    std::ofstream(flag) << "from now on the plugin aborts in create()\n";
    ASSERT_EQ(host.post("/v1/orders", scriptedOrder("CRASH-1", "crashy")).status, 201);  // the worker dies
    int refusedWithoutStart = 0;
    for (int i = 0; i < 20; ++i) {
        const HttpReply reply = host.post("/v1/orders", scriptedOrder("DOWN-" + std::to_string(i)));
        ASSERT_EQ(reply.status, 201) << reply.body;
        const auto order = json(reply.body);
        EXPECT_EQ(order->getValue<std::string>("state"), "failed") << reply.body;
        const auto steps = order->getArray("steps");
        const auto last = steps->getObject(steps->size() - 1);
        EXPECT_EQ(last->getValue<std::string>("code"), "plugin_worker_start_failed") << reply.body;
        if (last->getValue<std::string>("message").find("next try in") != std::string::npos) ++refusedWithoutStart;
    }
    EXPECT_GE(refusedWithoutStart, 15) << "a new worker was started for most calls:\n" << host.log();
    const HttpReply unhealthy = host.get("/v1/health");
    EXPECT_NE(unhealthy.body.find("the worker of plugin test.scripted"), std::string::npos) << unhealthy.body;
    EXPECT_NE(unhealthy.body.find("failed to start"), std::string::npos) << unhealthy.body;

    std::filesystem::remove(flag);  // the administrator fixed the plugin
    std::string state;
    for (int i = 0; i < 40 && state != "completed"; ++i) {
        std::this_thread::sleep_for(100ms);
        state = json(host.post("/v1/orders", scriptedOrder("UP-" + std::to_string(i))).body)
                    ->getValue<std::string>("state");
    }
    EXPECT_EQ(state, "completed") << host.log();
    const HttpReply healthy = host.get("/v1/health");
    EXPECT_EQ(healthy.body.find("failed to start"), std::string::npos) << healthy.body;
    EXPECT_NE(host.log().find("started again after"), std::string::npos) << host.log();
    EXPECT_EQ(host.terminate(), 0);
    std::filesystem::remove_all(folder);
}

INSTANTIATE_TEST_SUITE_P(Backends, IsolationTest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::testing::isolation_test
