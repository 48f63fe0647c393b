// The shipping plugin end to end: the real host over HTTP, real plugins, the carrier
// simulator as its own process calling the host back with tracking signals, on SQLite and
// PostgreSQL. The carrier's ledger is what the outside world saw: each test proves how often
// a shipment was booked or cancelled, also when the carrier's answer is lost after booking.
#include "HostObservation.h"
#include "HostProcess.h"
#include "tests/support/CarrierSimulator.h"
#include "tests/support/TestDatabase.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace orderhost::testing::shipping_e2e_test {
namespace {

using Poco::JSON::Object;

// tests/e2e/shipping-chains with the carrier's and the host's URLs filled in.
void copyChains(const std::string& folder, const std::string& carrierUrl, const std::string& hostUrl) {
    for (const auto& entry : std::filesystem::directory_iterator(ORDERHOST_SHIPPING_CHAINS)) {
        std::ifstream in(entry.path());
        std::stringstream text;
        text << in.rdbuf();
        std::string chain = text.str();
        for (const auto& [from, to] :
             {std::pair<std::string, std::string>{"@CARRIER_URL@", carrierUrl}, {"@HOST_URL@", hostUrl}})
            for (std::size_t at = chain.find(from); at != std::string::npos; at = chain.find(from, at))
                chain.replace(at, from.size(), to);
        std::ofstream(folder + "/" + entry.path().filename().string()) << chain;
    }
}

std::string order(const std::string& ref, const std::string& chain) {
    return R"({"order_ref":")" + ref + R"(","chain":")" + chain +
           R"(","currency":"EUR","customer":{"id":"C-1"},)"
           R"("shipping_address":{"name":"Ada","line1":"1 rue X","city":"Paris","postal_code":"75001","country":"FR"},)"
           R"("lines":[{"sku":"BOLT-M8","quantity":100,"unit_price":25},{"sku":"DRILL-18V","quantity":1,"unit_price":8999}]})";
}

class ShippingE2ETest : public ::testing::TestWithParam<TestBackend> {
protected:
    void SetUp() override {
        folder_ = makeTempDir("orderhost-shipping");
        std::filesystem::create_directories(folder_ + "/chains");
        HostOptions options;
        options.port = freeLoopbackPort();
        copyChains(folder_ + "/chains", carrier_.url(), "http://127.0.0.1:" + std::to_string(options.port));
        database_ = std::make_unique<TestDatabase>(GetParam(), folder_);
        options.databaseConnection = database_->connectionString();
        options.pluginFolders = std::string(ORDERHOST_PLUGIN_DIR) + "," + ORDERHOST_SCRIPTED_PLUGIN_DIR;
        options.chainsFolder = folder_ + "/chains";
        options.extraSettings["engine.retry_poll_ms"] = "50";
        host_ = std::make_unique<HostProcess>(options);
    }
    void TearDown() override {
        host_.reset();
        database_.reset();
        std::filesystem::remove_all(folder_);
    }

    Object::Ptr waitFor(const std::string& ref, const std::string& state) const {
        return waitForState(*host_, ref, state, 20000);
    }
    Object::Ptr waitHeld(const std::string& ref, const std::string& step, const std::string& signal) const {
        return waitHeldAt(*host_, ref, step, signal, 20000);
    }

    static std::string shipping(const Object::Ptr& order, const std::string& field) {
        return order->getObject("document")->getObject("shipping")->getValue<std::string>(field);
    }

    // One column of the order's rows in a plugin table, read from the host's database itself.
    std::vector<std::string> column(const std::string& sql, const std::string& orderId) const {
        return DatabaseRows(database_->connectionString()).column(sql, orderId);
    }

    std::string folder_;
    CarrierSimulator carrier_;
    std::unique_ptr<TestDatabase> database_;
    std::unique_ptr<HostProcess> host_;
};

