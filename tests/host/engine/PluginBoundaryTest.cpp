// What the engine makes of a plugin at the ABI boundary, through a real C plugin
// (tests/fixtures/plugins/boundary_plugin.c) loaded by the real loader, on every backend:
// OH_STATUS_RETRYABLE, unreadable or missing outcomes, compensate() outcomes, hostile text
// (issue 8, finding 8), the 1.1 document services, orderhost.events/1 and abandoned calls.
#include "tests/host/engine/EngineTestFixture.h"

#include "host/document/JsonDocument.h"
#include "host/store/Outbox.h"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace orderhost::engine {
namespace {

// Everything logged while it exists, at every level.
class LogCapture {
public:
    LogCapture() : previous_(spdlog::default_logger()) {
        auto logger =
            std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(out_));
        logger->set_level(spdlog::level::trace);
        logger->set_pattern("%l %v");
        spdlog::set_default_logger(logger);
    }
    ~LogCapture() { spdlog::set_default_logger(previous_); }
    std::string text() {
        spdlog::default_logger()->flush();
        return out_.str();
    }

private:
    std::ostringstream out_;
    std::shared_ptr<spdlog::logger> previous_;
};

bool isValidUtf8WithoutControls(const std::string& text) {
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t length = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
        if (length == 0 || i + length > text.size()) return false;
        if (length == 1 && (c < 0x20 || c == 0x7F) && c != '\t') return false;
        for (std::size_t k = 1; k < length; ++k)
            if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
        i += length;
    }
    return true;
}

class PluginBoundaryTest : public ChainRunnerTest {
protected:
    static void SetUpTestSuite() {
        ChainRunnerTest::SetUpTestSuite();
        static bool loaded = false;
        if (loaded) return;
        ASSERT_NE(registry_->loadFile(fs::path(ORDERHOST_BOUNDARY_PLUGIN_DIR) / "boundary.so"), nullptr);
        loaded = true;
    }

    static chains::StepDefinition boundary(const std::string& name, const std::string& config, int attempts = 1) {
        chains::StepDefinition s = step(name, config, attempts);
        s.plugin = "test.boundary";
        s.stepKind = "boundary";
        return s;
    }

    std::string json(const store::OrderRecord& order, const std::string& path) {
        auto parsed = document::JsonDocument::parse(order.document);
        std::string value;
        EXPECT_TRUE(parsed.ok() && parsed.document->getJson(path, value) == document::Status::Ok)
            << path << " in " << order.document;
        return value;
    }

    std::vector<store::OutboxEvent> events(const std::string& orderId) {
        return store::OutboxReader(*db_).eventsOfOrder(orderId, 100);
    }
};

TEST_P(PluginBoundaryTest, RetryableStatusFromRunRetriesTheStepInsteadOfFailingIt) {
    const auto order = runChain({boundary("b", R"({"action":"retryable"})", 2)});
    EXPECT_EQ(outcomes(order.id), (Outcomes{"b:retry", "b:retry"}));
    const auto runs = store_->stepRuns(order.id);
    EXPECT_EQ(runs.front().code, "plugin_retryable");
    EXPECT_EQ(runs.front().message, "deadlock detected");
    EXPECT_EQ(runs.back().code, "retries_exhausted");
    EXPECT_EQ(order.state, states::kFailed);
}

TEST_P(PluginBoundaryTest, RetryableStatusFromCompensateRetriesTheUndo) {
    const auto order =
        runChain({boundary("b", R"({"action":"silent","undo":"retryable"})", 2), step("s", R"({"outcome":"fail"})")});
    EXPECT_EQ(outcomes(order.id), (Outcomes{"b:continue", "s:fail", "b:undo_retry", "b:undo_failed"}));
    EXPECT_EQ(order.state, states::kOnHold);
}

TEST_P(PluginBoundaryTest, RejectOrSuspendFromCompensateIsAnUndoThatFailed) {
    for (const std::string undo : {"reject", "suspend"}) {
        const auto order = runChain(
            {boundary("b", R"({"action":"silent","undo":")" + undo + R"("})"), step("s", R"({"outcome":"fail"})")},
            undo == "reject" ? "R-1" : "R-2");
        EXPECT_EQ(outcomes(order.id), (Outcomes{"b:continue", "s:fail", "b:undo_failed"})) << undo;
        EXPECT_EQ(store_->stepRuns(order.id).back().code, "invalid_compensation") << undo;
        EXPECT_EQ(order.state, states::kOnHold) << undo;
        EXPECT_EQ(order.awaitingSignal, chains::kManualActionSignal) << undo;
    }
}

