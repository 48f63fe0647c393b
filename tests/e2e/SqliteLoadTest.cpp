// Concurrent ERP clients over HTTP against a host on SQLite whose steps hit SQL errors they
// handle. Each failing statement used to write a zero byte past a heap block inside the SQLite
// ODBC driver (issue 8, finding 0, see host/store/NativeSqlGuard.cpp): the host died in malloc
// under load. Now every order completes, each step's effect is committed once, and the host
// is still serving.
#include "HostProcess.h"
#include "host/store/Database.h"

#include <Poco/Data/Session.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

using namespace Poco::Data::Keywords;

namespace orderhost::testing::sqlite_load_test {
namespace {

TEST(SqliteLoadTest, ConcurrentOrdersWhoseStepsHitSqlErrorsLeaveTheHostServing) {
    HostOptions options;
    options.pluginFolders = ORDERHOST_SCRIPTED_PLUGIN_DIR;
    options.chainsFolder = ORDERHOST_FAILING_SQL_CHAINS;
    HostProcess host(options);
    constexpr int kClients = 16, kOrdersEach = 60;  // 2,880 failing statements
    std::atomic<int> completed{0}, other{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&, c] {
            for (int i = 0; i < kOrdersEach; ++i) {
                const std::string ref = "LOAD-" + std::to_string(c) + "-" + std::to_string(i);
                try {
                    const HttpReply reply = host.post(
                        "/v1/orders",
                        R"({"order_ref":")" + ref +
                            R"(","currency":"EUR","customer":{"id":"C-1"},"lines":[{"sku":"SKU-1","quantity":1,"unit_price":5}]})");
                    const bool done = reply.status == 201 && Poco::JSON::Parser()
                                                                     .parse(reply.body)
                                                                     .extract<Poco::JSON::Object::Ptr>()
                                                                     ->getValue<std::string>("state") == "completed";
                    ++(done ? completed : other);
                } catch (const std::exception&) {
                    ++other;  // the host is gone
                }
            }
        });
    }
    for (auto& client : clients) client.join();
    EXPECT_EQ(completed.load(), kClients * kOrdersEach);
    EXPECT_EQ(other.load(), 0);
    EXPECT_EQ(host.get("/v1/health").status, 200);

    store::Database db("Driver=SQLite3;Database=" + (host.folder() / "orderhost.db").string() + ";",
                       store::DatabaseOptions{1, 1, 60, std::chrono::milliseconds(10000), false});
    db.withSession("count effects", [&](Poco::Data::Session& s) {
        int effects = 0, orders = 0;
        s << "SELECT COUNT(*) FROM effects_log WHERE kind = 'run'", into(effects), now;
        s << "SELECT COUNT(DISTINCT order_id) FROM effects_log WHERE kind = 'run'", into(orders), now;
        EXPECT_EQ(effects, 3 * kClients * kOrdersEach) << "an effect was lost or committed twice";
        EXPECT_EQ(orders, kClients * kOrdersEach);
    });
}

}  // namespace
}  // namespace orderhost::testing::sqlite_load_test