TEST_P(ShippingE2ETest, AnOrderIsBookedOnceFollowedByTheCarriersSignalsAndCompletesWhenDelivered) {
    ASSERT_EQ(host_->post("/v1/orders", order("SHIP-1", "ship-and-deliver")).status, 201);
    const Object::Ptr booked = waitHeld("SHIP-1", "ship", "shipment_tracking");
    const std::string shipmentId = shipping(booked, "shipment_id");
    EXPECT_EQ(shipping(booked, "service"), "economy");
    carrier_.advance(shipmentId, "picked_up");  // the carrier calls the host back: the order moves on
    waitHeld("SHIP-1", "deliver", "shipment_tracking");
    carrier_.advance(shipmentId, "in_transit");
    carrier_.advance(shipmentId, "delivered");
    const Object::Ptr done = waitFor("SHIP-1", "completed");
    const std::string id = done->getValue<std::string>("id");
    EXPECT_EQ(shipping(done, "status"), "delivered");
    EXPECT_EQ(shipping(done, "tracking_number"),
              carrier_.shipment(shipmentId)->getValue<std::string>("tracking_number"));
    EXPECT_EQ(column("SELECT status FROM shipping_shipments WHERE order_id = ?", id),
              std::vector<std::string>{"delivered"});
    EXPECT_EQ(column("SELECT status FROM shipping_events WHERE order_id = ? ORDER BY seq", id),
              (std::vector<std::string>{"picked_up", "in_transit", "delivered"}));
    EXPECT_EQ(carrier_.count("booking"), 1);
    EXPECT_EQ(carrier_.count("cancellation"), 0);
    EXPECT_GE(carrier_.deliveries("delivered", "picked_up"), 1) << "the pickup reached the host as a signal";
    EXPECT_EQ(carrier_.deliveries("gave_up"), 0);
}

TEST_P(ShippingE2ETest, TheCarriersOwnScheduleDrivesTheOrderToCompletion) {
    std::string body;
    ASSERT_EQ(carrier_.request(
                  "POST", "/admin/schedule",
                  R"({"steps":[{"status":"picked_up","after_ms":300},{"status":"out_for_delivery","after_ms":600},)"
                  R"({"status":"delivered","after_ms":900}]})",
                  body),
              200)
        << body;
    host_->post("/v1/orders", order("SHIP-AUTO", "ship-and-deliver"));
    const Object::Ptr done = waitFor("SHIP-AUTO", "completed");
    EXPECT_EQ(shipping(done, "status"), "delivered");
    EXPECT_EQ(carrier_.count("booking"), 1);
    EXPECT_EQ(carrier_.count("tracking"), 3);
}

TEST_P(ShippingE2ETest, ALaterStepFailingBeforePickupCancelsTheShipmentAtTheCarrier) {
    host_->post("/v1/orders", order("SHIP-UNDO", "book-then-fail"));
    const Object::Ptr failed = waitFor("SHIP-UNDO", "failed");
    EXPECT_EQ(shipping(failed, "status"), "cancelled");
    EXPECT_EQ(carrier_.count("booking"), 1);
    EXPECT_EQ(carrier_.count("cancellation"), 1);
    EXPECT_EQ(carrier_.shipment(shipping(failed, "shipment_id"))->getValue<std::string>("status"), "cancelled");
    EXPECT_EQ(column("SELECT status FROM shipping_shipments WHERE order_id = ?", failed->getValue<std::string>("id")),
              std::vector<std::string>{"cancelled"});
}

