// orderhost.sourcing end to end: the real host over HTTP with the real plugin, on SQLite and
// PostgreSQL. Parallel posts for more units than there are never oversell and leave the stock
// ledger reconciled; a backordered order waits for stock_arrived, its purchase requisition
// reaches the order's event feed, and the signal completes it.
#include "HostProcess.h"
#include "tests/support/TestDatabase.h"

#include <Poco/Data/ODBC/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Thread.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

namespace orderhost::testing::sourcing_e2e_test {
namespace {

using Poco::JSON::Object;

Object::Ptr parse(const std::string& body) { return Poco::JSON::Parser().parse(body).extract<Object::Ptr>(); }

std::string order(const std::string& ref, const std::string& chain, const std::string& sku, int quantity) {
    return R"({"order_ref":")" + ref + R"(","chain":")" + chain +
           R"(","currency":"EUR","customer":{"id":"C-1"},)"
           R"("lines":[{"sku":")" +
           sku + R"(","quantity":)" + std::to_string(quantity) + "}]}";
}

class SourcingE2ETest : public ::testing::TestWithParam<TestBackend> {
protected:
    void SetUp() override {
        folder_ = makeTempDir("orderhost-sourcing-e2e");
        database_ = std::make_unique<TestDatabase>(GetParam(), folder_);
        HostOptions options;
        options.databaseConnection = database_->connectionString();
        options.chainsFolder = ORDERHOST_SOURCING_CHAINS;
        options.extraSettings["engine.retry_poll_ms"] = "50";
        host_ = std::make_unique<HostProcess>(options);
        Poco::Data::ODBC::Connector::registerConnector();
    }
    void TearDown() override {
        host_.reset();
        database_.reset();
        std::filesystem::remove_all(folder_);
    }

    // Polls until the order is in one of `states`; returns its view.
    Object::Ptr waitFor(const std::string& ref, const std::vector<std::string>& states, int timeoutMs = 30000) const {
        Object::Ptr view;
        for (int waited = 0; waited < timeoutMs; waited += 50) {
            const HttpReply reply = host_->get("/v1/orders?order_ref=" + ref);
            if (reply.status == 200) {
                view = parse(reply.body);
                for (const std::string& state : states)
                    if (view->getValue<std::string>("state") == state) return view;
            }
            Poco::Thread::sleep(50);
        }
        ADD_FAILURE() << ref << " never reached " << states.front() << ": "
                      << (view ? view->getValue<std::string>("state") : std::string("(no order)"));
        return view;
    }

    long number(const std::string& sql) const {
        Poco::Data::Session session("ODBC", database_->connectionString());
        long n = -1;
        session << sql, Poco::Data::Keywords::into(n), Poco::Data::Keywords::now;
        return n;
    }
    void exec(const std::string& sql) const {
        Poco::Data::Session session("ODBC", database_->connectionString());
        session << sql, Poco::Data::Keywords::now;
    }

    std::string folder_;
    std::unique_ptr<TestDatabase> database_;
    std::unique_ptr<HostProcess> host_;
};

