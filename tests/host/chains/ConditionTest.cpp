#include "host/chains/Condition.h"

#include "host/chains/ChainFileParser.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>

namespace orderhost::chains {
namespace {

using Errors = std::vector<std::string>;

// A one-step chain whose "when" (line 8) takes `when`; conditions start on line 9, column 7.
const std::string kWhenHead =
    "name: c\nversion: 1\ntrigger: place_order\nsteps:\n  - name: s\n    plugin: p.q\n    step: k\n    when:";

ChainParseResult parseWhen(const std::string& when) { return parseChainText(kWhenHead + when, "t.yaml"); }

// The errors as "line:column: message".
Errors whenErrorsOf(const std::string& when) {
    const ChainParseResult result = parseWhen(when);
    Errors errors;
    for (const ChainError& e : result.errors)
        errors.push_back(std::to_string(e.location.line) + ":" + std::to_string(e.location.column) + ": " + e.message);
    EXPECT_EQ(result.ok(), errors.empty());
    return errors;
}

// The condition read from `when`, failing the test on any error.
std::shared_ptr<const Condition> conditionOf(const std::string& when) {
    const ChainParseResult result = parseWhen(when);
    EXPECT_TRUE(result.ok()) << (result.errors.empty() ? "" : result.errors[0].toString());
    return result.ok() ? result.chain->steps.at(0).when : nullptr;
}

TEST(Condition, StepsWithoutWhenAlwaysRun) {
    const ChainParseResult result = parseChainText(kWhenHead.substr(0, kWhenHead.rfind("    when:")), "t.yaml");
    ASSERT_TRUE(result.ok()) << result.errors.at(0).toString();
    EXPECT_EQ(result.chain->steps.at(0).when, nullptr);
}

TEST(Condition, ReadsEveryOperator) {
    const auto when = conditionOf(R"(
      all:
        - {path: /lines/*/kind, equals: service}
        - {path: /currency, not_equals: "EUR"}
        - {path: /customer/segment, in: [vip, 7, true]}
        - {path: /shipping_address, exists: true}
        - {path: /attributes/pickup, exists: false}
        - {path: /lines/0/quantity, greater_than: -3}
        - {path: /customer/open_balance, less_than: 0x10}
        - any: [{path: /a~1b/~0c, equals: "42"}]
        - not: {path: /x, equals: false}
)");
    ASSERT_TRUE(when);
    EXPECT_EQ(when->kind, ConditionKind::All);
    EXPECT_EQ(when->location.toString(), "t.yaml:9:7");
    ASSERT_EQ(when->operands.size(), 9u);
    const std::vector<Condition>& ops = when->operands;
    EXPECT_EQ(ops[0].kind, ConditionKind::Equals);
    EXPECT_EQ(ops[0].path, "/lines/*/kind");
    EXPECT_EQ(ops[0].pathParts, (std::vector<std::string>{"lines", "*", "kind"}));
    EXPECT_EQ(ops[0].values.at(0).type, ConditionValue::Type::String);
    EXPECT_EQ(ops[0].values.at(0).string, "service");
    EXPECT_EQ(ops[0].location.line, 10);
    EXPECT_EQ(ops[1].kind, ConditionKind::NotEquals);
    EXPECT_EQ(ops[1].values.at(0).string, "EUR");
    EXPECT_EQ(ops[2].kind, ConditionKind::In);
    ASSERT_EQ(ops[2].values.size(), 3u);
    EXPECT_EQ(ops[2].values[1].type, ConditionValue::Type::Integer);
    EXPECT_EQ(ops[2].values[1].integer, 7);
    EXPECT_EQ(ops[2].values[2].type, ConditionValue::Type::Boolean);
    EXPECT_TRUE(ops[2].values[2].boolean);
    EXPECT_EQ(ops[3].kind, ConditionKind::Exists);
    EXPECT_EQ(ops[4].kind, ConditionKind::Missing);
    EXPECT_EQ(ops[5].kind, ConditionKind::GreaterThan);
    EXPECT_EQ(ops[5].values.at(0).integer, -3);
    EXPECT_EQ(ops[6].kind, ConditionKind::LessThan);
    EXPECT_EQ(ops[6].values.at(0).integer, 16);
    EXPECT_EQ(ops[7].kind, ConditionKind::Any);
    EXPECT_EQ(ops[7].operands.at(0).pathParts, (std::vector<std::string>{"a/b", "~c"}));
    EXPECT_EQ(ops[7].operands.at(0).values.at(0).type, ConditionValue::Type::String);  // quoted "42"
    EXPECT_EQ(ops[8].kind, ConditionKind::Not);
    ASSERT_EQ(ops[8].operands.size(), 1u);
    EXPECT_EQ(ops[8].operands[0].values.at(0).type, ConditionValue::Type::Boolean);
    EXPECT_FALSE(ops[8].operands[0].values.at(0).boolean);
}

TEST(Condition, UnknownOperatorsNameTheAllowedOnes) {
    EXPECT_EQ(whenErrorsOf("\n      path: /x\n      equal: 1\n"),
              Errors{"10:7: unknown field \"equal\" in a condition; allowed fields: all, any, not, path, equals, "
                     "not_equals, in, exists, greater_than, less_than"});
    EXPECT_EQ(whenErrorsOf("\n      path: /x\n      path: /y\n      exists: true\n"),
              Errors{"10:7: duplicate field \"path\" (first given at line 9)"});
}

TEST(Condition, WrongValueTypes) {
    EXPECT_EQ(whenErrorsOf(R"(
      all:
        - path: /a
          equals: [1]
        - path: /b
          equals: 1.5
        - path: /c
          exists: "yes"
        - path: /d
          greater_than: "5"
        - path: /e
          in: [a, {b: 1}]
        - path: /f
          equals:
        - path: /g
          less_than: 99999999999999999999
)"),
              (Errors{"11:19: \"equals\" must be a string, an integer or a boolean, got a sequence",
                      "13:19: \"equals\" must be a string, an integer or a boolean, got a floating-point number",
                      "15:19: \"exists\" must be true or false, got a quoted string",
                      "17:25: \"greater_than\" must be an integer, got a quoted string",
                      "19:19: each value of \"in\" must be a string, an integer or a boolean, got a mapping",
                      "21:11: \"equals\" must be a string, an integer or a boolean, got null (an empty value)",
                      "23:22: integer 99999999999999999999 does not fit in 64 bits"}));
}

TEST(Condition, BadJsonPointers) {
    EXPECT_EQ(whenErrorsOf(R"(
      any:
        - path: lines/kind
          exists: true
        - path: /a~2
          exists: true
        - path: /lines/-/sku
          exists: true
        - path: 5
          exists: true
        - path: ""
          exists: true
        - path: "/a\tb"
          exists: true
)"),
              (Errors{"10:17: \"path\" must be a JSON Pointer starting with '/', got \"lines/kind\"",
                      "12:17: \"path\" is not a valid JSON Pointer: '~' must be followed by 0 (for '~') or 1 "
                      "(for '/'), got \"/a~2\"",
                      "14:17: \"path\" cannot contain the part \"-\": it names the position after the last array "
                      "element, where there is never a value",
                      "16:17: \"path\" must be a string (a JSON Pointer such as /lines/*/kind), got an integer",
                      "18:17: \"path\" must be a JSON Pointer starting with '/', got \"\"",
                      "20:17: \"path\" must not contain control characters"}));
    std::string longPath;
    for (std::size_t i = 0; i <= kMaxConditionPathParts; ++i) longPath += "/p";
    EXPECT_EQ(whenErrorsOf("\n      path: " + longPath + "\n      exists: true\n"),
              Errors{"9:13: \"path\" may have at most 32 parts, got 33"});
}

// Found by tests/fuzz/fuzz_condition: bytes that are not UTF-8 (yaml-cpp passes them through,
// and turns a NUL in a plain scalar into a lone 0xA0) reached describe() and so the skip message
// stored for the step and served as JSON.
TEST(Condition, PathsAndStringValuesMustBeUtf8) {
    EXPECT_EQ(whenErrorsOf(" {path: \"/a\xff\", exists: true}\n"), Errors{"8:18: \"path\" is not valid UTF-8"});
    // The fuzzer's input: there a NUL in a flow mapping reached the path as a lone 0xA0.
    const char fuzzed[] = "all:\n  - {path: /nphsigW\0_address, exists: true}\n  - not: {path: /y, greater_than: 10}\n";
    std::vector<ChainError> errors;
    EXPECT_EQ(readCondition(YAML::Load(std::string(fuzzed, sizeof fuzzed - 1)), YAML::Node("when"), "t.yaml", errors),
              nullptr);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].message, "\"path\" is not valid UTF-8");
    EXPECT_EQ(whenErrorsOf(" {path: /a, equals: \"x\xc3\"}\n"), Errors{"8:30: \"equals\" is not valid UTF-8"});
    EXPECT_EQ(whenErrorsOf(" {path: /a, in: [ok, \"\xed\xa0\x80\"]}\n"),
              Errors{"8:31: each value of \"in\" is not valid UTF-8"});
    ASSERT_NE(conditionOf(" {path: /caf\xc3\xa9, equals: \"\xe2\x82\xac\"}\n"), nullptr);  // UTF-8 stays fine
}

TEST(Condition, EmptyAndWrongLists) {
    EXPECT_EQ(whenErrorsOf(" {all: []}\n"), Errors{"8:17: \"all\" is empty: list at least one condition"});
    EXPECT_EQ(whenErrorsOf("\n      path: /a\n      in: []\n"),
              Errors{"10:11: \"in\" is empty: list at least one value"});
    EXPECT_EQ(whenErrorsOf("\n      any: {path: /a, exists: true}\n"),
              Errors{"9:12: \"any\" must be a sequence of conditions, got a mapping"});
    EXPECT_EQ(whenErrorsOf("\n      path: /a\n      in: vip\n"),
              Errors{"10:11: \"in\" must be a sequence of values such as [a, b], got a string"});
    std::string many = "\n      path: /a\n      in: [0";
    for (std::size_t i = 1; i <= kMaxConditionInValues; ++i) many += ", " + std::to_string(i);
    EXPECT_EQ(whenErrorsOf(many + "]\n"), Errors{"10:11: \"in\" may list at most 100 values, got 101"});
}

TEST(Condition, OneOperatorPerCondition) {
    EXPECT_EQ(whenErrorsOf("\n      path: /a\n      equals: 1\n      in: [1]\n"),
              Errors{"11:7: a condition takes exactly one operator, got \"equals\" and \"in\"; combine tests with "
                     "all: or any:"});
    EXPECT_EQ(whenErrorsOf("\n      path: /a\n      not:\n        path: /b\n        exists: true\n"),
              Errors{"9:7: \"path\" cannot be used together with \"not\": give each test inside it its own path"});
    EXPECT_EQ(whenErrorsOf("\n      equals: 1\n"), Errors{"9:7: \"equals\" needs a \"path\" in the same condition"});
    EXPECT_EQ(whenErrorsOf("\n      path: /a\n"),
              Errors{"9:7: the test on path \"/a\" needs an operator: equals, not_equals, in, exists, greater_than "
                     "or less_than"});
    EXPECT_EQ(whenErrorsOf(" {}\n"), Errors{"8:11: a condition needs all:, any:, not:, or a path: with an operator"});
}

TEST(Condition, WhenMustBeAMapping) {
    EXPECT_EQ(whenErrorsOf("\n"),
              Errors{"8:5: a condition must be a mapping (all:, any:, not:, or path: with an operator), got null "
                     "(an empty value)"});
    EXPECT_EQ(whenErrorsOf(" always\n"),
              Errors{"8:11: a condition must be a mapping (all:, any:, not:, or path: with an operator), got a "
                     "string"});
    EXPECT_EQ(whenErrorsOf("\n      not:\n"),
              Errors{"9:7: a condition must be a mapping (all:, any:, not:, or path: with an operator), got null "
                     "(an empty value)"});
}

// `levels` nested not: around one test, one per line from line 9.
std::string nestedNots(int levels) {
    std::string yaml = "\n";
    for (int i = 0; i < levels; ++i) yaml += std::string(6 + 2 * i, ' ') + "not:\n";
    const std::string indent(6 + 2 * levels, ' ');
    return yaml + indent + "path: /a\n" + indent + "exists: true\n";
}

TEST(Condition, NestingIsLimited) {
    const auto deepest = conditionOf(nestedNots(kMaxConditionDepth - 1));
    ASSERT_TRUE(deepest);
    EXPECT_EQ(deepest->kind, ConditionKind::Not);
    // 8 levels of not: put the test on level 9, line 17, indented 22.
    EXPECT_EQ(whenErrorsOf(nestedNots(kMaxConditionDepth)),
              Errors{"17:23: conditions nest too deeply: all/any/not may nest at most 8 levels"});
    // An alias that contains itself is cut by the same limit.
    EXPECT_EQ(whenErrorsOf(" &loop {not: *loop}\n").size(), 1u);
}

TEST(Condition, AliasesCannotBlowUpTheSize) {
    // Ten levels of ten aliases each would be 10^10 tests; reading stops after the first 100.
    std::string yaml = "\n      any:\n        - &l0 {path: /a, exists: true}\n";
    for (int level = 1; level <= 10; ++level) {
        yaml += "        - &l" + std::to_string(level) + " {any: [";
        for (int i = 0; i < 10; ++i) yaml += (i ? ", *l" : "*l") + std::to_string(level - 1);
        yaml += "]}\n";
    }
    const auto start = std::chrono::steady_clock::now();
    const Errors errors = whenErrorsOf(yaml);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].find("the condition is too large: at most 100 conditions"), std::string::npos) << errors[0];
}

