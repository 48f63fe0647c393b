// The reference plugins (plugins/*), loaded from their .so files exactly as the host loads
// them — dlopen, the one entry symbol, the C function pointers — and driven with FakeHost.
#include "fake_host.hpp"

#include <orderhost/plugin_api.h>

#include <gtest/gtest.h>

#include <dlfcn.h>

#include <map>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>

using orderhost::testing::FakeHost;
using orderhost::testing::RecordedOutcome;

namespace {

// Loads `file` once (never unloaded: ABI rule 9) and returns its step kind `name`.
const oh_step_kind& stepKind(const std::string& file, const std::string& name) {
  static std::map<std::string, const oh_plugin_info*> loaded;
  const oh_plugin_info*& plugin = loaded[file];
  if (plugin == nullptr) {
    void* library = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) throw std::runtime_error(dlerror());
    auto entry = reinterpret_cast<oh_plugin_entry_fn>(dlsym(library, OH_PLUGIN_ENTRY_NAME));
    if (entry == nullptr) throw std::runtime_error(file + ": no entry symbol");
    FakeHost host;
    oh_host_info info = host.hostInfo();
    plugin = entry(&info);
    if (plugin == nullptr) throw std::runtime_error(file + ": refused the host");
  }
  for (std::uint32_t i = 0; i < plugin->step_kind_count; ++i)
    if (std::string(plugin->step_kinds[i]->name.ptr, plugin->step_kinds[i]->name.len) == name)
      return *plugin->step_kinds[i];
  throw std::runtime_error(file + ": no step kind " + name);
}

// One create → run → destroy of a step on an order, with everything the host recorded.
struct StepRun {
  std::unique_ptr<FakeHost> host;
  oh_status created = OH_STATUS_OK;
  oh_status ran = OH_STATUS_OK;

  const RecordedOutcome& outcome() const {
    if (host->outcomes.size() != 1) throw std::runtime_error("expected exactly one outcome");
    return host->outcomes.front();
  }
  std::string order(const std::string& path) const { return host->orderJson(path).value_or("<absent>"); }
  std::string error() const { return host->errors.empty() ? "" : host->errors.back(); }
};

StepRun runStep(const std::string& file, const std::string& kind, const std::string& order,
                const std::string& config = "{}") {
  StepRun result{std::make_unique<FakeHost>(order, config)};
  const oh_step_kind& step = stepKind(file, kind);
  oh_create_args args = result.host->createArgs();
  void* instance = nullptr;
  result.created = step.create(&args, &instance);
  if (result.created != OH_STATUS_OK) return result;
  oh_step_call call = result.host->stepCall();
  result.ran = step.run(instance, &call);
  step.destroy(instance);
  return result;
}

const std::string kValidation = ORDERHOST_TEST_VALIDATION_SO;
const std::string kCredit = ORDERHOST_TEST_CREDIT_SO;
const std::string kNotification = ORDERHOST_TEST_NOTIFICATION_SO;
const std::string kNoop = ORDERHOST_TEST_NOOP_SO;

std::string orderWithLines(const std::string& lines) {
  return R"({"order_ref":"ERP-1001","currency":"EUR","customer":{"id":"C-1","name":"Ada",
    "email":"ada@example.com"},"lines":)" + lines + R"(,"attributes":{}})";
}

constexpr char kCatalog[] = R"({"catalog":{"SKU-1":{"price":1999},"SKU-2":{"price":500},"SKU-3":{}}})";

// ---- validation ----

TEST(ValidationPlugin, FillsPricesAndWritesTotals) {
  StepRun r = runStep(kValidation, "validate",
      orderWithLines(R"([{"sku":"SKU-1","quantity":2,"unit_price":1999},{"sku":"SKU-2","quantity":3}])"),
      kCatalog);
  ASSERT_EQ(r.created, OH_STATUS_OK) << r.error();
  ASSERT_EQ(r.ran, OH_STATUS_OK) << r.error();
  EXPECT_EQ(r.outcome().kind, OH_OUTCOME_CONTINUE) << r.outcome().message;
  EXPECT_EQ(r.order("/lines/0/total"), "3998");
  EXPECT_EQ(r.order("/lines/1/unit_price"), "500");
  EXPECT_EQ(r.order("/lines/1/total"), "1500");
  EXPECT_EQ(r.order("/totals/net"), "5498");
  EXPECT_EQ(r.order("/totals/items"), "5");
  EXPECT_EQ(r.order("/totals/currency"), "\"EUR\"");
}

