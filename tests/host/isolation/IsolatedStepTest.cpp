// Steps of an isolated plugin through the real orderhost-plugin-worker and the real
// test.scripted plugin: the call's document changes come back, create() refusals keep their
// reason, a segfault or a hang costs the attempt (a RETRY naming what happened) and the next
// call runs in a new worker with its instance made again. The test process itself never
// maps the plugin library.
#include "host/engine/StepInstance.h"
#include "host/isolation/IsolatedPlugin.h"

#include <gtest/gtest.h>

#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace orderhost::isolation {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const fs::path kPlugin = fs::path(ORDERHOST_SCRIPTED_PLUGIN_DIR) / "scripted.so";
const fs::path kBoundaryPlugin = fs::path(ORDERHOST_BOUNDARY_PLUGIN_DIR) / "boundary.so";

std::string mapsOfThisProcess() {
    std::ifstream in("/proc/self/maps");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

class IsolatedStepTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        plugin_ = new plugins::LoadedPlugin();
        plugin_->isolated = IsolatedPlugin::start(kPlugin, IsolationSettings{ORDERHOST_WORKER_BINARY, 1});
        plugin_->manifest = plugin_->isolated->manifest();
    }
    static void TearDownTestSuite() {
        delete plugin_;
        plugin_ = nullptr;
    }

    static std::unique_ptr<engine::StepInstance> step(const std::string& config) {
        return step(*plugin_, "scripted", config);
    }

    static std::unique_ptr<engine::StepInstance> step(plugins::LoadedPlugin& plugin, const std::string& kindName,
                                                      const std::string& config) {
        chains::StepDefinition definition;
        definition.name = "s";
        definition.plugin = plugin.manifest.id;
        definition.stepKind = kindName;
        definition.configJson = config;
        for (const auto& kind : plugin.manifest.stepKinds) {
            if (kind.name == kindName)
                return std::make_unique<engine::StepInstance>(plugin, kind, definition, "chain",
                                                              services::systemClockMs);
        }
        ADD_FAILURE() << "no step kind 'scripted' in the manifest";
        return nullptr;
    }

    static services::ReportedOutcome run(engine::StepInstance& instance, document::JsonDocument& doc,
                                         const std::atomic<bool>* abandoned = nullptr) {
        engine::StepCallInfo info;
        info.orderId = "O-1";
        info.attempt = 2;
        info.idempotencyKey = "O-1/s";
        info.abandoned = abandoned;
        return instance.run(doc, info);
    }

    static document::JsonDocument emptyOrder() { return std::move(*document::JsonDocument::parse("{}").document); }

    static plugins::LoadedPlugin* plugin_;
};

plugins::LoadedPlugin* IsolatedStepTest::plugin_ = nullptr;

