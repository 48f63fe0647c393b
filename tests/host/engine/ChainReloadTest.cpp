// planChainReload (engine/ChainReload.h) with the scripted test plugin: what a reload keeps,
// adds, refuses and retires, and that a retired version is never dropped while the host runs
// (failed or completed orders on it may still be cancelled; a cancel chain version may be
// recorded in an order still undoing); that a problem the served set was loaded with is a
// leftover, not a refusal; and that a `when:` counts whole, not as its clipped description.
#include "host/chains/Condition.h"
#include "host/engine/ChainReload.h"
#include "host/engine/ConditionEvaluator.h"
#include "host/services/HostServices.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace orderhost::engine {
namespace {

chains::ChainDefinition chain(const std::string& name, int version, const std::string& config = "{}") {
    chains::StepDefinition step;
    step.name = "only";
    step.plugin = "test.scripted";
    step.stepKind = "scripted";
    step.configJson = config;
    step.location = step.configLocation = {name + ".yaml", 5, 5};
    chains::ChainDefinition definition;
    definition.name = name;
    definition.version = version;
    definition.trigger = "place_order";
    definition.steps = {step};
    definition.location = {name + "-v" + std::to_string(version) + ".yaml", 1, 1};
    return definition;
}

class ChainReloadTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (registry_ != nullptr) return;  // never dlclose
        registry_ = new plugins::PluginRegistry(services::hostInfo(), {});
        ASSERT_NE(registry_->loadFile(std::filesystem::path(ORDERHOST_SCRIPTED_PLUGIN_DIR) / "scripted.so"), nullptr);
    }
    static ChainReloadPlan plan(const ChainSet& current, std::vector<chains::ChainDefinition> files,
                                std::vector<store::ChainInUse> unfinished = {}) {
        chains::ChainDirectoryResult loaded;
        loaded.chains = std::move(files);
        return planChainReload(current, loaded, *registry_, services::systemClockMs,
                               [unfinished] { return unfinished; });
    }
    static inline plugins::PluginRegistry* registry_ = nullptr;
};

TEST_F(ChainReloadTest, UnchangedVersionsAreKeptAsTheyAreAndNewOnesAdded) {
    const ChainSet current = buildChains({chain("place", 1)}, *registry_, services::systemClockMs);
    const ChainReloadPlan next = plan(current, {chain("place", 1), chain("place", 2)});
    ASSERT_TRUE(next.errors.empty()) << next.errors.front().toString();
    EXPECT_EQ(next.kept, std::vector<std::string>{"place v1"});
    EXPECT_EQ(next.added, std::vector<std::string>{"place v2"});
    EXPECT_EQ(next.next.find("place", 1), current.find("place", 1)) << "the same chain, step instances and all";
    EXPECT_EQ(next.next.latest("place")->definition.version, 2);
}

TEST_F(ChainReloadTest, ALoadedVersionWithOtherStepsIsRefusedAskingForTheNextVersion) {
    const ChainSet current = buildChains({chain("place", 1), chain("place", 2)}, *registry_, services::systemClockMs);
    const ChainReloadPlan next = plan(current, {chain("place", 1, R"({"outcome":"fail"})"), chain("place", 2)});
    ASSERT_EQ(next.errors.size(), 1u);
    EXPECT_EQ(next.errors[0].location.file, "place-v1.yaml");
    EXPECT_NE(next.errors[0].message.find("give this file version 3"), std::string::npos) << next.errors[0].message;
}

