// Manufacturing and preparation over real HTTP with the real plugins, on SQLite and PostgreSQL
// (chains in fulfilment-chains/): a custom order waits for its work orders, shows partial
// progress, completes and is packed; cancelling a waiting order cancels its work orders; the
// signal timeout rejects and cancels; a goods order gets pick lists and parcels; a later
// failure cancels them. Rows are read from the host's database, events from the feed.
#include "HostProcess.h"
#include "host/store/Database.h"
#include "tests/support/TestDatabase.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Thread.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <sstream>
#include <string>

namespace orderhost::testing::make_pack_e2e_test {
namespace {

Poco::JSON::Object::Ptr json(const std::string& body) {
    return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
}
std::string text(const Poco::JSON::Object::Ptr& object) {
    std::ostringstream out;
    object->stringify(out);
    return out.str();
}

// Two oak tables made to order (line 1, with a structured specification) and 20 bolts.
std::string customOrder(const std::string& ref, const std::string& chain = "make-pack") {
    return R"({"order_ref":")" + ref + R"(","chain":")" + chain +
           R"(","currency":"EUR","customer":{"id":"C-1"},)"
           R"("lines":[{"sku":"BOLT","quantity":20,"unit_price":25},)"
           R"({"sku":"TABLE-OAK","quantity":2,"unit_price":45000,"kind":"custom","description":"Oak table 180x90"}],)"
           R"("attributes":{"specs":{"1":{"finish":"oiled","legs":4}}}})";
}
std::string goodsOrder(const std::string& ref, const std::string& chain = "make-pack") {
    return R"({"order_ref":")" + ref + R"(","chain":")" + chain +
           R"(","currency":"EUR","customer":{"id":"C-1"},)"
           R"("lines":[{"sku":"BOLT","quantity":100,"unit_price":25},{"sku":"DRILL","quantity":2,"unit_price":8999},)"
           R"({"sku":"SETUP","quantity":1,"unit_price":5000,"kind":"service"}]})";
}

class MakePackE2ETest : public ::testing::TestWithParam<TestBackend> {
protected:
    void SetUp() override {
        folder_ = makeTempDir("orderhost-make-pack-e2e");
        database_ = std::make_unique<TestDatabase>(GetParam(), folder_);
        HostOptions options;
        options.databaseConnection = database_->connectionString();
        options.pluginFolders = std::string(ORDERHOST_PLUGIN_DIR) + "," + ORDERHOST_SCRIPTED_PLUGIN_DIR;
        options.chainsFolder = ORDERHOST_FULFILMENT_CHAINS;
        host_ = std::make_unique<HostProcess>(options);
    }
    void TearDown() override {
        host_.reset();
        db_.reset();
        database_.reset();
        std::filesystem::remove_all(folder_);
    }
    std::int64_t number(const std::string& sql) {
        if (!db_) db_ = std::make_unique<store::Database>(database_->connectionString());
        Poco::Int64 n = -1;
        Poco::Data::Session s = db_->session();
        s << sql, Poco::Data::Keywords::into(n), Poco::Data::Keywords::now;
        return n;
    }
    // Posts `body` and returns the order view; fails the test unless it was created.
    Poco::JSON::Object::Ptr place(const std::string& body) {
        const HttpReply reply = host_->post("/v1/orders", body);
        EXPECT_EQ(reply.status, 201) << reply.body;
        return json(reply.body);
    }
    Poco::JSON::Object::Ptr signal(const std::string& id, const std::string& payload) {
        const HttpReply reply = host_->post("/v1/orders/" + id + "/signals/work_order_progress", payload);
        EXPECT_EQ(reply.status, 200) << reply.body;
        return json(reply.body);
    }
    bool feedShows(const std::string& type) {  // within 30 s: see BillingE2ETest's
        for (int i = 0; i < 600; ++i) {
            if (host_->get("/v1/events?after=0").body.find('"' + type + '"') != std::string::npos) return true;
            Poco::Thread::sleep(50);
        }
        return false;
    }

    std::string folder_;
    std::unique_ptr<TestDatabase> database_;
    std::unique_ptr<store::Database> db_;
    std::unique_ptr<HostProcess> host_;
};

