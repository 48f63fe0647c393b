#include "host/document/JsonSyntax.h"

#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <random>
#include <string>

namespace orderhost::document {
namespace {

std::optional<JsonParseError> check(std::string_view text, JsonLimits limits = {}) {
    return checkJsonSyntax(text, limits);
}

TEST(JsonSyntax, AcceptsValidDocuments) {
    for (const char* text : {"{}", "[]", "0", "-0", "1.5e-3", "\"x\"", "true", "null",
                             R"({"a":[1,2,{"b":null}],"c":"\u00e9\ud83d\ude00\n"})", " \t\r\n{} "}) {
        EXPECT_FALSE(check(text)) << text;
    }
}

TEST(JsonSyntax, ReportsLineAndColumn) {
    const auto error = check("{\"a\": 1,\n  \"b\": tru}");
    ASSERT_TRUE(error);
    EXPECT_EQ(error->line, 2);
    EXPECT_EQ(error->column, 8);
    EXPECT_EQ(error->offset, 16u);
    EXPECT_EQ(error->toString(), "line 2, column 8: unexpected 't': expected a JSON value");
}

TEST(JsonSyntax, RejectsMalformedInput) {
    for (const char* text : {"",
                             "   ",
                             "{",
                             "[1,]",
                             "{\"a\":1,}",
                             "01",
                             "1.",
                             ".5",
                             "-",
                             "+1",
                             "1e",
                             "NaN",
                             "Infinity",
                             "'a'",
                             "{a:1}",
                             "/*c*/{}",
                             "{} x",
                             "[1 2]",
                             "\"\\x\"",
                             "\"\\u12\"",
                             "\"tab\there\"",
                             "\"\\ud800\"",
                             "\"\\udc00\"",
                             "\"\\ud800\\u0041\"",
                             "\xef\xbb\xbf{}",
                             "\"unterminated"}) {
        EXPECT_TRUE(check(text)) << text;
    }
}

TEST(JsonSyntax, RejectsInvalidUtf8) {
    for (const char* text :
         {"\"\xff\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xe2\x82\"", "\"\x80\""}) {
        EXPECT_TRUE(check(text)) << text;
    }
    EXPECT_FALSE(check("\"\xe2\x82\xac \xf0\x9f\x98\x80\""));
}

TEST(JsonSyntax, RejectsDuplicateKeysAtTheSecondOne) {
    const auto error = check(R"({"a":1,"\u0061":2})");
    ASSERT_TRUE(error);
    EXPECT_EQ(error->message, "duplicate key \"a\"");
    EXPECT_EQ(error->column, 8);
    EXPECT_FALSE(check(R"({"a":{"a":1},"b":{"a":2}})"));
    // The message goes back to the client: its key is cut to 64 bytes and its control characters escaped.
    const std::string longKey = std::string(63, 'k') + "\u00e9" + std::string(500, 'k');
    const auto cut = check("{\"" + longKey + "\":1,\"" + longKey + "\":2}");
    ASSERT_TRUE(cut);
    EXPECT_EQ(cut->message, "duplicate key \"" + std::string(63, 'k') + "...\"");
    const auto control = check(R"({"a\u001b[2J":1,"a\u001b[2J":2})");
    ASSERT_TRUE(control);
    EXPECT_EQ(control->message, R"(duplicate key "a\u001b[2J")");
}

TEST(JsonSyntax, RejectsNulInKeysWhichPocoWouldCut) {
    // Poco keeps "a\u0000x" and "a\u0000y" both as "a": a duplicate the check above misses.
    const auto error = check(R"({"a\u0000x":1,"a\u0000y":2})");
    ASSERT_TRUE(error);
    EXPECT_EQ(error->message, "object key must not contain \\u0000 (NUL)");
    EXPECT_EQ(error->column, 2);
    EXPECT_TRUE(check(R"({"ok":{"\u0000":1}})"));
    // NUL in string values is fine here: Poco keeps those intact.
    EXPECT_FALSE(check(R"({"a":"x\u0000y","b":["\u0000"]})"));
}

TEST(JsonSyntax, RejectsNumbersPocoWouldCorrupt) {
    EXPECT_FALSE(check("9223372036854775807"));
    EXPECT_FALSE(check("-9223372036854775808"));
    EXPECT_FALSE(check("18446744073709551615"));
    EXPECT_TRUE(check("18446744073709551616"));  // Poco 1.11 silently parses this as 0
    EXPECT_TRUE(check("-9223372036854775809"));
    EXPECT_TRUE(check("1e999"));
}

// Poco 1.11 reads a negative integer through a double. Whatever the checker lets through must
// come back from Poco with the same digits; the rest is refused with a message saying why.
TEST(JsonSyntax, NegativeIntegersPocoWouldRoundAreRefused) {
    for (const char* text : {"-9007199254740992", "-9007199254740993", "-9007199254740994", "-9007199254740995",
                             "-92233726854775807", "-9223372036854775807", "-9223372036854775808",
                             "-1152921504606846976", "-1152921504606846977", "9007199254740993", "-1"}) {
        const std::string array = std::string("[") + text + "]";
        const auto error = check(array);
        if (error) {
            EXPECT_EQ(error->message,
                      "negative integer below -9007199254740992 (-2^53) would be rounded; send it as a string")
                << text;
            EXPECT_EQ(error->column, 2) << text;
            EXPECT_TRUE(parseFlatJsonArray(array, {}).error) << text;
            continue;
        }
        Poco::JSON::Parser parser;
        const auto parsed = parser.parse(array).extract<Poco::JSON::Array::Ptr>();
        EXPECT_EQ(parsed->get(0).convert<std::string>(), text) << "accepted but Poco changed it";
    }
    EXPECT_TRUE(check("[-9007199254740993]"));
    EXPECT_TRUE(check("-9223372036854775807"));
    EXPECT_FALSE(check("-9223372036854775808"));  // -2^63: a double holds it exactly
    EXPECT_FALSE(check("-9007199254740993.0"));   // a float: a double anyway, as documented
}

TEST(JsonSyntax, EnforcesDepthLimit) {
    JsonLimits limits;
    limits.maxDepth = 3;
    EXPECT_FALSE(check("[[[1]]]", limits));
    const auto error = check("[[[[1]]]]", limits);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->message, "nesting deeper than 3 levels");
    EXPECT_EQ(error->column, 4);
}

TEST(JsonSyntax, SurvivesHundredThousandNestedBrackets) {
    EXPECT_TRUE(check(std::string(100000, '[')));
    EXPECT_TRUE(check(std::string(100000, '{')));
    JsonLimits unlimited;
    unlimited.maxDepth = 1000000;  // clamped to kMaxSupportedDepth
    EXPECT_TRUE(check(std::string(100000, '[') + std::string(100000, ']'), unlimited));
}

TEST(JsonSyntax, EnforcesSizeLimitBeforeParsing) {
    JsonLimits limits;
    limits.maxBytes = 10;
    const auto error = check("[1,2,3,4,5,6]", limits);
    ASSERT_TRUE(error);
    EXPECT_NE(error->message.find("limit is 10"), std::string::npos);
}

TEST(JsonSyntax, AFlatArrayHandsBackItsElementsDecodedOrAsWritten) {
    const FlatJsonArray flat =
        parseFlatJsonArray(R"( ["A-1\u00e9\n", -12, 3.50, 1e2, true, false, null, [1], {"k": "v"}] )", {});
    ASSERT_FALSE(flat.error) << flat.error->toString();
    ASSERT_TRUE(flat.isArray);
    using Kind = JsonScalar::Kind;
    ASSERT_EQ(flat.elements.size(), 9u);
    EXPECT_EQ(flat.elements[0].kind, Kind::String);
    EXPECT_EQ(flat.elements[0].text, "A-1\xc3\xa9\n");
    EXPECT_EQ(flat.elements[1].kind, Kind::Number);
    EXPECT_EQ(flat.elements[1].text, "-12");
    EXPECT_EQ(flat.elements[2].text, "3.50");
    EXPECT_EQ(flat.elements[3].text, "1e2");
    EXPECT_EQ(flat.elements[4].kind, Kind::Boolean);
    EXPECT_TRUE(flat.elements[4].boolean);
    EXPECT_FALSE(flat.elements[5].boolean);
    EXPECT_EQ(flat.elements[6].kind, Kind::Null);
    EXPECT_EQ(flat.elements[7].kind, Kind::Structure);
    EXPECT_EQ(flat.elements[8].kind, Kind::Structure);
}

// parseFlatJsonArray is the same checker with the top level's elements kept: it must refuse
// what checkJsonSyntax refuses, where it does, and accept the rest.
TEST(JsonSyntax, AFlatArrayIsCheckedExactlyAsCheckJsonSyntaxChecks) {
    JsonLimits flatOnly;
    flatOnly.maxDepth = 1;
    for (const char* text : {"[]", " [1, \"x\", null] ", "[[1]]", "[1,]", "[\"\xff\"]", "[\"\\ud800\"]", "[01]",
                             "[18446744073709551616]", "[1] 2", "{\"a\": 1}", "\"x\"", "", "[\"a\",\n {\"b\": tru}]"}) {
        const auto expected = checkJsonSyntax(text, flatOnly);
        const FlatJsonArray flat = parseFlatJsonArray(text, flatOnly);
        EXPECT_EQ(flat.error ? flat.error->toString() : "accepted", expected ? expected->toString() : "accepted")
            << text;
        const bool array = std::string_view(text).find_first_not_of(' ') != std::string_view::npos &&
                           text[std::string_view(text).find_first_not_of(' ')] == '[';
        EXPECT_EQ(flat.isArray, !expected && array) << text;
        if (!flat.isArray) {
            EXPECT_TRUE(flat.elements.empty()) << text;
        }
    }
    JsonLimits tiny;
    tiny.maxBytes = 4;
    EXPECT_EQ(parseFlatJsonArray("[1,2,3]", tiny).error->message, "input is 7 bytes; the limit is 4");
}

TEST(JsonSyntax, NeverCrashesOnRandomInput) {
    std::mt19937 random(12345);
    const std::string alphabet = "{}[]\",:0123456789-+.eEtrufalsn\\u \n\x80\xff";
    for (int i = 0; i < 20000; ++i) {
        std::string text(random() % 40, ' ');
        for (char& c : text) c = alphabet[random() % alphabet.size()];
        check(text);
    }
    SUCCEED();
}

}  // namespace
}  // namespace orderhost::document