TEST_P(PluginBoundaryTest, AnOutcomeTooSmallToReadFailsTheStepWithALoggedReason) {
    LogCapture log;
    const auto order = runChain({boundary("b", R"({"action":"tiny_outcome"})")});
    EXPECT_EQ(outcomes(order.id), (Outcomes{"b:fail"}));
    EXPECT_EQ(store_->stepRuns(order.id).front().code, "unreadable_outcome");
    EXPECT_EQ(order.state, states::kFailed);
    EXPECT_NE(log.text().find("oh_outcome of struct_size 8; ABI 1.0 requires at least 72"), std::string::npos)
        << log.text();
}

// plugin_api.h allows ptr == NULL only with len 0. A NULL path of length 5 was read as "", the
// whole document: set_json replaced the order with {"clobbered":true} and the chain went on.
TEST_P(PluginBoundaryTest, ATextWithANullPointerAndALengthIsRefusedByEveryServiceNotReadAsEmpty) {
    const auto order = runChain({boundary("b", R"({"action":"null_texts"})")}, "N-1", R"({"order_ref":"N-1"})");
    ASSERT_EQ(order.state, states::kCompleted) << order.document;
    std::string invalid = "[";
    for (int i = 0; i < 9; ++i) invalid += (i ? "," : "") + std::to_string(OH_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(json(order, "/seen/null_statuses"), invalid + "]")
        << "get_json, get_string, get_int, get_bool, set_json path, set_json value, remove_value, db, emit";
    EXPECT_EQ(json(order, "/order_ref"), "\"N-1\"");
    EXPECT_EQ(order.document.find("clobbered"), std::string::npos) << order.document;
    EXPECT_EQ(store_->stepRuns(order.id).front().code, "nulls_refused");
}

TEST_P(PluginBoundaryTest, AnOutcomeWhoseCodeHasANullPointerAndALengthIsUnreadable) {
    LogCapture log;
    const auto order = runChain({boundary("b", R"({"action":"null_texts","then":"null_code"})")});
    EXPECT_EQ(order.state, states::kFailed);
    EXPECT_EQ(store_->stepRuns(order.id).front().code, "unreadable_outcome");
    EXPECT_NE(log.text().find("the oh_outcome's code has a NULL pointer with length 3"), std::string::npos)
        << log.text();
}

TEST_P(PluginBoundaryTest, ARunThatReportsNothingContinuesAndSaysSoAtDebugLevel) {
    LogCapture log;
    const auto order = runChain({boundary("b", R"({"action":"silent"})")});
    EXPECT_EQ(order.state, states::kCompleted);
    EXPECT_NE(log.text().find("debug [test.boundary] chain=test-chain step=b order=" + order.id +
                              ": run() returned OK without reporting an outcome: CONTINUE"),
              std::string::npos)
        << log.text();
}

TEST_P(PluginBoundaryTest, HostileTextIsCleanedBeforeItIsStoredLoggedOrPublished) {
    LogCapture log;
    // On PostgreSQL the raw bytes failed the commit (SQLSTATE 22021) and the order re-ran forever.
    const auto order = runChain({boundary("b", R"({"action":"hostile_text","then":"reject"})")});
    ASSERT_EQ(order.state, states::kRejected);
    const auto run = store_->stepRuns(order.id).front();
    EXPECT_EQ(run.code, "bad__code_");
    EXPECT_TRUE(isValidUtf8WithoutControls(run.message)) << run.message;
    EXPECT_EQ(run.message,
              "caf\xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD nul:\xEF\xBF\xBD nl:\xEF\xBF\xBD FORGED host line"
              "\xEF\xBF\xBD esc:\xEF\xBF\xBD[31mred\xEF\xBF\xBD[0m");
    for (const auto& event : events(order.id)) EXPECT_TRUE(isValidUtf8WithoutControls(event.payloadJson));

    const std::string text = log.text();
    EXPECT_EQ(text.find('\x1b'), std::string::npos) << "an ANSI escape reached the log";
    EXPECT_EQ(text.find("\nFORGED"), std::string::npos) << text;
    EXPECT_EQ(text.find("\n FORGED"), std::string::npos) << text;
    EXPECT_NE(text.find("order=" + order.id +
                        ": caf\xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD nul:\\x00 nl:\\n FORGED host line\\r"
                        " esc:\\x1b[31mred\\x1b[0m"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("warning [test.boundary]: caf"), std::string::npos) << "log_plugin is tagged with the id";
    EXPECT_NE(text.find("warning [unknown plugin]: from a pointer the host never saw"), std::string::npos) << text;
    EXPECT_NE(text.find("report_outcome: code is not printable ASCII"), std::string::npos) << text;
}

TEST_P(PluginBoundaryTest, TheDocumentServicesOf11ReadKeysBooleansAndRemoveValues) {
    LogCapture log;
    const auto order =
        runChain({boundary("b", R"({"action":"services"})")}, "R-1",
                 R"({"order_ref":"R-1","rush":true,"total":5,"attrs":{"b":1,"a":2,"c/d":3},"lines":["x","y"]})");
    ASSERT_EQ(order.state, states::kCompleted) << order.document;
    EXPECT_EQ(json(order, "/seen/rush_status"), "0");
    EXPECT_EQ(json(order, "/seen/rush"), "1");
    EXPECT_EQ(json(order, "/seen/bool_of_int"), std::to_string(OH_STATUS_TYPE_MISMATCH));
    EXPECT_EQ(json(order, "/seen/keys"), R"(["b","a","c/d"])") << "document order, unescaped";
    EXPECT_EQ(json(order, "/seen/key_past_end"), std::to_string(OH_STATUS_NOT_FOUND));
    EXPECT_EQ(json(order, "/seen/key_of_array"), std::to_string(OH_STATUS_TYPE_MISMATCH));
    EXPECT_EQ(json(order, "/seen/remove_member"), "0");
    EXPECT_EQ(json(order, "/seen/remove_element"), "0");
    EXPECT_EQ(json(order, "/seen/remove_missing"), std::to_string(OH_STATUS_NOT_FOUND));
    EXPECT_EQ(json(order, "/seen/remove_root"), std::to_string(OH_STATUS_INVALID_ARGUMENT));
    EXPECT_EQ(json(order, "/attrs"), R"({"a":2,"c/d":3})");
    EXPECT_EQ(json(order, "/lines"), R"(["y"])");
    EXPECT_EQ(json(order, "/seen/abandoned"), "0");
    EXPECT_EQ(json(order, "/seen/deadline_ms"), "30042") << "start (the test clock: 42) + timeout_ms (30000)";
    EXPECT_NE(log.text().find("info [test.boundary]: services checked"), std::string::npos) << log.text();
}

TEST_P(PluginBoundaryTest, EmittedEventsAreCommittedWithTheCheckpointAfterTheHostsOwn) {
    const auto order = runChain({boundary("b", R"({"action":"emit","then":"continue"})")});
    ASSERT_EQ(order.state, states::kCompleted);
    EXPECT_EQ(json(order, "/seen/emit_statuses"), "[0,0,1,1,1,1]");
    const auto written = events(order.id);
    ASSERT_EQ(written.size(), 3u);
    EXPECT_EQ(written[0].type, "order.completed");
    EXPECT_EQ(written[1].type, "invoice.issued");
    EXPECT_EQ(written[1].payloadJson,
              R"({"order_id":")" + order.id +
                  R"(","chain":"test-chain","chain_version":1,"step":"b",)"
                  R"("plugin_id":"test.boundary","data":{"invoice":"INV-1","total_minor":11900}})");
    EXPECT_EQ(written[2].type, "invoice.sent");
    EXPECT_NE(written[2].payloadJson.find(R"("data":{})"), std::string::npos) << written[2].payloadJson;
}

