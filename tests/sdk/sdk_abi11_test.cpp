// The SDK's wrappers of the ABI 1.1 additions, each on a 1.1 host (FakeHost::services11) and
// on a 1.0 host (FakeHost::services, where they must degrade as plugin_api.h says).
#include "fake_host.hpp"

#include <orderhost/sdk.hpp>

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace sdk = orderhost::sdk;
using orderhost::testing::FakeHost;

namespace {

constexpr char kAbi11Order[] = R"({"flag":true,"off":false,"nothing":null,"count":1,"text":"true",
  "attrs":{"a":1,"b/c":2},"lines":["x","y","z"]})";

struct HostLevel {
    const char* name;
    const oh_host_services& (*services)();
    bool is11;
};
void PrintTo(const HostLevel& level, std::ostream* os) { *os << level.name; }

class SdkOnEachHost : public ::testing::TestWithParam<HostLevel> {
protected:
    SdkOnEachHost() : host_(kAbi11Order) {
        host_.deadline_ms = 1700000005000;
        call_ = host_.stepCall();
    }
    const oh_host_services& services() { return GetParam().services(); }
    sdk::OrderDocument order() { return sdk::OrderDocument(services(), host_.context()); }
    sdk::StepCall call() { return sdk::StepCall(services(), call_); }

    FakeHost host_;
    oh_step_call call_{};
};

oh_status statusOf(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const sdk::Error& e) {
        return e.status();
    }
    return OH_STATUS_OK;
}

TEST_P(SdkOnEachHost, BooleansAreReadOnlyFromJsonBooleans) {
    EXPECT_TRUE(order().boolean("/flag"));
    EXPECT_FALSE(order().boolean("/off"));
    EXPECT_EQ(order().optionalBoolean("/nothing"), std::nullopt);
    EXPECT_EQ(order().optionalBoolean("/missing"), std::nullopt);
    EXPECT_EQ(order().optionalBoolean("/flag"), true);
    EXPECT_EQ(statusOf([&] { order().boolean("/count"); }), OH_STATUS_TYPE_MISMATCH);
    EXPECT_EQ(statusOf([&] { order().boolean("/text"); }), OH_STATUS_TYPE_MISMATCH);
    EXPECT_EQ(statusOf([&] { order().optionalBoolean("/count"); }), OH_STATUS_TYPE_MISMATCH);
    EXPECT_EQ(statusOf([&] { order().boolean("/missing"); }), OH_STATUS_NOT_FOUND);
}

TEST_P(SdkOnEachHost, KeysListAnObjectsMembersUnescaped) {
    EXPECT_EQ(order().keys("/attrs"), (std::vector<std::string>{"a", "b/c"}));
    EXPECT_EQ(statusOf([&] { order().keys("/lines"); }), OH_STATUS_TYPE_MISMATCH);
    EXPECT_EQ(statusOf([&] { order().keys("/missing"); }), OH_STATUS_NOT_FOUND);
}

TEST_P(SdkOnEachHost, RemoveTakesTheValueAwayOrNullsItOnA10Host) {
    EXPECT_TRUE(order().remove("/attrs/a"));
    EXPECT_FALSE(order().remove("/nope"));
    EXPECT_TRUE(order().remove("/lines/0"));
    if (GetParam().is11) {
        EXPECT_EQ(host_.orderJson("/attrs"), R"({"b/c":2})");
        EXPECT_EQ(host_.orderJson("/lines"), R"(["y","z"])");
    } else {  // plugin_api.h: "On a 1.0 host: set the value to null with set_json."
        EXPECT_EQ(host_.orderJson("/attrs/a"), "null");
        EXPECT_EQ(host_.orderJson("/lines"), R"([null,"y","z"])");
    }
    EXPECT_EQ(order().optionalInteger("/attrs/a"), std::nullopt) << "absent either way for optional reads";
}

TEST_P(SdkOnEachHost, DeadlineAndAbandonmentComeFromTheCallAndTheHost) {
    EXPECT_EQ(call().deadlineMs(), 1700000005000);
    EXPECT_FALSE(call().abandoned());
    host_.abandoned = true;
    EXPECT_EQ(call().abandoned(), GetParam().is11) << "a 1.0 host cannot tell: never abandoned";
    oh_step_call old = call_;
    old.struct_size = OH_SIZE_1_0_STEP_CALL;  // what a 1.0 host passes
    EXPECT_EQ(sdk::StepCall(services(), old).deadlineMs(), 0);
}

TEST_P(SdkOnEachHost, EventsAreEmittedOrRefusedAsUnavailable) {
    sdk::Events events = call().events();
    EXPECT_EQ(events.available(), GetParam().is11);
    if (GetParam().is11) {
        events.emit("invoice.issued", R"({"n":1})");
        events.emit("invoice.sent");
        EXPECT_EQ(host_.events, (std::vector<std::pair<std::string, std::string>>{{"invoice.issued", R"({"n":1})"},
                                                                                  {"invoice.sent", ""}}));
        EXPECT_EQ(statusOf([&] { events.emit(""); }), OH_STATUS_INVALID_ARGUMENT);
    } else {
        EXPECT_EQ(statusOf([&] { events.emit("invoice.issued"); }), OH_STATUS_UNAVAILABLE);
    }
}

TEST_P(SdkOnEachHost, ThePluginLoggerNeedsNoCallAndIsSilentOnA10Host) {
    static const oh_plugin_info* const info = reinterpret_cast<const oh_plugin_info*>(&kAbi11Order);
    FakeHost::pluginLogs().clear();
    sdk::PluginLogger log(&services(), info);
    EXPECT_EQ(log.available(), GetParam().is11);
    log.warn("sync thread: ", 3, " retries");
    if (GetParam().is11) {
        ASSERT_EQ(FakeHost::pluginLogs().size(), 1u);
        EXPECT_EQ(FakeHost::pluginLogs()[0].first, info);
        EXPECT_EQ(FakeHost::pluginLogs()[0].second, "sync thread: 3 retries");
    } else {
        EXPECT_TRUE(FakeHost::pluginLogs().empty());
    }
    EXPECT_FALSE(sdk::PluginLogger(nullptr, info).available()) << "before the entry ran";
}

INSTANTIATE_TEST_SUITE_P(Hosts, SdkOnEachHost,
                         ::testing::Values(HostLevel{"Abi10Host", &FakeHost::services, false},
                                           HostLevel{"Abi11Host", &FakeHost::services11, true}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(SdkRetryable, BecomesTheRetryableStatusWithItsMessageReported) {
    FakeHost host;
    const oh_host_services* saved = sdk::detail::g_services;
    sdk::detail::g_services = &FakeHost::services11();
    const oh_status status =
        sdk::detail::guarded(host.context(), false, []() -> oh_status { throw sdk::Retryable("deadlock detected"); });
    sdk::detail::g_services = saved;
    EXPECT_EQ(status, OH_STATUS_RETRYABLE);
    EXPECT_EQ(host.errors, (std::vector<std::string>{"deadlock detected"}));
    EXPECT_STREQ(sdk::statusName(OH_STATUS_RETRYABLE), "retryable");
}

class QuietStep : public sdk::Step {
public:
    sdk::Outcome run(sdk::StepCall&) override { return sdk::Outcome::proceed(); }
};

TEST(SdkStepFlags, NoExternalEffectsIsSetThroughOrderhostStep) {
    constexpr oh_step_kind kind = ORDERHOST_STEP(QuietStep, "quiet", OH_CATEGORY_VALIDATION, "no effects", "",
                                                 OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS);
    EXPECT_EQ(kind.flags, OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS);
}

}  // namespace
