// parseStatementParams: the `params_json` of orderhost.db's execute, read into the values
// bound to each `?`, and the errors a plugin author sees for what cannot be bound.
#include "host/services/PluginStatement.h"

#include <gtest/gtest.h>

#include <string>

namespace orderhost::services {
namespace {

std::string refusal(std::string_view json) {
    try {
        parseStatementParams(json);
    } catch (const StatementError& error) {
        EXPECT_EQ(error.status(), OH_STATUS_INVALID_ARGUMENT);
        return error.what();
    }
    return "accepted";
}

TEST(PluginStatementParams, ScalarsBecomeTheValuesBound) {
    const std::vector<StatementParam> params =
        parseStatementParams(R"(["BOLT-M8", -9223372036854775808, 9223372036854775807, true, false, null, "\u00e9"])");
    ASSERT_EQ(params.size(), 7u);
    EXPECT_EQ(std::get<std::string>(params[0]), "BOLT-M8");
    EXPECT_EQ(std::get<std::int64_t>(params[1]), INT64_MIN);
    EXPECT_EQ(std::get<std::int64_t>(params[2]), INT64_MAX);
    EXPECT_EQ(std::get<bool>(params[3]), true);
    EXPECT_EQ(std::get<bool>(params[4]), false);
    EXPECT_TRUE(std::holds_alternative<std::nullptr_t>(params[5]));
    EXPECT_EQ(std::get<std::string>(params[6]), "\xc3\xa9");
}

TEST(PluginStatementParams, NothingOrWhitespaceIsNoValues) {
    EXPECT_TRUE(parseStatementParams("").empty());
    EXPECT_TRUE(parseStatementParams(" \n\t").empty());
    EXPECT_TRUE(parseStatementParams("[]").empty());
}

TEST(PluginStatementParams, WhatCannotBeBoundIsRefusedNamingTheValue) {
    EXPECT_EQ(refusal("[1, 9223372036854775808]"), "params_json[1] is an integer outside the int64 range");
    EXPECT_EQ(refusal(R"(["a", 2.5])"),
              "params_json[1] is a number with a fraction or exponent; parameters are strings, integers, "
              "true/false or null (money in minor units)");
    EXPECT_EQ(refusal("[1e2]").substr(0, 54), "params_json[0] is a number with a fraction or exponent");
    EXPECT_EQ(refusal("[1, [2]]"),
              "params_json is not a flat JSON array: line 1, column 5: nesting deeper than 1 levels");
    EXPECT_EQ(refusal("[1, 2"),
              "params_json is not a flat JSON array: line 1, column 6: unexpected end of input: "
              "expected ',' or ']'");
    EXPECT_EQ(refusal("[\"\xff\"]"), "params_json is not a flat JSON array: line 1, column 3: invalid UTF-8 byte 0xff");
    EXPECT_EQ(refusal(R"({"a": 1})"), "params_json must be a JSON array");
    EXPECT_EQ(refusal("7"), "params_json must be a JSON array");
}

}  // namespace
}  // namespace orderhost::services