struct Rejection {
  std::string lines;
  std::string config;
  std::string code;
  std::string in_message;
};

// Short names in test listings (gtest_discover_tests puts GetParam() in the test name).
void PrintTo(const Rejection& c, std::ostream* os) { *os << c.code; }

class ValidationRejects : public ::testing::TestWithParam<Rejection> {};

TEST_P(ValidationRejects, WithCodeAndMessageAndNoWrites) {
  const Rejection& c = GetParam();
  StepRun r = runStep(kValidation, "validate", orderWithLines(c.lines), c.config);
  ASSERT_EQ(r.created, OH_STATUS_OK) << r.error();
  ASSERT_EQ(r.ran, OH_STATUS_OK) << r.error();
  EXPECT_EQ(r.outcome().kind, OH_OUTCOME_REJECT);
  EXPECT_EQ(r.outcome().code, c.code);
  EXPECT_NE(r.outcome().message.find(c.in_message), std::string::npos) << r.outcome().message;
  EXPECT_EQ(r.order("/totals"), "<absent>");
}

INSTANTIATE_TEST_SUITE_P(Cases, ValidationRejects, ::testing::Values(
    Rejection{"[]", "{}", "no_lines", "no lines"},
    Rejection{R"({"sku":"SKU-1"})", "{}", "no_lines", "no lines"},
    Rejection{R"([{"sku":"SKU-1","quantity":1},{"sku":"SKU-1","quantity":1}])", R"({"max_lines":1})",
              "too_many_lines", "at most 1"},
    Rejection{R"([{"sku":"SKU-1","quantity":1},{"sku":"SKU-1","quantity":0}])", kCatalog,
              "invalid_quantity", "line 1"},
    Rejection{R"([{"sku":"SKU-1","quantity":"2"}])", kCatalog, "invalid_quantity", "line 0"},
    Rejection{R"([{"quantity":2}])", kCatalog, "invalid_sku", "line 0"},
    Rejection{R"([{"sku":"SKU-1","quantity":1,"kind":"magic"}])", kCatalog, "invalid_kind", "line 0"},
    Rejection{R"([{"sku":"SKU-1","quantity":1},{"sku":"NOPE","quantity":1}])", kCatalog,
              "unknown_sku", "line 1: unknown SKU \"NOPE\""},
    Rejection{R"([{"sku":"SKU-1","quantity":1,"unit_price":1000}])", kCatalog, "price_mismatch",
              "1999"},
    Rejection{R"([{"sku":"SKU-3","quantity":1}])", kCatalog, "missing_price", "SKU-3"},
    Rejection{R"([{"sku":"X","quantity":1,"unit_price":-1}])", "{}", "invalid_price", "line 0"},
    Rejection{R"([{"sku":"X","quantity":4611686018427387904,"unit_price":4}])", "{}",
              "amount_overflow", "line 0"},
    Rejection{R"([{"sku":"X","quantity":1,"unit_price":9223372036854775807},
                  {"sku":"Y","quantity":1,"unit_price":1}])", "{}", "amount_overflow", "int64"}),
    [](const ::testing::TestParamInfo<Rejection>& info) {
      return info.param.code + "_" + std::to_string(info.index);
    });

TEST(ValidationPlugin, UnknownSkusPassWhenAllowed) {
  StepRun r = runStep(kValidation, "validate",
      orderWithLines(R"([{"sku":"NEW","quantity":1,"unit_price":7,"kind":"custom"}])"),
      R"({"catalog":{"SKU-1":{"price":1}},"allow_unknown_skus":true})");
  ASSERT_EQ(r.ran, OH_STATUS_OK) << r.error();
  EXPECT_EQ(r.outcome().kind, OH_OUTCOME_CONTINUE) << r.outcome().message;
  EXPECT_EQ(r.order("/totals/net"), "7");
}