TEST_P(MakePackE2ETest, ACustomOrderWaitsShowsProgressAndCompletesWhenItsWorkOrderIsDone) {
    auto placed = place(customOrder("MTO-1"));
    ASSERT_EQ(placed->getValue<std::string>("state"), "on_hold");
    EXPECT_EQ(placed->getValue<std::string>("awaiting_signal"), "work_order_progress");
    const std::string id = placed->getValue<std::string>("id");
    auto manufacturing = placed->getObject("document")->getObject("manufacturing");
    EXPECT_EQ(manufacturing->getValue<std::string>("status"), "in_production");
    EXPECT_EQ(manufacturing->getArray("work_orders")->getObject(0)->getValue<std::string>("work_order"), "WO-000001");
    EXPECT_EQ(number("SELECT COUNT(*) FROM manufacturing_work_orders WHERE status = 'open'"
                     " AND specification_json LIKE '%oiled%' AND description = 'Oak table 180x90'"),
              1);
    EXPECT_TRUE(feedShows("work_order.created")) << host_->get("/v1/events?after=0").body;

    auto partial = signal(id, R"({"work_order":"WO-000001","status":"in_progress","quantity_done":1})");
    EXPECT_EQ(partial->getValue<std::string>("state"), "on_hold");
    auto progress = partial->getObject("document")->getObject("manufacturing")->getArray("work_orders")->getObject(0);
    EXPECT_EQ(progress->getValue<std::string>("status"), "in_progress");
    EXPECT_EQ(progress->getValue<std::int64_t>("quantity_done"), 1);
    EXPECT_EQ(number("SELECT quantity_done FROM manufacturing_work_orders WHERE work_order = 'WO-000001'"), 1);

    auto done = signal(id, R"({"work_order":"WO-000001","status":"completed","quantity_done":2})");
    ASSERT_EQ(done->getValue<std::string>("state"), "completed") << "the order did not go on";
    auto document = done->getObject("document");
    EXPECT_EQ(document->getObject("manufacturing")->getValue<std::string>("status"), "completed");
    // The made tables are packed with the bolts: 2 x 9 kg + 20 x 50 g into one LARGE box (600 g tare).
    auto parcels = document->getObject("preparation")->getArray("parcels");
    ASSERT_EQ(parcels->size(), 1u) << text(document->getObject("preparation"));
    EXPECT_EQ(parcels->getObject(0)->getValue<std::string>("type"), "LARGE");
    EXPECT_EQ(parcels->getObject(0)->getValue<std::int64_t>("weight_g"), 2 * 9000 + 20 * 50 + 600);
    EXPECT_EQ(number("SELECT COUNT(*) FROM manufacturing_work_orders WHERE status = 'completed'"), 1);
    EXPECT_EQ(number("SELECT COUNT(*) FROM preparation_parcels WHERE status = 'prepared'"), 1);
    EXPECT_TRUE(feedShows("work_order.completed"));
}

TEST_P(MakePackE2ETest, CancellingAWaitingOrderCancelsItsWorkOrders) {
    auto placed = place(customOrder("MTO-CANCEL"));
    ASSERT_EQ(placed->getValue<std::string>("state"), "on_hold");
    const std::string id = placed->getValue<std::string>("id");
    signal(id, R"({"work_order":"WO-000001","status":"in_progress","quantity_done":1})");
    const HttpReply reply = host_->post("/v1/orders/" + id + "/cancel", R"({"reason":"customer changed their mind"})");
    ASSERT_EQ(reply.status, 200) << reply.body;
    auto cancelled = json(reply.body);
    EXPECT_EQ(cancelled->getValue<std::string>("state"), "cancelled");
    EXPECT_EQ(cancelled->getObject("document")->getObject("manufacturing")->getValue<std::string>("status"),
              "cancelled");
    EXPECT_EQ(number("SELECT COUNT(*) FROM manufacturing_work_orders WHERE status = 'cancelled'"
                     " AND cancel_reason = 'compensation' AND quantity_done = 1"),
              1)
        << "the host undid the waiting step itself (its compensate()), before the cancel chain";
    EXPECT_EQ(number("SELECT COUNT(*) FROM manufacturing_work_orders WHERE status <> 'cancelled'"), 0);
    EXPECT_TRUE(feedShows("work_order.cancelled")) << host_->get("/v1/events?after=0").body;
    EXPECT_EQ(host_->post("/v1/orders/" + id + "/cancel", "").status, 200);  // repeated: nothing runs twice
    EXPECT_EQ(number("SELECT COUNT(*) FROM manufacturing_work_orders"), 1);
}

