// The SDK's JSON helpers (json.hpp, json_keys.hpp): pure functions, no host involved.
#include <orderhost/sdk/json.hpp>
#include <orderhost/sdk/json_keys.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace sdk = orderhost::sdk;

namespace {

TEST(SdkJson, QuoteEscapesQuotesBackslashesAndControlCharacters) {
    EXPECT_EQ(sdk::jsonQuote(""), "\"\"");
    EXPECT_EQ(sdk::jsonQuote("a\"b\\c"), R"("a\"b\\c")");
    EXPECT_EQ(sdk::jsonQuote("l1\nl2\r\t\b\f"), R"("l1\nl2\r\t\b\f")");
    EXPECT_EQ(sdk::jsonQuote(std::string("\x01\x1f", 2)), R"("\u0001\u001f")");
    EXPECT_EQ(sdk::jsonQuote(std::string("nul\0in", 6)), R"("nul\u0000in")");
    EXPECT_EQ(sdk::jsonQuote("é / ü"), "\"é / ü\"");  // UTF-8 and '/' pass through
}

TEST(SdkJson, ObjectBuilderKeepsOrderAndTypes) {
    std::string json = sdk::JsonObject()
                           .add("net", std::int64_t{-5})
                           .add("items", 3u)
                           .add("currency", "EUR")
                           .add("ok", true)
                           .addNull("to")
                           .addJson("nested", sdk::JsonObject().add("k\"", "v").str())
                           .str();
    EXPECT_EQ(json, R"({"net":-5,"items":3,"currency":"EUR","ok":true,"to":null,"nested":{"k\"":"v"}})");
    EXPECT_EQ(sdk::JsonObject().str(), "{}");
    EXPECT_EQ(sdk::JsonObject().add("max", std::numeric_limits<std::int64_t>::max()).str(),
              R"({"max":9223372036854775807})");
}

TEST(SdkJson, PathEscapesSegmentsAndFormatsIndexes) {
    EXPECT_EQ(sdk::path("lines", 3, "total"), "/lines/3/total");
    EXPECT_EQ(sdk::path("catalog", "A/B~C", "price"), "/catalog/A~1B~0C/price");
    EXPECT_EQ(sdk::path(), "");
    EXPECT_EQ(sdk::pointerEscape("~/"), "~0~1");
}

TEST(SdkJson, TypeOfRecognisesEveryKind) {
    EXPECT_EQ(sdk::jsonTypeOf(" {}"), sdk::JsonType::object);
    EXPECT_EQ(sdk::jsonTypeOf("[1]"), sdk::JsonType::array);
    EXPECT_EQ(sdk::jsonTypeOf("\"x\""), sdk::JsonType::string);
    EXPECT_EQ(sdk::jsonTypeOf("-1"), sdk::JsonType::number);
    EXPECT_EQ(sdk::jsonTypeOf("false"), sdk::JsonType::boolean);
    EXPECT_EQ(sdk::jsonTypeOf("null"), sdk::JsonType::null);
    EXPECT_EQ(sdk::jsonTypeOf(""), sdk::JsonType::invalid);
}

TEST(SdkJson, ObjectKeysSkipsNestedValuesAndUnescapesNames) {
    const char* json = R"({ "a": {"x": [1, {"y": "}"}]}, "b\"q": "str,]", "A\/B": -1.5e3,
                          "\u00e9\ud83d\ude00": true, "n": null, "e": [] })";
    std::vector<std::string> expected = {"a", "b\"q", "A/B", "\xc3\xa9\xf0\x9f\x98\x80", "n", "e"};
    EXPECT_EQ(sdk::objectKeys(json), expected);
    EXPECT_TRUE(sdk::objectKeys(" {} ").empty());
}

TEST(SdkJson, ObjectKeysRejectsNonObjectsAndMalformedText) {
    EXPECT_THROW(sdk::objectKeys("[1]"), sdk::Error);
    try {
        sdk::objectKeys(R"({"a": 1, "b)");
        FAIL() << "malformed JSON accepted";
    } catch (const sdk::Error& e) {
        EXPECT_EQ(e.status(), OH_STATUS_INVALID_ARGUMENT);
    }
    EXPECT_THROW(sdk::objectKeys(R"({"a" 1})"), sdk::Error);
    EXPECT_THROW(sdk::objectKeys(R"({"a": [1, 2)"), sdk::Error);
}

}  // namespace
