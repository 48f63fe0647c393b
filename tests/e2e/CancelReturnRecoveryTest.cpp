// A host SIGKILLed in the middle of a cancel chain or a return chain, then restarted: the order
// ends cancelled or returned, on the chain it had switched to, and every step's effect (a row
// the test.effects plugin writes through orderhost.db in the step's transaction) is committed
// exactly once (issue 8, finding 1: the switched chain was never saved, so the restarted host
// ran place-order again from step 0 and the cancelled order ended completed).
#include "HostProcess.h"
#include "host/store/Database.h"
#include "tests/support/TestDatabase.h"

#include <Poco/Data/Session.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Thread.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <thread>

using namespace Poco::Data::Keywords;

namespace orderhost::testing::cancel_return_recovery_test {
namespace {

Poco::JSON::Object::Ptr parse(const std::string& body) {
    return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
}

class CancelReturnRecoveryTest : public ::testing::TestWithParam<TestBackend> {
protected:
    void SetUp() override {
        folder_ = makeTempDir("orderhost-cancel-kill");
        database_ = std::make_unique<TestDatabase>(GetParam(), folder_);
        HostOptions options;
        options.databaseConnection = database_->connectionString();
        options.pluginFolders = ORDERHOST_SCRIPTED_PLUGIN_DIR;
        options.chainsFolder = ORDERHOST_CANCEL_RETURN_CHAINS;
        host_ = std::make_unique<HostProcess>(options);
    }
    void TearDown() override {
        host_.reset();
        database_.reset();
        std::filesystem::remove_all(folder_);
    }

    std::string placeCompletedOrder(const std::string& ref) {
        const HttpReply created = host_->post(
            "/v1/orders",
            R"({"order_ref":")" + ref +
                R"(","currency":"EUR","customer":{"id":"C-1"},"lines":[{"sku":"SKU-1","quantity":1,"unit_price":5}]})");
        EXPECT_EQ(created.status, 201) << created.body;
        const auto order = parse(created.body);
        EXPECT_EQ(order->getValue<std::string>("state"), "completed");
        return order->getValue<std::string>("id");
    }

    // Sends `path` (it runs the slow chain step inside the request) and kills the host while
    // that step sleeps; then checks what was stored at the kill, restarts, and waits.
    std::string killDuringAndRecover(const std::string& orderId, const std::string& path,
                                     const std::string& chainAtKill, const std::string& finalState) {
        std::thread request([&] {
            try {
                host_->post(path, R"({"reason":"kill test"})");
            } catch (const std::exception&) {
                // The host died under the request, as planned.
            }
        });
        Poco::Thread::sleep(1200);  // the undo steps are quick; the chain's step sleeps 3 s
        host_->killHard();
        request.join();
        EXPECT_EQ(storedChain(orderId), chainAtKill) << "the order's new chain was not saved before the kill";
        host_->restart();
        std::string state;
        for (int i = 0; i < 200 && state != finalState; ++i) {
            state = parse(host_->get("/v1/orders/" + orderId).body)->getValue<std::string>("state");
            if (state != finalState) Poco::Thread::sleep(50);
        }
        EXPECT_NE(host_->log().find("resumed after a restart"), std::string::npos) << host_->log();
        return state;
    }

    std::string storedChain(const std::string& orderId) {
        store::Database db(database_->connectionString(),
                           store::DatabaseOptions{1, 1, 60, std::chrono::milliseconds(5000), false});
        return db.withSession("read chain", [&](Poco::Data::Session& s) {
            std::string chain;
            s << "SELECT chain FROM orders WHERE id = ?", bind(orderId), into(chain), now;
            return chain;
        });
    }

    // "<step>/<kind>" -> how many times that effect was committed.
    std::map<std::string, int> effects(const std::string& orderId) {
        store::Database db(database_->connectionString(),
                           store::DatabaseOptions{1, 1, 60, std::chrono::milliseconds(5000), false});
        return db.withSession("count effects", [&](Poco::Data::Session& s) {
            std::vector<std::string> steps, kinds;
            s << "SELECT step, kind FROM effects_log WHERE order_id = ? ORDER BY seq", bind(orderId), into(steps),
                into(kinds), now;
            std::map<std::string, int> counts;
            for (std::size_t i = 0; i < steps.size(); ++i) ++counts[steps[i] + "/" + kinds[i]];
            return counts;
        });
    }

    std::string folder_;
    std::unique_ptr<TestDatabase> database_;
    std::unique_ptr<HostProcess> host_;
};

TEST_P(CancelReturnRecoveryTest, AKillDuringTheCancelChainEndsCancelledWithEachEffectOnce) {
    const std::string id = placeCompletedOrder("CANCEL-KILL-1");
    EXPECT_EQ(killDuringAndRecover(id, "/v1/orders/" + id + "/cancel", "cancel-order", "cancelled"), "cancelled");
    const std::map<std::string, int> expected{
        {"first/run", 1}, {"second/run", 1}, {"second/undo", 1}, {"first/undo", 1}, {"cancel-effect/run", 1}};
    EXPECT_EQ(effects(id), expected);
    const auto order = parse(host_->get("/v1/orders/" + id).body);
    EXPECT_EQ(order->getValue<std::string>("chain"), "cancel-order");
}

TEST_P(CancelReturnRecoveryTest, AKillDuringTheReturnChainEndsReturnedWithEachEffectOnce) {
    const std::string id = placeCompletedOrder("RETURN-KILL-1");
    EXPECT_EQ(killDuringAndRecover(id, "/v1/orders/" + id + "/return", "return-order", "returned"), "returned");
    const std::map<std::string, int> expected{{"first/run", 1}, {"second/run", 1}, {"return-effect/run", 1}};
    EXPECT_EQ(effects(id), expected);
    const auto order = parse(host_->get("/v1/orders/" + id).body);
    EXPECT_EQ(order->getValue<std::string>("chain"), "return-order");
}

INSTANTIATE_TEST_SUITE_P(Backends, CancelReturnRecoveryTest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::testing::cancel_return_recovery_test