TEST_F(ChainReloadTest, ARemovedVersionIsRetiredAndStaysWhileTheHostRuns) {
    const ChainReloadPlan first = plan(
        buildChains({chain("place", 1), chain("place", 2)}, *registry_, services::systemClockMs), {chain("place", 2)});
    ASSERT_TRUE(first.errors.empty());
    EXPECT_EQ(first.retired, std::vector<std::string>{"place v1 (0 unfinished order(s))"});
    EXPECT_TRUE(first.next.isRetired("place", 1));
    EXPECT_NE(first.next.find("place", 1), nullptr) << "orders on it still find it";
    EXPECT_EQ(first.next.latest("place")->definition.version, 2);
    // With an unfinished order on it, and with none: retired, still loaded, never dropped.
    EXPECT_EQ(plan(first.next, {chain("place", 2)}, {{"place", 1, 1}}).retired,
              std::vector<std::string>{"place v1 (1 unfinished order(s))"});
    const ChainReloadPlan again = plan(first.next, {chain("place", 2)});
    EXPECT_TRUE(again.dropped.empty());
    EXPECT_TRUE(again.next.isRetired("place", 1));
    EXPECT_NE(again.next.find("place", 1), nullptr);
}

TEST_F(ChainReloadTest, AnUnknownPluginRefusesThePlanWithTheStepsLine) {
    chains::ChainDefinition broken = chain("other", 1);
    broken.steps[0].plugin = "acme.nowhere";
    const ChainReloadPlan next = plan(ChainSet{}, {chain("place", 1), broken});
    ASSERT_EQ(next.errors.size(), 1u);
    EXPECT_EQ(next.errors[0].location.toString(), "other.yaml:5:5");
    EXPECT_NE(next.errors[0].message.find("unknown plugin 'acme.nowhere'"), std::string::npos);
}

// "when /attributes/aaa…a<last> == "x"": two paths that differ only past the description's clip.
chains::ChainDefinition chainWhen(int version, const std::string& last) {
    chains::ChainDefinition definition = chain("place", version);
    auto when = std::make_shared<chains::Condition>();
    when->kind = chains::ConditionKind::Equals;
    when->path = "/attributes/" + std::string(2 * kMaxDescriptionBytes, 'a') + last;
    when->pathParts = {"attributes", when->path.substr(12)};
    when->values = {chains::ConditionValue{chains::ConditionValue::Type::String, "x", 0, false}};
    definition.steps[0].when = when;
    return definition;
}

TEST_F(ChainReloadTest, AConditionChangedPastItsDescriptionsClipIsAChangedVersion) {
    const chains::ChainDefinition loaded = chainWhen(1, "b"), edited = chainWhen(1, "c");
    ASSERT_EQ(describe(*loaded.steps[0].when), describe(*edited.steps[0].when)) << "the test needs a clipped text";
    const ChainReloadPlan next = plan(buildChains({loaded}, *registry_, services::systemClockMs), {edited});
    ASSERT_EQ(next.errors.size(), 1u);
    EXPECT_NE(next.errors[0].message.find("give this file version 2"), std::string::npos) << next.errors[0].message;
    EXPECT_TRUE(plan(buildChains({loaded}, *registry_, services::systemClockMs), {chainWhen(1, "b")}).errors.empty());
}

TEST_F(ChainReloadTest, AProblemTheServedSetWasLoadedWithIsALeftoverAndANewOneARefusal) {
    chains::ChainDefinition broken = chain("other", 1);
    broken.steps[0].plugin = "acme.nowhere";
    const ChainSet current = buildChains({chain("place", 1), broken}, *registry_, services::systemClockMs);
    ASSERT_EQ(current.errors.size(), 1u);  // as at start: "other" left out, "place" serves

    const ChainReloadPlan next = plan(current, {chain("place", 1), broken, chain("place", 2)});
    EXPECT_TRUE(next.errors.empty()) << next.errors.front().toString();
    ASSERT_EQ(next.leftovers.size(), 1u);
    EXPECT_EQ(next.leftovers[0].toString(), current.errors[0].toString());
    EXPECT_EQ(next.next.errors.size(), 1u) << "still a leftover for the reload after";
    EXPECT_EQ(next.added, std::vector<std::string>{"place v2"});

    chains::ChainDefinition otherwise = broken;
    otherwise.steps[0].plugin = "acme.elsewhere";
    const ChainReloadPlan refused = plan(current, {chain("place", 1), otherwise});
    ASSERT_EQ(refused.errors.size(), 1u);
    EXPECT_NE(refused.errors[0].message.find("acme.elsewhere"), std::string::npos);
}

}  // namespace
}  // namespace orderhost::engine