TEST(ValidationPlugin, RequiresCustomerAndCurrency) {
  StepRun r = runStep(kValidation, "validate",
      R"({"currency":"EUR","customer":{},"lines":[{"sku":"X","quantity":1,"unit_price":1}]})");
  EXPECT_EQ(r.outcome().code, "missing_customer");
  r = runStep(kValidation, "validate",
      R"({"currency":"euro","customer":{"id":"C"},"lines":[{"sku":"X","quantity":1,"unit_price":1}]})");
  EXPECT_EQ(r.outcome().code, "invalid_currency");
}

struct BadConfig {
  std::string config;
  std::string in_message;
};
void PrintTo(const BadConfig& c, std::ostream* os) { *os << c.in_message; }

class ValidationConfig : public ::testing::TestWithParam<BadConfig> {};

TEST_P(ValidationConfig, IsRefusedNamingTheField) {
  StepRun r = runStep(kValidation, "validate", "{}", GetParam().config);
  EXPECT_EQ(r.created, OH_STATUS_INVALID_CONFIG);
  EXPECT_NE(r.error().find(GetParam().in_message), std::string::npos) << r.error();
}

INSTANTIATE_TEST_SUITE_P(Cases, ValidationConfig, ::testing::Values(
    BadConfig{R"({"catalog":[]})", "'catalog'"},
    BadConfig{R"({"catalog":{"SKU-1":5}})", "'catalog.SKU-1'"},
    BadConfig{R"({"catalog":{"SKU-1":{"price":-1}}})", "'catalog.SKU-1.price'"},
    BadConfig{R"({"catalog":{"SKU-1":{"price":"1"}}})", "'catalog.SKU-1.price'"},
    BadConfig{R"({"max_lines":0})", "'max_lines'"},
    BadConfig{R"({"max_lines":"ten"})", "/max_lines"},
    BadConfig{R"({"allow_unknown_skus":"yes"})", "/allow_unknown_skus"}),
    [](const ::testing::TestParamInfo<BadConfig>& info) { return "case" + std::to_string(info.index); });

// ---- credit ----

constexpr char kCreditOrder[] = R"({"customer":{"id":"C-1"},"totals":{"net":%NET%}})";
std::string creditOrder(std::int64_t net) {
  std::string order = kCreditOrder;
  return order.replace(order.find("%NET%"), 5, std::to_string(net));
}
// "exposure": "order": the fake host has no orderhost.db (tracked exposure: tests/plugins/credit).
constexpr char kLimits[] = R"({"default_limit":100000,"limits":{"C-1":500000},"exposure":"order"})";

TEST(CreditPlugin, ContinuesWithinTheLimitAndRecordsIt) {
  StepRun r = runStep(kCredit, "check-credit", creditOrder(500000), kLimits);
  ASSERT_EQ(r.ran, OH_STATUS_OK) << r.error();
  EXPECT_EQ(r.outcome().kind, OH_OUTCOME_CONTINUE);
  EXPECT_EQ(r.order("/credit/limit"), "500000");
  EXPECT_EQ(r.order("/credit/exposure"), "500000");
  EXPECT_EQ(r.order("/credit/checked_at"), std::to_string(r.host->now_ms));
}

TEST(CreditPlugin, SuspendsForApprovalOverTheLimit) {
  StepRun r = runStep(kCredit, "check-credit", creditOrder(500001), kLimits);
  ASSERT_EQ(r.ran, OH_STATUS_OK) << r.error();
  EXPECT_EQ(r.outcome().kind, OH_OUTCOME_SUSPEND);
  EXPECT_EQ(r.outcome().signal, "credit_approval");
  EXPECT_EQ(r.outcome().code, "credit_limit_exceeded");
  EXPECT_NE(r.outcome().message.find("500001"), std::string::npos) << r.outcome().message;
  EXPECT_NE(r.outcome().message.find("500000"), std::string::npos) << r.outcome().message;
}

