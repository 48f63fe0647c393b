// Administrators' mistakes on the embedded (SQLite) setup (issue 8, finding 6): a second host
// started on the same database file, and orders left on a chain the host no longer loads.
#include "HostProcess.h"
#include "tests/support/TestDatabase.h"  // makeTempDir

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Thread.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace orderhost::testing::sqlite_host_test {
namespace {
namespace fs = std::filesystem;

Poco::JSON::Object::Ptr json(const HttpReply& reply) {
    return Poco::JSON::Parser().parse(reply.body).extract<Poco::JSON::Object::Ptr>();
}

std::string sqliteFileOf(const HostProcess& host) {
    return "Driver=SQLite3;Database=" + (host.folder() / "orderhost.db").string() + ";JournalMode=WAL;Timeout=10000;";
}

TEST(SqliteHostTest, ASecondHostOnTheSameDatabaseFileIsRefusedAtStart) {
    auto first = std::make_unique<HostProcess>();
    HostOptions sameFile;
    sameFile.databaseConnection = sqliteFileOf(*first);
    try {
        HostProcess second(sameFile);
        FAIL() << "a second host started on " << sameFile.databaseConnection;
    } catch (const std::runtime_error& e) {
        const std::string log = e.what();
        EXPECT_NE(log.find("cannot start: another orderhost process (pid "), std::string::npos) << log;
        EXPECT_NE(log.find("is serving the SQLite database " + (first->folder() / "orderhost.db").string()),
                  std::string::npos)
            << log;
    }
    EXPECT_EQ(first->get("/v1/health").status, 200);
    // A host that died leaves no lock behind: the kernel drops it with the process.
    first->killHard();
    HostProcess after(sameFile);
    EXPECT_EQ(after.get("/v1/health").status, 200);
}

TEST(SqliteHostTest, OrdersOnAChainTheHostDoesNotLoadAreAProblemInHealth) {
    const fs::path dir = makeTempDir("orderhost-orphan");
    const std::string database = "Driver=SQLite3;Database=" + (dir / "orderhost.db").string() + ";JournalMode=WAL;";
    {
        HostOptions placingOptions;  // the e2e chains: over the credit limit, the order is held
        placingOptions.databaseConnection = database;
        HostProcess placing(placingOptions);
        const HttpReply held =
            placing.post("/v1/orders", R"({"order_ref":"E2E-ORPHAN","currency":"EUR",)"
                                       R"("customer":{"id":"C-SMALL"},"lines":[{"sku":"SKU-1","quantity":2},)"
                                       R"({"sku":"SKU-2","quantity":4,"unit_price":250}]})");
        ASSERT_EQ(held.status, 201) << held.body;
        ASSERT_EQ(json(held)->getValue<std::string>("state"), "on_hold");
        EXPECT_EQ(json(placing.get("/v1/health"))->getValue<int>("problems"), 0);
    }
    const fs::path chains = dir / "chains";
    fs::create_directories(chains);
    std::ofstream(chains / "other.yaml") << "name: other\nversion: 1\ntrigger: place_order\nsteps:\n"
                                            "  - name: nothing\n    plugin: orderhost.noop\n    step: noop\n";
    HostOptions options;
    options.databaseConnection = database;
    options.chainsFolder = chains.string();
    options.extraSettings["engine.retry_poll_ms"] = "50";
    HostProcess host(options);
    Poco::JSON::Object::Ptr health;
    for (int i = 0; i < 100; ++i) {  // the poller checks at its first tick
        health = json(host.get("/v1/health"));
        if (health->getValue<int>("problems") > 0) break;
        Poco::Thread::sleep(50);
    }
    EXPECT_EQ(health->getValue<int>("problems"), 1);
    const auto details = health->getArray("engine_problems");
    ASSERT_EQ(details->size(), 1u);
    EXPECT_NE(details->getElement<std::string>(0).find("1 unfinished order(s) on chain place-order v3, which this host "
                                                       "does not load"),
              std::string::npos)
        << details->getElement<std::string>(0);
    const std::string log = host.log();
    const auto first = log.find("which this host does not load");
    EXPECT_NE(first, std::string::npos) << log;
    EXPECT_EQ(log.find("which this host does not load", first + 1), std::string::npos) << "logged more than once";
    fs::remove_all(dir);
}

}  // namespace
}  // namespace orderhost::testing::sqlite_host_test