TEST_P(SourcingE2ETest, ParallelOrdersForMoreThanThereIsNeverOversell) {
    constexpr int kClients = 8, kOrdersEach = 3;  // 24 orders of 1 for 17 units in two warehouses
    std::vector<std::thread> clients;
    std::atomic<int> created{0};
    for (int c = 0; c < kClients; ++c)
        clients.emplace_back([&, c] {
            for (int i = 0; i < kOrdersEach; ++i)
                if (host_->post("/v1/orders", order("PAR-" + std::to_string(c * 10 + i), "place-order", "LIMITED", 1))
                        .status == 201)
                    ++created;
        });
    for (std::thread& client : clients) client.join();
    ASSERT_EQ(created.load(), kClients * kOrdersEach);
    int completed = 0, rejected = 0;
    for (int c = 0; c < kClients; ++c)
        for (int i = 0; i < kOrdersEach; ++i) {
            const Object::Ptr view = waitFor("PAR-" + std::to_string(c * 10 + i), {"completed", "rejected"});
            if (!view) continue;
            const std::string state = view->getValue<std::string>("state");
            completed += state == "completed";
            rejected += state == "rejected";
        }
    EXPECT_EQ(completed, 17) << "exactly the stock there was";
    EXPECT_EQ(rejected, 7);
    EXPECT_EQ(number("SELECT CAST(SUM(on_hand) AS BIGINT) FROM sourcing_inventory WHERE sku = 'LIMITED'"), 0);
    EXPECT_EQ(number("SELECT CAST(SUM(reserved) AS BIGINT) FROM sourcing_inventory WHERE sku = 'LIMITED'"), 0);
    EXPECT_EQ(number("SELECT COUNT(*) FROM sourcing_movements WHERE movement = 'issue'"), 17);
    EXPECT_EQ(number("SELECT COUNT(*) FROM sourcing_movements WHERE movement = 'receipt'"), 3) << "seeded once";
    EXPECT_EQ(number("SELECT COUNT(*) FROM sourcing_stock_check WHERE reconciled = 0"), 0);
}

TEST_P(SourcingE2ETest, ABackorderWaitsForStockArrivedAndTheRequisitionReachesTheFeed) {
    ASSERT_EQ(host_->post("/v1/orders", order("SEED", "place-order", "LIMITED", 1)).status, 201);
    waitFor("SEED", {"completed"});
    ASSERT_EQ(host_->post("/v1/orders", order("BACK-1", "backorder", "SCARCE", 3)).status, 201);
    const Object::Ptr held = waitFor("BACK-1", {"on_hold"});
    ASSERT_TRUE(held);
    EXPECT_EQ(held->getValue<std::string>("awaiting_signal"), "stock_arrived");
    const std::string id = held->getValue<std::string>("id");
    EXPECT_EQ(number("SELECT CAST(SUM(reserved) AS BIGINT) FROM sourcing_inventory WHERE sku = 'SCARCE'"), 0);
    const HttpReply events = host_->get("/v1/orders/" + id + "/events");
    EXPECT_NE(events.body.find("purchase_requisition.created"), std::string::npos) << events.body;
    EXPECT_NE(events.body.find(R"("supplier":"SUP-1")"), std::string::npos) << events.body;
    EXPECT_EQ(number("SELECT COUNT(*) FROM sourcing_requisitions WHERE sku = 'SCARCE' AND status = 'open'"), 1);

    // The goods arrive in the south warehouse (stock row + receipt), then the ERP signals.
    exec("INSERT INTO sourcing_inventory (sku, warehouse, bin, on_hand) VALUES ('SCARCE', 'WH-S', 'S-03', 5)");
    exec(
        "INSERT INTO sourcing_movements (reference, sku, warehouse, movement, on_hand_delta)"
        " VALUES ('PO 1', 'SCARCE', 'WH-S', 'receipt', 5)");
    const HttpReply signal = host_->post("/v1/orders/" + id + "/signals/stock_arrived", R"({"po":"PO 1"})");
    ASSERT_EQ(signal.status, 200) << signal.body;
    const Object::Ptr done = waitFor("BACK-1", {"completed"});
    ASSERT_TRUE(done);
    Poco::JSON::Array::Ptr issued = done->getObject("document")->getObject("sourcing")->getArray("issued");
    ASSERT_EQ(issued->size(), 2u);
    EXPECT_EQ(issued->getObject(0)->getValue<std::string>("warehouse"), "WH-N");
    EXPECT_EQ(issued->getObject(0)->getValue<int>("quantity"), 1);
    EXPECT_EQ(issued->getObject(1)->getValue<std::string>("bin"), "S-03");
    EXPECT_EQ(issued->getObject(1)->getValue<int>("quantity"), 2);
    EXPECT_EQ(number("SELECT CAST(SUM(on_hand) AS BIGINT) FROM sourcing_inventory WHERE sku = 'SCARCE'"), 3);
    EXPECT_EQ(number("SELECT COUNT(*) FROM sourcing_stock_check WHERE reconciled = 0"), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, SourcingE2ETest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::testing::sourcing_e2e_test