TEST(Condition, ErrorsOfEveryStepAreCollected) {
    const ChainParseResult result = parseChainText(
        "name: c\nversion: 1\ntrigger: place_order\nsteps:\n"
        "  - {name: a, plugin: p, step: k, when: {path: x, exists: true}}\n"
        "  - {name: b, plugin: p, step: k, when: {path: /x, equals: {}}, attempts: 0}\n",
        "t.yaml");
    ASSERT_EQ(result.errors.size(), 3u);
    EXPECT_EQ(result.errors[0].toString(), "t.yaml:5:48: \"path\" must be a JSON Pointer starting with '/', got \"x\"");
    EXPECT_EQ(result.errors[1].toString(),
              "t.yaml:6:60: \"equals\" must be a string, an integer or a boolean, got a mapping");
    EXPECT_EQ(result.errors[2].location.toString(), "t.yaml:6:75");
}

TEST(Condition, ChainFileEndToEnd) {
    const ChainParseResult result = parseChainText(R"(# Orders with services or custom-made parts get extra steps.
name: mixed-order
version: 3
trigger: place_order
steps:
  - name: validate
    plugin: orderhost.validation
    step: validate
  - name: provision
    plugin: orderhost.noop
    step: noop
    when:
      any:                        # only for orders with service lines, or VIP customers
        - path: /lines/*/kind
          equals: service
        - path: /customer/segment
          in: [vip, partner]
    config:
      note: after the condition
  - name: confirm
    plugin: orderhost.notification
    step: notify-customer
    when: {path: /customer/email, exists: true}
)",
                                                   "mixed.yaml");
    ASSERT_TRUE(result.ok()) << result.errors.at(0).toString();
    const std::vector<StepDefinition>& steps = result.chain->steps;
    ASSERT_EQ(steps.size(), 3u);
    EXPECT_EQ(steps[0].when, nullptr);
    ASSERT_NE(steps[1].when, nullptr);
    EXPECT_EQ(steps[1].when->kind, ConditionKind::Any);
    EXPECT_EQ(steps[1].when->location.toString(), "mixed.yaml:13:7");
    EXPECT_EQ(steps[1].when->operands.at(1).values.at(1).string, "partner");
    EXPECT_EQ(steps[1].configJson, R"({"note":"after the condition"})");
    ASSERT_NE(steps[2].when, nullptr);
    EXPECT_EQ(steps[2].when->kind, ConditionKind::Exists);
    EXPECT_EQ(steps[2].when->path, "/customer/email");
}

TEST(Condition, TheShippedExampleChainIsValid) {
    const ChainParseResult result =
        parseChainFile(std::string(ORDERHOST_CHAINS_TEST_DATA) + "/../../../../config/chains/place-order.yaml");
    ASSERT_TRUE(result.ok()) << result.errors.at(0).toString();
    const auto& steps = result.chain->steps;
    const auto confirmAt =
        std::find_if(steps.begin(), steps.end(), [](const StepDefinition& s) { return s.name == "confirm"; });
    ASSERT_NE(confirmAt, steps.end());
    const StepDefinition& confirm = *confirmAt;
    ASSERT_NE(confirm.when, nullptr);
    EXPECT_EQ(confirm.when->path, "/customer/email");
}

}  // namespace
}  // namespace orderhost::chains