TEST_F(IsolatedStepTest, TheStepRunsInAWorkerAndItsDocumentChangesComeBack) {
    auto instance = step(R"({"outcome":"continue"})");
    document::JsonDocument doc = emptyOrder();
    const services::ReportedOutcome outcome = run(*instance, doc);
    EXPECT_EQ(outcome.kind, OH_OUTCOME_CONTINUE) << outcome.code << ": " << outcome.message;
    std::string trace;
    ASSERT_EQ(doc.getJson("/trace", trace), document::Status::Ok);
    EXPECT_EQ(trace, R"(["s#2"])");  // the step name and attempt crossed as oh_step_call fields
    EXPECT_EQ(plugin_->manifest.id, "test.scripted");
    EXPECT_EQ(mapsOfThisProcess().find("scripted.so"), std::string::npos) << "the plugin was loaded in the host";
}

TEST_F(IsolatedStepTest, OutcomesCrossWithTheirCodesAndMessages) {
    auto instance = step(R"({"outcome":"reject"})");
    document::JsonDocument doc = emptyOrder();
    const services::ReportedOutcome outcome = run(*instance, doc);
    EXPECT_EQ(outcome.kind, OH_OUTCOME_REJECT);
    EXPECT_EQ(outcome.code, "scripted_reject");
    EXPECT_EQ(outcome.message, "rejected as asked");
}

TEST_F(IsolatedStepTest, ARefusedConfigKeepsThePluginsReason) {
    try {
        step(R"({"outcome":"refuse-config"})");
        FAIL() << "the step was created";
    } catch (const engine::StepCreateError& e) {
        EXPECT_NE(std::string(e.what()).find("refused as asked"), std::string::npos) << e.what();
    }
}

TEST_F(IsolatedStepTest, ASegfaultIsARetryNamingTheSignalAndTheNextCallRunsInANewWorker) {
    auto fine = step(R"({"outcome":"continue"})");
    auto crashing = step(R"({"outcome":"crash"})");
    document::JsonDocument doc = emptyOrder();
    ASSERT_EQ(run(*fine, doc).kind, OH_OUTCOME_CONTINUE);

    document::JsonDocument crashed = emptyOrder();
    const services::ReportedOutcome outcome = run(*crashing, crashed);
    EXPECT_EQ(outcome.kind, OH_OUTCOME_RETRY);
    EXPECT_EQ(outcome.code, "plugin_worker_crashed");
    EXPECT_NE(outcome.message.find("signal 11"), std::string::npos) << outcome.message;
    EXPECT_NE(outcome.message.find(kPlugin.string()), std::string::npos) << outcome.message;

    // The instance made before the crash is made again in the new worker, from its config.
    document::JsonDocument after = emptyOrder();
    EXPECT_EQ(run(*fine, after).kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(plugin_->isolated->runningProcesses(), 1u);
}

TEST_F(IsolatedStepTest, AnAbandonedCallKillsTheWorkerAndReturnsAtOnce) {
    auto hanging = step(R"({"sleep_ms":600000})");
    auto fine = step(R"({"outcome":"continue"})");
    std::atomic<bool> abandoned{false};
    std::thread runner([&] {
        std::this_thread::sleep_for(100ms);
        abandoned = true;  // what the chain runner does when timeout_ms passes
    });
    const auto start = std::chrono::steady_clock::now();
    document::JsonDocument doc = emptyOrder();
    const services::ReportedOutcome outcome = run(*hanging, doc, &abandoned);
    runner.join();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << "the host thread stayed with the hung plugin";
    EXPECT_EQ(outcome.kind, OH_OUTCOME_RETRY);
    EXPECT_EQ(outcome.code, "timeout");

    document::JsonDocument after = emptyOrder();
    EXPECT_EQ(run(*fine, after).kind, OH_OUTCOME_CONTINUE) << "the worker was not restarted";
}

// The in-process twin is PluginBoundaryTest.ATextWithANullPointerAndALength…: the same
// statuses, and the same unreadable outcome, through the worker's frames.
TEST_F(IsolatedStepTest, ANullPointerWithALengthIsRefusedByEveryServiceAsInProcess) {
    plugins::LoadedPlugin boundary;
    boundary.isolated = IsolatedPlugin::start(kBoundaryPlugin, IsolationSettings{ORDERHOST_WORKER_BINARY, 1});
    boundary.manifest = boundary.isolated->manifest();
    auto refusing = step(boundary, "boundary", R"({"action":"null_texts"})");
    document::JsonDocument doc = std::move(*document::JsonDocument::parse(R"({"order_ref":"N-1"})").document);
    const services::ReportedOutcome outcome = run(*refusing, doc);
    EXPECT_EQ(outcome.code, "nulls_refused") << outcome.message;
    std::string statuses;
    ASSERT_EQ(doc.getJson("/seen/null_statuses", statuses), document::Status::Ok) << doc.toJson();
    std::string invalid = "[";
    for (int i = 0; i < 9; ++i) invalid += (i ? "," : "") + std::to_string(OH_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(statuses, invalid + "]");
    EXPECT_EQ(doc.toJson().find("clobbered"), std::string::npos) << doc.toJson();

    auto unreadable = step(boundary, "boundary", R"({"action":"null_texts","then":"null_code"})");
    document::JsonDocument second = emptyOrder();
    const services::ReportedOutcome failed = run(*unreadable, second);
    EXPECT_EQ(failed.kind, OH_OUTCOME_FAIL);
    EXPECT_EQ(failed.code, "unreadable_outcome");
    EXPECT_NE(failed.message.find("code has a NULL pointer with length 3"), std::string::npos) << failed.message;
}

TEST_F(IsolatedStepTest, AWorkerInheritsNoDescriptorOfTheHost) {
    // Like a Poco socket: no close-on-exec. A worker started now must not hold it open.
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    auto crashing = step(R"({"outcome":"crash"})");
    auto fine = step(R"({"outcome":"continue"})");
    document::JsonDocument doc = emptyOrder();
    ASSERT_EQ(run(*crashing, doc).code, "plugin_worker_crashed");
    ASSERT_EQ(run(*fine, doc).kind, OH_OUTCOME_CONTINUE);  // a new worker, started after the pipe
    ::close(fds[1]);
    pollfd reader{fds[0], POLLIN, 0};
    ASSERT_EQ(::poll(&reader, 1, 2000), 1) << "the worker holds the pipe's write end";
    char byte;
    EXPECT_EQ(::read(fds[0], &byte, 1), 0);  // EOF: nobody else has it
    ::close(fds[0]);
}

}  // namespace
}  // namespace orderhost::isolation