TEST_P(ShippingE2ETest, ABookingWhoseAnswerIsLostIsMadeExactlyOnce) {
    carrier_.setFaults(R"({"lose_response_count": 1})");
    host_->post("/v1/orders", order("SHIP-LOST", "ship-and-deliver"));
    const Object::Ptr booked = waitHeld("SHIP-LOST", "ship", "shipment_tracking");
    EXPECT_EQ(carrier_.count("booking"), 1);
    EXPECT_EQ(shipping(booked, "shipment_id"), carrier_.firstShipmentId());
    carrier_.advance(shipping(booked, "shipment_id"), "delivered");  // picked up and delivered at once
    const Object::Ptr done = waitFor("SHIP-LOST", "completed");
    EXPECT_EQ(carrier_.count("booking"), 1);
    EXPECT_EQ(
        column("SELECT shipment_id FROM shipping_shipments WHERE order_id = ?", done->getValue<std::string>("id")),
        std::vector<std::string>{carrier_.firstShipmentId()});
    int retries = 0;
    Poco::JSON::Array::Ptr steps = done->getArray("steps");
    for (unsigned i = 0; i < steps->size(); ++i)
        retries += steps->getObject(i)->getValue<std::string>("outcome") == "retry";
    EXPECT_EQ(retries, 1) << "the lost answer was retried with the same key";
}

TEST_P(ShippingE2ETest, ACarrierExceptionHoldsTheOrderUntilAPersonResolvesIt) {
    host_->post("/v1/orders", order("SHIP-EXC", "ship-and-deliver"));
    const std::string shipmentId = shipping(waitHeld("SHIP-EXC", "ship", "shipment_tracking"), "shipment_id");
    carrier_.advance(shipmentId, "picked_up");
    waitHeld("SHIP-EXC", "deliver", "shipment_tracking");
    carrier_.advance(shipmentId, "exception", "address not found");
    const Object::Ptr held = waitHeld("SHIP-EXC", "deliver", "shipment_exception_resolved");
    EXPECT_EQ(shipping(held, "status"), "exception");
    const HttpReply resolved =
        host_->post("/v1/orders/" + held->getValue<std::string>("id") + "/signals/shipment_exception_resolved",
                    R"({"resolution":"continue","note":"delivered to a neighbour"})");
    EXPECT_EQ(resolved.status, 200) << resolved.body;
    const Object::Ptr done = waitFor("SHIP-EXC", "completed");
    EXPECT_EQ(shipping(done, "resolution"), "delivered to a neighbour");
}

// A bad shipping configuration is refused by `chains validate`, naming the step and the field.
TEST(ShippingConfigTest, ChainsValidateRefusesABadCarrierConfigNamingTheField) {
    const std::string folder = makeTempDir("orderhost-shipping-config");
    std::ofstream(folder + "/host.properties") << "database.connection = Driver=SQLite3;Database=${config_dir}/o.db;\n"
                                               << "plugins.folders = " ORDERHOST_PLUGIN_DIR "\nchains.folder = .\n";
    std::ofstream(folder + "/bad.yaml")
        << "name: bad\nversion: 1\ntrigger: place_order\nsteps:\n"
           "  - name: ship\n    plugin: orderhost.shipping\n    step: book-shipment\n"
           "    config: { carriers: { c: { base_url: \"ftp://127.0.0.1:1\" } } }\n"
           "  - name: deliver\n    plugin: orderhost.shipping\n    step: await-delivery\n    config: {}\n";
    const std::string command = std::string(ORDERHOST_BINARY) + " chains validate --config " + folder +
                                "/host.properties " + folder + "/bad.yaml 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string output;
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
    const int status = ::pclose(pipe);
    EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 65) << output;
    EXPECT_NE(output.find("step 'ship': plugin orderhost.shipping (" +
                          std::string(ORDERHOST_PLUGIN_DIR "/orderhost-shipping.so") + ") refused"),
              std::string::npos)
        << output;
    EXPECT_NE(output.find("config field 'carriers.c.base_url' must be an http://host[:port] URL"), std::string::npos)
        << output;
    EXPECT_NE(output.find("config field 'carriers' is required"), std::string::npos) << output;
    std::filesystem::remove_all(folder);
}

INSTANTIATE_TEST_SUITE_P(Backends, ShippingE2ETest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::testing::shipping_e2e_test
