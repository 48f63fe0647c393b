// Steps batched into one commit (issue 12 item 2, ChainRunnerCommit.cpp) through the real host:
// while the third of three steps without external effects runs, the first two are written but
// not committed (another connection sees neither their effects nor their progress); a SIGKILL
// then loses all three, and the restarted host runs them again — each effect (a row test.effects
// writes through orderhost.db in the step's transaction) ends committed exactly once. With
// engine.steps_per_commit = 1 each step is committed on its own, as before batching.
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

namespace orderhost::testing::step_batch_crash_test {
namespace {

Poco::JSON::Object::Ptr parse(const std::string& body) {
    return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
}

const char* const kOrder =
    R"({"order_ref":"BATCH-1","currency":"EUR","customer":{"id":"C-1"},"lines":[{"sku":"SKU-1","quantity":1,"unit_price":5}]})";

class StepBatchCrashTest : public ::testing::TestWithParam<TestBackend> {
protected:
    void SetUp() override {
        folder_ = makeTempDir("orderhost-batch-kill");
        database_ = std::make_unique<TestDatabase>(GetParam(), folder_);
    }
    void TearDown() override {
        host_.reset();
        database_.reset();
        std::filesystem::remove_all(folder_);
    }

    void start(int stepsPerCommit) {
        HostOptions options;
        options.databaseConnection = database_->connectionString();
        options.pluginFolders = ORDERHOST_SCRIPTED_PLUGIN_DIR;
        options.chainsFolder = ORDERHOST_BATCH_CHAINS;
        options.extraSettings["engine.steps_per_commit"] = std::to_string(stepsPerCommit);
        host_ = std::make_unique<HostProcess>(options);
    }

    // Places the order in a thread and looks at what is committed while "slow" sleeps.
    struct Committed {
        int currentStep = -1;
        std::map<std::string, int> effects;
    };
    Committed placeAndLookMidway(std::thread& request) {
        request = std::thread([&] {
            try {
                host_->post("/v1/orders", kOrder);
            } catch (const std::exception&) {
                // The host may die under the request, as planned.
            }
        });
        Poco::Thread::sleep(1500);  // first and second are quick; slow sleeps 3 s
        store::Database db(database_->connectionString(),
                           store::DatabaseOptions{1, 1, 60, std::chrono::milliseconds(5000), false});
        return db.withSession("look", [&](Poco::Data::Session& s) {
            Committed seen;
            std::vector<int> steps;
            s << "SELECT current_step FROM orders WHERE order_ref = 'BATCH-1'", into(steps), now;
            if (!steps.empty()) seen.currentStep = steps.front();
            seen.effects = effects(s);
            return seen;
        });
    }

    // "<step>/<kind>" -> how many times that effect was committed, for every order.
    static std::map<std::string, int> effects(Poco::Data::Session& s) {
        std::vector<std::string> steps, kinds;
        s << "SELECT step, kind FROM effects_log WHERE order_id <> 'duplicate' ORDER BY seq", into(steps), into(kinds),
            now;
        std::map<std::string, int> counts;
        for (std::size_t i = 0; i < steps.size(); ++i) ++counts[steps[i] + "/" + kinds[i]];
        return counts;
    }
    std::map<std::string, int> effects() {
        store::Database db(database_->connectionString(),
                           store::DatabaseOptions{1, 1, 60, std::chrono::milliseconds(5000), false});
        return db.withSession("count effects", [&](Poco::Data::Session& s) { return effects(s); });
    }

    std::string waitForState(const std::string& ref, const std::string& wanted) {
        std::string state;
        for (int i = 0; i < 300 && state != wanted; ++i) {
            const HttpReply reply = host_->get("/v1/orders?order_ref=" + ref);
            if (reply.status == 200) state = parse(reply.body)->getValue<std::string>("state");
            if (state != wanted) Poco::Thread::sleep(50);
        }
        return state;
    }

    std::string folder_;
    std::unique_ptr<TestDatabase> database_;
    std::unique_ptr<HostProcess> host_;
};

TEST_P(StepBatchCrashTest, AKillInsideABatchLosesItWholeAndTheRestartCommitsEachEffectOnce) {
    start(16);
    std::thread request;
    const Committed midway = placeAndLookMidway(request);
    EXPECT_EQ(midway.currentStep, 0) << "first and second must not be committed while slow runs";
    EXPECT_TRUE(midway.effects.empty()) << "an effect of the open batch was visible outside it";
    host_->killHard();
    request.join();
    host_->restart();
    EXPECT_EQ(waitForState("BATCH-1", "completed"), "completed") << host_->log();
    const std::map<std::string, int> once{{"first/run", 1}, {"second/run", 1}, {"slow/run", 1}, {"outside/run", 1}};
    EXPECT_EQ(effects(), once);
}

TEST_P(StepBatchCrashTest, WithOneStepPerCommitEachStepIsCommittedAlone) {
    start(1);
    std::thread request;
    const Committed midway = placeAndLookMidway(request);
    EXPECT_EQ(midway.currentStep, 2);
    const std::map<std::string, int> firstTwo{{"first/run", 1}, {"second/run", 1}};
    EXPECT_EQ(midway.effects, firstTwo);
    request.join();
    EXPECT_EQ(waitForState("BATCH-1", "completed"), "completed");
}

INSTANTIATE_TEST_SUITE_P(Backends, StepBatchCrashTest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::testing::step_batch_crash_test
