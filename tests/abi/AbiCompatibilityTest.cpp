// ABI stability as a tested property (DESIGN.md, ABI rule 10): plugins built from a FROZEN copy
// of every released header (tests/abi/frozen/1.0, 1.1) and from a made-up "future minor"
// (tests/abi/future: 1.3, larger oh_plugin_info, oh_step_kind, oh_outcome and oh_step_call)
// load through the real loader and run in one real chain, on every test backend. The plugin
// (plugins/abi_compat_plugin.c) writes what it saw into the order; the test reads it back.
#include "tests/host/engine/EngineTestFixture.h"

#include "host/document/JsonDocument.h"

namespace orderhost::engine {
namespace {

class AbiCompatibilityTest : public ChainRunnerTest {
protected:
    static void SetUpTestSuite() {
        ChainRunnerTest::SetUpTestSuite();
        static bool loaded = false;
        if (loaded) return;
        for (const char* file : {"abi_compat_1_0.so", "abi_compat_1_1.so", "abi_compat_future.so"}) {
            ASSERT_NE(registry_->loadFile(fs::path(ORDERHOST_ABI_PLUGIN_DIR) / file), nullptr) << file;
        }
        loaded = true;
    }

    static chains::StepDefinition compatStep(const std::string& plugin) {
        chains::StepDefinition s = step(plugin, "{}");
        s.plugin = plugin;
        s.stepKind = "compat";
        s.timeoutMs = 5000;
        return s;
    }

    std::string read(const document::JsonDocument& doc, const std::string& path) {
        std::string json;
        EXPECT_EQ(doc.getJson(path, json), document::Status::Ok) << path;
        return json;
    }
};

TEST_P(AbiCompatibilityTest, TheManifestsOfEveryVersionAreAccepted) {
    for (const auto& [id, minor] :
         std::vector<std::pair<std::string, int>>{{"test.abi10", 0}, {"test.abi11", 1}, {"test.abifuture", 3}}) {
        const plugins::LoadedPlugin* plugin = registry_->find(id);
        ASSERT_NE(plugin, nullptr) << id;
        EXPECT_EQ(plugin->manifest.abiMajor, 1) << id;
        EXPECT_EQ(plugin->manifest.abiMinor, minor) << id;
        ASSERT_EQ(plugin->manifest.stepKinds.size(), 1u) << id;
        EXPECT_EQ(plugin->manifest.stepKinds[0].name, "compat") << id;
        // Bit 0x4 (OH_STEP_ANSWERS_QUOTES since 1.2) is set by every build; only a plugin built
        // against 1.2 or later means it, so only that one may be called in quote mode.
        EXPECT_EQ((plugin->manifest.stepKinds[0].flags & OH_STEP_ANSWERS_QUOTES) != 0, minor >= 2) << id;
    }
}

TEST_P(AbiCompatibilityTest, PluginsOfTheFrozenAndFutureHeadersRunInOneChain) {
    const store::OrderRecord order =
        runChain({compatStep("test.abi10"), compatStep("test.abi11"), compatStep("test.abifuture")}, "R-1",
                 R"({"order_ref":"R-1","customer":"C-7","total":11900,"rush":true})");
    ASSERT_EQ(order.state, states::kCompleted) << order.document;
    EXPECT_EQ(outcomes(order.id), (Outcomes{"test.abi10:continue", "test.abi11:continue", "test.abifuture:continue"}));
    // In-process steps too: only the step of a plugin built against 1.2 or later answers quotes.
    const auto chain = chains_.latest("test-chain");
    ASSERT_NE(chain, nullptr);
    EXPECT_FALSE(chain->steps[0]->answersQuotes());
    EXPECT_FALSE(chain->steps[1]->answersQuotes());
    EXPECT_TRUE(chain->steps[2]->answersQuotes());
    for (const auto& run : store_->stepRuns(order.id)) EXPECT_EQ(run.code, "compat_ok") << run.stepName;

    auto parsed = document::JsonDocument::parse(order.document);
    ASSERT_TRUE(parsed.ok());
    const document::JsonDocument& doc = *parsed.document;
    // 1.0: the 1.0 services and orderhost.db/1 work, and its 72-byte oh_outcome is read.
    EXPECT_EQ(read(doc, "/compat/test.abi10/abi"), "0");
    EXPECT_EQ(read(doc, "/compat/test.abi10/host_minor"), std::to_string(OH_ABI_MINOR));
    EXPECT_EQ(read(doc, "/compat/test.abi10/customer"), "\"C-7\"");
    EXPECT_EQ(read(doc, "/compat/test.abi10/total"), "11900");
    // (1 or "1": how SQLite's driver types a computed column is the safety work's concern)
    EXPECT_EQ(read(doc, "/compat/test.abi10/db_one").rfind("[{\"one\":", 0), 0u);
    // 1.1: the deadline (the fixture's clock says 42; timeout_ms 5000) and get_bool.
    EXPECT_EQ(read(doc, "/compat/test.abi11/abi"), "1");
    EXPECT_EQ(read(doc, "/compat/test.abi11/deadline_ms"), "5042");
    EXPECT_EQ(read(doc, "/compat/test.abi11/rush"), "true");
    // The future minor: larger structs accepted; the host's smaller oh_step_call is detected.
    EXPECT_EQ(read(doc, "/compat/test.abifuture/abi"), "3");
    EXPECT_EQ(read(doc, "/compat/test.abifuture/rush"), "true");
    EXPECT_EQ(read(doc, "/compat/test.abifuture/future_call_field"), "false");
}

INSTANTIATE_TEST_SUITE_P(Backends, AbiCompatibilityTest, ::testing::ValuesIn(testing::testBackends()),
                         testing::backendName);

}  // namespace
}  // namespace orderhost::engine