TEST_P(MakePackE2ETest, NoProgressWithinTheSignalTimeoutRejectsAndCancelsTheWorkOrders) {
    auto placed = place(customOrder("MTO-LATE", "make-pack-timeout"));
    ASSERT_EQ(placed->getValue<std::string>("state"), "on_hold");
    const std::string id = placed->getValue<std::string>("id");
    std::string state = "on_hold";
    // The host's timer fires after 1.5 s; the step then runs again (in_progress), rejects, and
    // its own work orders are undone (compensating) before the order ends rejected.
    for (int i = 0; i < 300 && (state == "on_hold" || state == "in_progress" || state == "compensating"); ++i) {
        Poco::Thread::sleep(50);
        state = json(host_->get("/v1/orders/" + id).body)->getValue<std::string>("state");
    }
    ASSERT_EQ(state, "rejected");
    auto order = json(host_->get("/v1/orders/" + id).body);
    EXPECT_EQ(order->getObject("document")->getObject("manufacturing")->getValue<std::string>("status"), "timed_out");
    EXPECT_NE(host_->get("/v1/orders/" + id).body.find("manufacturing_timeout"), std::string::npos);
    EXPECT_EQ(number("SELECT COUNT(*) FROM manufacturing_work_orders WHERE status = 'cancelled'"
                     " AND cancel_reason = 'timeout'"),
              1);
}

TEST_P(MakePackE2ETest, AGoodsOrderGetsPickListsInWalkingOrderAndParcels) {
    auto placed = place(goodsOrder("GOODS-1"));
    ASSERT_EQ(placed->getValue<std::string>("state"), "completed") << text(placed);
    auto document = placed->getObject("document");
    EXPECT_EQ(document->getObject("manufacturing")->getValue<std::string>("status"), "not_needed");
    auto preparation = document->getObject("preparation");
    EXPECT_EQ(preparation->getValue<std::string>("status"), "prepared");
    auto picks = preparation->getArray("pick_lists")->getObject(0)->getArray("picks");
    ASSERT_EQ(picks->size(), 2u) << text(preparation);                      // the service line is not picked
    EXPECT_EQ(picks->getObject(0)->getValue<std::string>("bin"), "A-2-3");  // bay 2 before bay 10
    EXPECT_EQ(picks->getObject(1)->getValue<std::string>("bin"), "A-10-1");
    // Two drills (7.5 l each) exceed a SMALL box (11.25 l): FFD opens a LARGE box (96 l, 30.9 kg
    // net) for them, the bolts join them there, and no smaller type holds the result.
    auto parcels = preparation->getArray("parcels");
    ASSERT_EQ(parcels->size(), 1u) << text(preparation);
    EXPECT_EQ(parcels->getObject(0)->getValue<std::int64_t>("weight_g"), 2 * 1800 + 100 * 50 + 600);
    EXPECT_EQ(number("SELECT COUNT(*) FROM preparation_pick_lists WHERE warehouse = 'WH-1'"), 1);
    EXPECT_EQ(number("SELECT SUM(quantity) FROM preparation_parcel_lines"), 102);
}

TEST_P(MakePackE2ETest, AFailureAfterPreparationCancelsPickListsAndParcels) {
    auto placed = place(R"({"order_ref":"UNDO-1","chain":"make-pack-fail","currency":"EUR","customer":{"id":"C-1"},)"
                        R"("lines":[{"sku":"BOLT","quantity":10,"unit_price":25}]})");
    ASSERT_EQ(placed->getValue<std::string>("state"), "failed") << text(placed);
    EXPECT_EQ(placed->getObject("document")->getObject("preparation")->getValue<std::string>("status"), "cancelled");
    EXPECT_EQ(number("SELECT COUNT(*) FROM preparation_parcels WHERE status = 'cancelled'"), 1);
    EXPECT_EQ(number("SELECT COUNT(*) FROM preparation_pick_lists WHERE status = 'cancelled'"), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, MakePackE2ETest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::testing::make_pack_e2e_test
