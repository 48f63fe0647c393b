#include "host/chains/ChainFileParser.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

#include <unistd.h>

namespace orderhost::chains {
namespace {

const std::string kData = ORDERHOST_CHAINS_TEST_DATA;

// The errors of `yaml` as "line:column: message", one per entry.
std::vector<std::string> errorsOf(const std::string& yaml) {
    const ChainParseResult result = parseChainText(yaml, "t.yaml");
    std::vector<std::string> errors;
    for (const ChainError& e : result.errors) {
        EXPECT_EQ(e.location.file, "t.yaml");
        errors.push_back(std::to_string(e.location.line) + ":" + std::to_string(e.location.column) + ": " + e.message);
    }
    EXPECT_EQ(result.ok(), errors.empty());
    return errors;
}

using Errors = std::vector<std::string>;

const std::string kHead = "name: c\nversion: 1\ntrigger: place_order\n";  // lines 1-3
const std::string kStep = "  - name: s\n    plugin: p.q\n    step: k\n";

TEST(ChainFileParser, ParsesTheFullExample) {
    const ChainParseResult result = parseChainFile(kData + "/valid/place-order.yaml");
    ASSERT_TRUE(result.ok()) << (result.errors.empty() ? "" : result.errors[0].toString());
    const ChainDefinition& chain = *result.chain;
    EXPECT_EQ(chain.name, "place-order");
    EXPECT_EQ(chain.version, 1);
    EXPECT_EQ(chain.trigger, "place_order");
    EXPECT_EQ(chain.description, "Standard order");
    EXPECT_EQ(chain.location.toString(), kData + "/valid/place-order.yaml:2:1");
    ASSERT_EQ(chain.steps.size(), 3u);
    const StepDefinition& validate = chain.steps[0];
    EXPECT_EQ(validate.name, "validate");
    EXPECT_EQ(validate.plugin, "orderhost.validation");
    EXPECT_EQ(validate.stepKind, "validate");
    EXPECT_EQ(validate.attempts, 3);
    EXPECT_EQ(validate.configJson,
              R"({"catalog":{"SKU-1":{"price":1999},"SKU-2":{"price":500,"name":"Widget"}},"strict":true})");
    EXPECT_EQ(validate.location.line, 7);
    EXPECT_EQ(validate.location.column, 5);
    EXPECT_EQ(validate.configLocation.line, 12);
    EXPECT_EQ(chain.steps[1].attempts, 1);
    EXPECT_EQ(chain.steps[1].configJson, "{}");
    EXPECT_EQ(chain.steps[1].configLocation.line, 16);  // the step itself when there is no config
    EXPECT_EQ(chain.steps[2].configJson, R"({"template":"order-confirmed"})");
}

TEST(ChainFileParser, EmptyConfigMeansEmptyObject) {
    const auto result = parseChainText(kHead + "steps:\n" + kStep + "    config:\n      # nothing yet\n", "t.yaml");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result.chain->steps[0].configJson, "{}");
}

TEST(ChainFileParser, YamlSyntaxErrorsHaveALocation) {
    EXPECT_EQ(errorsOf("name: c\nsteps: [1, 2\nversion: 1\n"),
              Errors{"3:8: YAML syntax error: end of sequence flow not found"});
    EXPECT_EQ(errorsOf("name: c\nversion: 1: 2\n"), Errors{"2:11: YAML syntax error: illegal map value"});
    EXPECT_EQ(errorsOf("steps: *nowhere\n"), Errors{"1:8: YAML syntax error: the referenced anchor is not defined"});
}

TEST(ChainFileParser, UnknownFieldsNameTheAllowedOnes) {
    EXPECT_EQ(
        errorsOf(kHead + "timeout: 5\nsteps:\n" + kStep + "    atempts: 2\n"),
        (Errors{"4:1: unknown field \"timeout\" in the chain; allowed fields: name, version, trigger, description, "
                "steps, cancellable_until",
                "9:5: unknown field \"atempts\" in step 1; allowed fields: name, plugin, step, attempts, backoff_ms, "
                "max_backoff_ms, timeout_ms, on_failure, signal_timeout_ms, on_signal_timeout, commit, config, when"}));
}

TEST(ChainFileParser, ReadsTimeoutsAndPolicies) {
    const auto result = parseChainText(kHead + "steps:\n" + kStep +
                                           "    timeout_ms: 500\n    on_failure: hold\n"
                                           "    signal_timeout_ms: 60000\n    on_signal_timeout: rerun\n"
                                           "    commit: at_once\n",
                                       "c.yaml");
    ASSERT_TRUE(result.chain) << (result.errors.empty() ? "" : result.errors[0].toString());
    const StepDefinition& step = result.chain->steps.at(0);
    EXPECT_EQ(step.timeoutMs, 500);
    EXPECT_EQ(step.onFailure, FailurePolicy::Hold);
    EXPECT_EQ(step.signalTimeoutMs, 60000);
    EXPECT_EQ(step.onSignalTimeout, SignalTimeoutPolicy::Rerun);
    EXPECT_EQ(step.commit, CommitPolicy::AtOnce);
}

TEST(ChainFileParser, DefaultsAreCompensateAndThirtySeconds) {
    const auto result = parseChainText(kHead + "steps:\n" + kStep, "c.yaml");
    ASSERT_TRUE(result.chain);
    EXPECT_EQ(result.chain->steps.at(0).timeoutMs, 30000);
    EXPECT_EQ(result.chain->steps.at(0).onFailure, FailurePolicy::Compensate);
    EXPECT_EQ(result.chain->steps.at(0).onSignalTimeout, SignalTimeoutPolicy::Failure);
    EXPECT_EQ(result.chain->steps.at(0).commit, CommitPolicy::Batched);
}

TEST(ChainFileParser, RefusesUnknownPoliciesAndTimeoutsOutOfRange) {
    EXPECT_EQ(errorsOf(kHead + "steps:\n" + kStep +
                       "    on_failure: ignore\n    timeout_ms: 0\n"
                       "    on_signal_timeout: wait\n    commit: now\n"),
              (Errors{"8:17: \"on_failure\" must be one of compensate, fail, hold, continue, got \"ignore\"",
                      "9:17: \"timeout_ms\" must be between 1 and 3600000, got 0",
                      "10:24: \"on_signal_timeout\" must be one of failure, rerun, continue, got \"wait\"",
                      "11:13: \"commit\" must be one of batched, at_once, got \"now\""}));
}

TEST(ChainFileParser, MissingRequiredFields) {
    EXPECT_EQ(errorsOf("# a comment\nname: c\nsteps:\n  - name: s\n    step: k\n"),
              (Errors{"4:5: step 1 is missing the required field \"plugin\"",
                      "2:1: the chain is missing the required field \"version\"",
                      "2:1: the chain is missing the required field \"trigger\""}));
}

TEST(ChainFileParser, WrongTypes) {
    EXPECT_EQ(errorsOf("name: [c]\nversion: \"1\"\ntrigger: {a: 1}\nsteps:\n  x: 1\n"),
              (Errors{"1:7: \"name\" must be a string, got a sequence",
                      "2:10: \"version\" must be an integer, got a quoted string",
                      "3:10: \"trigger\" must be a string, got a mapping",
                      "5:3: \"steps\" must be a sequence of steps, got a mapping"}));
    EXPECT_EQ(errorsOf("name: c\nversion: 1.5\ntrigger: place_order\nsteps:\n  - just-a-name\n  - name:\n    plugin: "
                       "p\n    step: k\n    attempts: many\n    config: [1]\n"),
              (Errors{"2:10: \"version\" must be an integer, got a floating-point number",
                      "5:5: each step must be a mapping (name:, plugin:, step:), got a string",
                      "6:5: \"name\" must be a string, got null (an empty value)",
                      "9:15: \"attempts\" must be an integer, got a string",
                      "10:13: \"config\" must be a mapping, got a sequence"}));
}

TEST(ChainFileParser, BadValues) {
    EXPECT_EQ(errorsOf("name: Place_Order\nversion: 0\ntrigger: shout\nsteps:\n  - name: s\n    plugin: has space\n    "
                       "step: k\n    attempts: 101\n"),
              (Errors{"1:7: \"name\" must be 1 to 64 of lowercase letters, digits and '-', got \"Place_Order\"",
                      "2:10: \"version\" must be between 1 and 2147483647, got 0",
                      "3:10: \"trigger\" must be one of place_order, cancel_order, return_order, service_order, "
                      "custom_order, got \"shout\"",
                      "6:13: \"plugin\" must be 1 to 128 of letters, digits and . _ - (a plugin id), got \"has space\"",
                      "8:15: \"attempts\" must be between 1 and 100, got 101"}));
    EXPECT_EQ(
        errorsOf("name: " + std::string(65, 'a') + "\nversion: 99999999999\ntrigger: place_order\nsteps:\n" + kStep)
            .size(),
        2u);
}

// The loader accepts step kind names of up to 128 characters; so do chains (they allowed 64, and
// a plugin's longer kind could be loaded but never used). A long bad value is shown cut, saying so.
TEST(ChainFileParser, AStepKindNameMayBeAsLongAsTheLoaderAllows) {
    const std::string head = kHead + "steps:\n  - name: s\n    plugin: p.q\n    step: ";
    EXPECT_EQ(errorsOf(head + std::string(128, 'k') + "\n"), Errors{});
    EXPECT_EQ(errorsOf(head + std::string(129, 'k') + "\n"),
              Errors{"7:11: \"step\" must be 1 to 128 of letters, digits and . _ - (a step kind name), got \"" +
                     std::string(80, 'k') + "\"... (129 bytes)"});
}

TEST(ChainFileParser, DuplicateStepNamesPointAtTheSecond) {
    EXPECT_EQ(errorsOf(kHead + "steps:\n" + kStep + kStep),
              Errors{"8:11: duplicate step name \"s\" (first used at line 5)"});
}

TEST(ChainFileParser, EmptySteps) {
    EXPECT_EQ(errorsOf(kHead + "steps: []\n"), Errors{"4:8: \"steps\" is empty: a chain needs at least one step"});
}

TEST(ChainFileParser, DuplicateKeys) {
    EXPECT_EQ(errorsOf(kHead + "version: 2\nsteps:\n" + kStep + "    config:\n      a: 1\n      a: 2\n"),
              (Errors{"4:1: duplicate field \"version\" (first given at line 2)", "11:7: duplicate key \"a\""}));
}

TEST(ChainFileParser, WholeFileProblems) {
    EXPECT_EQ(errorsOf(""), Errors{"1:1: the file holds no chain definition"});
    EXPECT_EQ(errorsOf("# only a comment\n"), Errors{"1:1: the file holds no chain definition"});
    EXPECT_EQ(errorsOf("- a\n- b\n"),
              Errors{"1:1: a chain file must be a mapping (name:, version:, trigger:, steps:), got a sequence"});
    EXPECT_EQ(errorsOf(kHead + "steps:\n" + kStep + "---\nname: other\n"),
              Errors{"9:1: a chain file holds exactly one YAML document; found a second one"});
    const auto big = parseChainText(std::string(kMaxChainFileBytes + 1, '#'), "big.yaml");
    ASSERT_EQ(big.errors.size(), 1u);
    EXPECT_EQ(big.errors[0].toString(), "big.yaml: the file is larger than 1048576 bytes");
    EXPECT_EQ(parseChainFile(kData + "/does-not-exist.yaml").errors.at(0).message, "cannot read the file");
}

// Found by tests/fuzz/fuzz_chain_file: yaml-cpp's LoadAll never returned for a file that is
// just ",", allocating until memory ran out. Run in a child with an alarm so that a
// regression fails instead of hanging the suite.
TEST(ChainFileParser, ALeadingCommaEndsWithAnError) {
    ASSERT_EXIT(
        {
            alarm(10);
            const ChainParseResult result = parseChainText(",x\nsteps:\n", "t.yaml");
            const bool refused = !result.ok() && !result.errors.empty();
            std::exit(refused && parseChainText(",", "t.yaml").errors.size() >= 1 ? 0 : 1);
        },
        ::testing::ExitedWithCode(0), "");
    EXPECT_EQ(errorsOf(","), (Errors{"1:1: the file holds no chain definition"}));
}

TEST(ChainFileParser, HostileNestingIsAnErrorNotACrash) {
    const auto flow = errorsOf("name: c\nsteps: " + std::string(100000, '[') + "\n");
    ASSERT_EQ(flow.size(), 1u);
    EXPECT_NE(flow[0].find("YAML nests too deeply"), std::string::npos) << flow[0];
    std::string block = kHead + "steps:\n" + kStep + "    config:\n";
    for (int i = 0; i < 70; ++i) block += std::string(6 + 2 * i, ' ') + "k:\n";
    block += std::string(146, ' ') + "leaf: 1\n";
    const auto deep = errorsOf(block);
    ASSERT_EQ(deep.size(), 1u);
    EXPECT_NE(deep[0].find("nests deeper than 64 levels"), std::string::npos) << deep[0];
}

TEST(ChainFileParser, BillionLaughsAcrossStepsSharesOneBudget) {
    std::string yaml = "x-lol: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
    for (int i = 1; i <= 6; ++i) {
        yaml += "x" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
        for (int j = 0; j < 10; ++j) yaml += (j ? ", *l" : "*l") + std::to_string(i - 1);
        yaml += "]\n";
    }
    // Each config alone stays under the budget; 200 of them do not.
    yaml += "name: c\nversion: 1\ntrigger: place_order\nsteps:\n";
    for (int i = 0; i < 200; ++i)
        yaml += "  - {name: s" + std::to_string(i) + ", plugin: p, step: k, config: {v: *l3}}\n";
    const auto start = std::chrono::steady_clock::now();
    const auto errors = errorsOf(yaml);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    ASSERT_GE(errors.size(), 2u);  // the unknown x- fields, then the exhausted budget
    EXPECT_NE(errors.back().find("too large once aliases are expanded"), std::string::npos) << errors.back();
}

TEST(ChainFileParser, CollectsAllErrorsOfAFile) {
    EXPECT_EQ(errorsOf("name: X\nversion: -1\nsteps:\n  - name: A\n    plugin: p\n    step: k\n    extra: 1\n").size(),
              5u);
}

}  // namespace
}  // namespace orderhost::chains

namespace orderhost::chains {
namespace {

TEST(ChainFileParser, CancellableUntilNamesAStepOfTheChain) {
    const auto result = parseChainText(kHead + "cancellable_until: s\nsteps:\n" + kStep, "t.yaml");
    ASSERT_TRUE(result.ok()) << result.errors.front().toString();
    EXPECT_EQ(result.chain->cancellableUntil, "s");
    EXPECT_EQ(parseChainText(kHead + "steps:\n" + kStep, "t.yaml").chain->cancellableUntil, "");
}

TEST(ChainFileParser, CancellableUntilAnUnknownStepIsRefusedAtItsLine) {
    // Given after the steps, too: the check runs once every step name is known.
    EXPECT_EQ(errorsOf(kHead + "steps:\n" + kStep + "cancellable_until: ship\n"),
              Errors{"8:20: \"cancellable_until\" names no step of this chain: \"ship\""});
    EXPECT_EQ(errorsOf(kHead + "cancellable_until: Ship!\nsteps:\n" + kStep),
              Errors{"4:20: \"cancellable_until\" must be 1 to 64 of lowercase letters, digits and '-' (a step name), "
                     "got \"Ship!\""});
}

}  // namespace
}  // namespace orderhost::chains
