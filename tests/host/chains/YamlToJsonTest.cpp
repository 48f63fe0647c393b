#include "host/chains/YamlToJson.h"

#include <gtest/gtest.h>

#include <chrono>

namespace orderhost::chains {
namespace {

// Converts the value of key "v" in `yaml`; returns the JSON or "ERROR line N: message".
std::string convert(const std::string& yaml, YamlToJson::Limits limits = {}) {
    std::vector<ChainError> errors;
    YamlToJson converter("t.yaml", errors, limits);
    const auto json = converter.convert(YAML::Load(yaml)["v"]);
    if (json) return *json;
    return errors.empty() ? "ERROR without message"
                          : "ERROR line " + std::to_string(errors[0].location.line) + ": " + errors[0].message;
}

TEST(YamlToJson, PlainScalarsFollowTheYaml12CoreSchema) {
    EXPECT_EQ(convert("v: [~, null, Null, NULL, , true, True, FALSE]"), "[null,null,null,null,null,true,true,false]");
    EXPECT_EQ(convert("v: [0, -7, +5, 0x1F, 0o17, 007]"), "[0,-7,5,31,15,7]");
    EXPECT_EQ(convert("v: [1.5, .5, -2., 1e3, 1E-2, +0.25]"), "[1.5,0.5,-2.0,1000.0,0.01,0.25]");
    EXPECT_EQ(convert("v: [yes, no, on, off, y, n, 1_000, 0b11, 1.2.3, -, nul]"),
              R"(["yes","no","on","off","y","n","1_000","0b11","1.2.3","-","nul"])");
}

TEST(YamlToJson, QuotedAndStrTaggedScalarsStayStrings) {
    EXPECT_EQ(convert("v: [\"1\", '2', \"true\", '~', \"\", !!str 3, !!str null]"),
              R"(["1","2","true","~","","3","null"])");
}

TEST(YamlToJson, IntegersStayExactInt64) {
    EXPECT_EQ(convert("v: [9223372036854775807, -9223372036854775808]"), "[9223372036854775807,-9223372036854775808]");
    EXPECT_EQ(convert("v: 9223372036854775808"), "ERROR line 1: integer 9223372036854775808 does not fit in 64 bits");
    EXPECT_EQ(convert("v: 0xFFFFFFFFFFFFFFFF"), "ERROR line 1: integer 0xFFFFFFFFFFFFFFFF does not fit in 64 bits");
    EXPECT_EQ(convert("v: -9007199254740993"),
              "ERROR line 1: integer -9007199254740993 is below -2^53 and would be rounded; quote it as a string");
    EXPECT_EQ(convert("v: -9007199254740992"), "-9007199254740992");
}

TEST(YamlToJson, UnrepresentableValuesAreErrors) {
    EXPECT_EQ(convert("v:\n  a: .inf"), "ERROR line 2: .inf cannot be represented in JSON");
    EXPECT_EQ(convert("v:\n  a: .nan"), "ERROR line 2: .nan cannot be represented in JSON");
    EXPECT_EQ(convert("v: 1e999"), "ERROR line 1: number 1e999 is out of range for a double");
    EXPECT_EQ(convert("v: !!binary aGVsbG8="), "ERROR line 1: unsupported YAML tag tag:yaml.org,2002:binary");
}

TEST(YamlToJson, MappingsKeepOrderAndEscapeStrings) {
    EXPECT_EQ(convert("v:\n  z: 1\n  a: \"say \\\"hi\\\"\\n\"\n  1: one\n"), R"({"z":1,"a":"say \"hi\"\n","1":"one"})");
}

TEST(YamlToJson, AnchorsAndAliasesAreFollowed) {
    EXPECT_EQ(convert("base: &b {price: 1}\nv: {a: *b, b: *b}"), R"({"a":{"price":1},"b":{"price":1}})");
}

TEST(YamlToJson, RejectsMergeKeysDuplicateKeysAndComplexKeys) {
    EXPECT_EQ(convert("b: &b {x: 1}\nv:\n  <<: *b\n"), "ERROR line 3: merge keys (<<) are not supported");
    EXPECT_EQ(convert("v:\n  x: 1\n  x: 2\n"), "ERROR line 3: duplicate key \"x\"");
    EXPECT_EQ(convert("v:\n  ? [1, 2]\n  : 3\n"), "ERROR line 2: configuration keys must be strings, got a sequence");
}

TEST(YamlToJson, DepthIsLimitedAndStopsSelfReferences) {
    YamlToJson::Limits limits;
    limits.maxDepth = 3;
    EXPECT_EQ(convert("v: [[[1]]]", limits), "[[[1]]]");
    EXPECT_EQ(convert("v: [[[[1]]]]", limits).substr(0, 50), "ERROR line 1: the configuration nests deeper than ");
    EXPECT_NE(convert("v: &a [*a]").find("nests deeper than 64 levels (or an alias refers to itself)"),
              std::string::npos);
}

TEST(YamlToJson, BillionLaughsIsStoppedQuickly) {
    std::string yaml = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
    for (int i = 1; i <= 9; ++i) {
        yaml += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
        for (int j = 0; j < 10; ++j) yaml += (j ? ", *a" : "*a") + std::to_string(i - 1);
        yaml += "]\n";
    }
    yaml += "v: *a9\n";  // 10^10 strings once expanded
    const auto start = std::chrono::steady_clock::now();
    const std::string result = convert(yaml);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    // Reported at the value that broke the budget; an aliased node's mark is where its anchor is.
    EXPECT_EQ(result.substr(0, 70), "ERROR line 1: the configuration is too large once aliases are expanded");
    EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST(YamlToJson, OutputBytesAreLimited) {
    YamlToJson::Limits limits;
    limits.maxBytes = 100;
    EXPECT_NE(convert("v: [" + std::string(200, 'x') + "]", limits).find("bytes of JSON"), std::string::npos);
}

TEST(YamlToJson, InvalidUtf8IsRefused) {
    EXPECT_NE(convert("v: \"\xff\"").find("not valid JSON once converted"), std::string::npos);
}

TEST(YamlToJson, DescribesNodes) {
    const YAML::Node node = YAML::Load("[{}, [], ~, true, 1, 1.5, x, 'y']");
    const char* expected[] = {"a mapping", "a sequence",     "null (an empty value)",
                              "a boolean", "an integer",     "a floating-point number",
                              "a string",  "a quoted string"};
    for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(describeNode(node[i]), expected[i]) << i;
}

}  // namespace
}  // namespace orderhost::chains