TEST(CreditPlugin, UsesTheDefaultLimitForOtherCustomers) {
  StepRun r = runStep(kCredit, "check-credit",
                      R"({"customer":{"id":"C-9"},"totals":{"net":100001}})", kLimits);
  EXPECT_EQ(r.outcome().kind, OH_OUTCOME_SUSPEND);
  EXPECT_EQ(r.order("/credit/limit"), "100000");
}

TEST(CreditPlugin, FailsClearlyWithoutTotals) {
  StepRun r = runStep(kCredit, "check-credit", R"({"customer":{"id":"C-1"}})", kLimits);
  ASSERT_EQ(r.ran, OH_STATUS_OK);
  EXPECT_EQ(r.outcome().kind, OH_OUTCOME_FAIL);
  EXPECT_EQ(r.outcome().code, "totals_missing");
  EXPECT_NE(r.outcome().message.find("validation"), std::string::npos);
}

TEST(CreditPlugin, RefusesNegativeLimits) {
  EXPECT_EQ(runStep(kCredit, "check-credit", "{}", R"({"default_limit":-1})").created,
            OH_STATUS_INVALID_CONFIG);
  StepRun r = runStep(kCredit, "check-credit", "{}", R"({"limits":{"C-1":-5}})");
  EXPECT_EQ(r.created, OH_STATUS_INVALID_CONFIG);
  EXPECT_NE(r.error().find("limits.C-1"), std::string::npos) << r.error();
}

// ---- notification (C) ----

TEST(NotificationPlugin, AppendsAnEscapedRecord) {
  StepRun r = runStep(kNotification, "notify-customer",
                      R"({"customer":{"email":"o\"neil\\x@example.com"},"notifications":[{"old":1}]})",
                      R"({"template":"shipped","channel":"sms"})");
  ASSERT_EQ(r.created, OH_STATUS_OK) << r.error();
  ASSERT_EQ(r.ran, OH_STATUS_OK) << r.error();
  EXPECT_EQ(r.outcome().kind, OH_OUTCOME_CONTINUE);
  EXPECT_EQ(r.order("/notifications/1/to"), R"("o\"neil\\x@example.com")");
  EXPECT_EQ(r.order("/notifications/1/channel"), "\"sms\"");
  EXPECT_EQ(r.order("/notifications/1/template"), "\"shipped\"");
  EXPECT_EQ(r.order("/notifications/1/at"), std::to_string(r.host->now_ms));
  EXPECT_EQ(r.order("/notifications/1/idempotency_key"), "\"order-42/step-1\"");
}

TEST(NotificationPlugin, UsesDefaultsAndNullWithoutAnAddress) {
  StepRun r = runStep(kNotification, "notify-customer", R"({"customer":{"id":"C-1"}})");
  ASSERT_EQ(r.ran, OH_STATUS_OK) << r.error();
  EXPECT_EQ(r.order("/notifications/0/to"), "null");
  EXPECT_EQ(r.order("/notifications/0/channel"), "\"email\"");
  EXPECT_EQ(r.order("/notifications/0/template"), "\"order-confirmation\"");
}

TEST(NotificationPlugin, RefusesANonStringTemplate) {
  StepRun r = runStep(kNotification, "notify-customer", "{}", R"({"template":5})");
  EXPECT_EQ(r.created, OH_STATUS_INVALID_CONFIG);
  EXPECT_NE(r.error().find("'template'"), std::string::npos) << r.error();
}

// ---- noop ----

TEST(NoopPlugin, ContinuesWithoutTouchingTheOrder) {
  StepRun r = runStep(kNoop, "noop", R"({"a":1})");
  ASSERT_EQ(r.ran, OH_STATUS_OK);
  EXPECT_EQ(r.outcome().kind, OH_OUTCOME_CONTINUE);
  EXPECT_EQ(r.order(""), R"({"a":1})");
}

}  // namespace