TEST_P(PluginBoundaryTest, EventsOfARetryOrAFailureAreDropped) {
    for (const std::string then : {"retry", "fail"}) {
        const auto order =
            runChain({boundary("b", R"({"action":"emit","then":")" + then + R"("})")}, then == "retry" ? "R-1" : "R-2");
        EXPECT_EQ(order.state, states::kFailed) << then;
        for (const auto& event : events(order.id)) EXPECT_EQ(event.type.rfind("invoice.", 0), std::string::npos);
    }
}

TEST_P(PluginBoundaryTest, AnAbandonedCallGetsItsDeadlineAndEveryServiceRefusesIt) {
    LogCapture log;
    const std::string reportFile = (folder_ / "abandoned.json").string();
    auto slow = boundary("b", R"({"action":"wait_abandon","report_file":")" + reportFile + R"("})");
    slow.timeoutMs = 300;
    const auto order = runChain({slow});
    EXPECT_EQ(outcomes(order.id), (Outcomes{"b:timeout"}));
    // The plugin notices within 10 ms, writes its report and returns.
    for (int i = 0; i < 500 && (!fs::exists(reportFile) || engine_->workers().busyCount() > 0); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_EQ(engine_->workers().busyCount(), 0u);
    std::ifstream in(reportFile);
    const std::string report((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string abandoned = std::to_string(OH_STATUS_ABANDONED);
    EXPECT_EQ(report, R"({"abandoned":1,"deadline_ms":342,"set_json":)" + abandoned + R"(,"get_json":)" + abandoned +
                          R"(,"get_bool":)" + abandoned + R"(,"remove_value":)" + abandoned + R"(,"db":)" + abandoned +
                          R"(,"emit":)" + abandoned + "}");
    EXPECT_EQ(log.text().find("this line must not appear"), std::string::npos) << log.text();
    EXPECT_EQ(store_->findById(order.id)->document.find("late"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, PluginBoundaryTest, ::testing::ValuesIn(testing::testBackends()),
                         testing::backendName);

}  // namespace
}  // namespace orderhost::engine
