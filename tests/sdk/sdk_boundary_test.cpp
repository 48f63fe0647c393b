// The SDK's noexcept boundary, tested as the host sees it: through orderhost_plugin_entry and
// the oh_step_kind function pointers of a test plugin defined in this file.
#include "fake_host.hpp"

#include <orderhost/sdk.hpp>

#include <gtest/gtest.h>

#include <cstring>
#include <ostream>
#include <stdexcept>
#include <string>

namespace sdk = orderhost::sdk;
using orderhost::testing::FakeHost;

namespace {

// Behaves as its config says: refuses it, throws, or returns the outcome named in "outcome".
class ScriptedStep : public sdk::Step {
public:
    explicit ScriptedStep(sdk::CreateContext& ctx) {
        sdk::Document config = ctx.config();
        if (config.has("/refuse")) throw sdk::ConfigError("refuse", "must not be set");
        if (config.has("/ctor_throws")) throw std::runtime_error("boom in constructor");
        limit_ = config.optionalInteger("/limit").value_or(0);
        outcome_ = config.optionalString("/outcome").value_or("proceed");
    }

    sdk::Outcome run(sdk::StepCall& call) override {
        if (outcome_ == "reject") return sdk::Outcome::reject("unknown_sku", "line 0: unknown SKU");
        if (outcome_ == "retry") return sdk::Outcome::retry("gateway down", 2500);
        if (outcome_ == "suspend")
            return sdk::Outcome::suspend("credit_approval", "over limit", 60000).withCode("credit_limit_exceeded");
        if (outcome_ == "fail") return sdk::Outcome::fail("broken", "cannot succeed");
        if (outcome_ == "throw_std") throw std::logic_error("boom in run");
        if (outcome_ == "throw_int") throw 42;
        if (outcome_ == "missing") call.order().string("/customer/id");
        return sdk::Outcome::proceed();
    }

private:
    std::int64_t limit_ = 0;
    std::string outcome_;
};

// Writes what StepCall exposes into the order, so a test can compare it with the call args.
class EchoStep : public sdk::Step {
public:
    sdk::Outcome run(sdk::StepCall& call) override {
        sdk::OrderDocument order = call.order();
        order.set("/echo/order_id", call.orderId());
        order.set("/echo/idempotency_key", call.idempotencyKey());
        order.set("/echo/step", call.stepName());
        order.set("/echo/attempt", call.attempt());
        order.set("/echo/now", call.nowMs());
        call.log().info("echoed attempt ", call.attempt());
        return sdk::Outcome::proceed();
    }
};

class UndoingStep : public sdk::Step {
public:
    sdk::Outcome run(sdk::StepCall&) override { return sdk::Outcome::proceed(); }
    sdk::Outcome compensate(sdk::StepCall&) override {
        return sdk::Outcome::retry("release later").withCode("undo_pending");
    }
};

}  // namespace

ORDERHOST_PLUGIN("test.scripted", "0.1.0", "tests", "SDK boundary tests",
                 ORDERHOST_STEP(ScriptedStep, "scripted", OH_CATEGORY_OTHER, "Does what its config says", "", 0),
                 ORDERHOST_STEP(EchoStep, "echo", OH_CATEGORY_NOTIFICATION, "Echoes the call", "", OH_STEP_THREAD_SAFE),
                 ORDERHOST_STEP(UndoingStep, "undo", OH_CATEGORY_PAYMENT, "Has a compensation", "{}", 0));

namespace {

const oh_plugin_info& load() {
    FakeHost host;
    oh_host_info info = host.hostInfo();
    const oh_plugin_info* plugin = orderhost_plugin_entry(&info);
    if (plugin == nullptr) throw std::runtime_error("entry refused a matching host");
    return *plugin;
}

const oh_step_kind& kind(const char* name) {
    const oh_plugin_info& plugin = load();
    for (std::uint32_t i = 0; i < plugin.step_kind_count; ++i)
        if (std::string(plugin.step_kinds[i]->name.ptr, plugin.step_kinds[i]->name.len) == name)
            return *plugin.step_kinds[i];
    throw std::runtime_error(std::string("no step kind ") + name);
}

// Creates a `name` instance with `config`; returns the status and keeps the instance.
struct Created {
    oh_status status;
    void* instance;
};
Created create(FakeHost& host, const char* name) {
    oh_create_args args = host.createArgs();
    void* instance = reinterpret_cast<void*>(0x1);  // must be reset by create()
    oh_status st = kind(name).create(&args, &instance);
    return {st, instance};
}

oh_status runOnce(FakeHost& host, const char* name) {
    Created created = create(host, name);
    if (created.status != OH_STATUS_OK) return created.status;
    oh_step_call call = host.stepCall();
    oh_status st = kind(name).run(created.instance, &call);
    kind(name).destroy(created.instance);
    return st;
}

TEST(SdkEntry, AcceptsTheSameMajorAndDescribesThePlugin) {
    const oh_plugin_info& plugin = load();
    EXPECT_EQ(plugin.struct_size, sizeof(oh_plugin_info));
    EXPECT_EQ(plugin.abi_major, OH_ABI_MAJOR);
    EXPECT_EQ(std::string(plugin.id.ptr, plugin.id.len), "test.scripted");
    ASSERT_EQ(plugin.step_kind_count, 3u);
    EXPECT_EQ(kind("echo").category, OH_CATEGORY_NOTIFICATION);
    EXPECT_EQ(kind("echo").flags, OH_STEP_THREAD_SAFE);
    EXPECT_EQ(kind("undo").config_schema.len, 2u);
}

TEST(SdkEntry, AnswersAnotherMajorSoTheHostCanNameTheMismatch) {
    FakeHost host;
    oh_host_info other = host.hostInfo(OH_ABI_MAJOR + 1);
    const oh_plugin_info* answer = orderhost_plugin_entry(&other);
    ASSERT_NE(answer, nullptr);
    EXPECT_EQ(answer->abi_major, OH_ABI_MAJOR);
}

TEST(SdkEntry, RefusesATooSmallHost) {
    FakeHost host;
    EXPECT_EQ(orderhost_plugin_entry(nullptr), nullptr);
    oh_host_info truncated = host.hostInfo();
    truncated.struct_size = offsetof(oh_host_info, services);
    EXPECT_EQ(orderhost_plugin_entry(&truncated), nullptr);
    oh_host_services small_services = FakeHost::services();
    small_services.struct_size = offsetof(oh_host_services, get_extension);
    oh_host_info small = host.hostInfo();
    small.services = &small_services;
    EXPECT_EQ(orderhost_plugin_entry(&small), nullptr);
}

TEST(SdkEntry, CompensateIsPublishedOnlyWhenOverridden) {
    EXPECT_EQ(kind("scripted").compensate, nullptr);
    EXPECT_NE(kind("undo").compensate, nullptr);
}

TEST(SdkCreate, ConfigErrorBecomesInvalidConfigWithMessage) {
    FakeHost host("{}", R"({"refuse": true})");
    Created created = create(host, "scripted");
    EXPECT_EQ(created.status, OH_STATUS_INVALID_CONFIG);
    EXPECT_EQ(created.instance, nullptr);
    ASSERT_EQ(host.errors.size(), 1u);
    EXPECT_EQ(host.errors[0], "config field 'refuse' must not be set");
}

TEST(SdkCreate, MistypedConfigValueBecomesInvalidConfigNamingThePath) {
    FakeHost host("{}", R"({"limit": "lots"})");
    EXPECT_EQ(create(host, "scripted").status, OH_STATUS_INVALID_CONFIG);
    ASSERT_EQ(host.errors.size(), 1u);
    EXPECT_NE(host.errors[0].find("/limit"), std::string::npos) << host.errors[0];
    EXPECT_NE(host.errors[0].find("integer"), std::string::npos) << host.errors[0];
}

TEST(SdkCreate, StdExceptionInConstructorBecomesInternalError) {
    FakeHost host("{}", R"({"ctor_throws": 1})");
    Created created = create(host, "scripted");
    EXPECT_EQ(created.status, OH_STATUS_INTERNAL_ERROR);
    EXPECT_EQ(created.instance, nullptr);
    ASSERT_EQ(host.errors.size(), 1u);
    EXPECT_EQ(host.errors[0], "boom in constructor");
}

TEST(SdkCreate, NullArgumentsAreRefused) {
    void* instance = nullptr;
    EXPECT_EQ(kind("scripted").create(nullptr, &instance), OH_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(kind("scripted").run(nullptr, nullptr), OH_STATUS_INVALID_ARGUMENT);
}

struct OutcomeCase {
    const char* config;
    oh_outcome_kind kind;
    const char* code;
    const char* message;
    const char* signal;
    std::uint64_t retry_after_ms;
    std::uint64_t timeout_ms;
};

std::string outcomeName(oh_outcome_kind kind) {
    static const char* const names[] = {"proceed", "reject", "retry", "suspend", "fail"};
    return names[kind];
}

void PrintTo(const OutcomeCase& c, std::ostream* os) { *os << outcomeName(c.kind); }

class SdkOutcome : public ::testing::TestWithParam<OutcomeCase> {};

TEST_P(SdkOutcome, IsReportedWithCodeMessageAndTiming) {
    const OutcomeCase& c = GetParam();
    FakeHost host("{}", c.config);
    ASSERT_EQ(runOnce(host, "scripted"), OH_STATUS_OK);
    ASSERT_EQ(host.outcomes.size(), 1u);
    const auto& reported = host.outcomes[0];
    EXPECT_EQ(reported.kind, c.kind);
    EXPECT_EQ(reported.code, c.code);
    EXPECT_EQ(reported.message, c.message);
    EXPECT_EQ(reported.signal, c.signal);
    EXPECT_EQ(reported.retry_after_ms, c.retry_after_ms);
    EXPECT_EQ(reported.timeout_ms, c.timeout_ms);
    EXPECT_TRUE(host.errors.empty());
}

INSTANTIATE_TEST_SUITE_P(
    AllKinds, SdkOutcome,
    ::testing::Values(OutcomeCase{"{}", OH_OUTCOME_CONTINUE, "", "", "", 0, 0},
                      OutcomeCase{R"({"outcome":"reject"})", OH_OUTCOME_REJECT, "unknown_sku", "line 0: unknown SKU",
                                  "", 0, 0},
                      OutcomeCase{R"({"outcome":"retry"})", OH_OUTCOME_RETRY, "", "gateway down", "", 2500, 0},
                      OutcomeCase{R"({"outcome":"suspend"})", OH_OUTCOME_SUSPEND, "credit_limit_exceeded", "over limit",
                                  "credit_approval", 0, 60000},
                      OutcomeCase{R"({"outcome":"fail"})", OH_OUTCOME_FAIL, "broken", "cannot succeed", "", 0, 0}),
    [](const ::testing::TestParamInfo<OutcomeCase>& info) { return outcomeName(info.param.kind); });

TEST(SdkRun, StdExceptionBecomesInternalErrorWithoutOutcome) {
    FakeHost host("{}", R"({"outcome":"throw_std"})");
    EXPECT_EQ(runOnce(host, "scripted"), OH_STATUS_INTERNAL_ERROR);
    EXPECT_TRUE(host.outcomes.empty());
    ASSERT_EQ(host.errors.size(), 1u);
    EXPECT_EQ(host.errors[0], "boom in run");
}

TEST(SdkRun, NonStdThrowIsCaught) {
    FakeHost host("{}", R"({"outcome":"throw_int"})");
    EXPECT_EQ(runOnce(host, "scripted"), OH_STATUS_INTERNAL_ERROR);
    ASSERT_EQ(host.errors.size(), 1u);
    EXPECT_NE(host.errors[0].find("unknown exception"), std::string::npos);
}

TEST(SdkRun, MissingOrderValueReturnsItsStatusAndNamesThePath) {
    FakeHost host(R"({"customer": {}})", R"({"outcome":"missing"})");
    EXPECT_EQ(runOnce(host, "scripted"), OH_STATUS_NOT_FOUND);
    ASSERT_EQ(host.errors.size(), 1u);
    EXPECT_EQ(host.errors[0], "/customer/id: not found");
}

TEST(SdkRun, StepCallExposesTheCallArguments) {
    FakeHost host;
    host.now_ms = 1234;
    ASSERT_EQ(runOnce(host, "echo"), OH_STATUS_OK);
    EXPECT_EQ(host.orderJson("/echo/order_id"), "\"order-42\"");
    EXPECT_EQ(host.orderJson("/echo/idempotency_key"), "\"order-42/step-1\"");
    EXPECT_EQ(host.orderJson("/echo/step"), "\"step-1\"");
    EXPECT_EQ(host.orderJson("/echo/attempt"), "1");
    EXPECT_EQ(host.orderJson("/echo/now"), "1234");
    ASSERT_EQ(host.logs.size(), 1u);
    EXPECT_EQ(host.logs[0].first, OH_LOG_INFO);
    EXPECT_EQ(host.logs[0].second, "echoed attempt 1");
}

TEST(SdkCompensate, ReportsTheCompensationOutcome) {
    FakeHost host;
    Created created = create(host, "undo");
    ASSERT_EQ(created.status, OH_STATUS_OK);
    oh_step_call call = host.stepCall(2);
    EXPECT_EQ(kind("undo").compensate(created.instance, &call), OH_STATUS_OK);
    kind("undo").destroy(created.instance);
    ASSERT_EQ(host.outcomes.size(), 1u);
    EXPECT_EQ(host.outcomes[0].kind, OH_OUTCOME_RETRY);
    EXPECT_EQ(host.outcomes[0].code, "undo_pending");
}

}  // namespace
