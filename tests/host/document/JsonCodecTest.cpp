#include "host/document/JsonCodec.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

namespace orderhost::document {
namespace {

std::string roundTrip(std::string_view text) {
    const JsonValueResult parsed = parseJsonValue(text, JsonLimits{});
    EXPECT_TRUE(parsed.ok()) << text << ": " << (parsed.error ? parsed.error->toString() : "");
    return parsed.ok() ? toJsonText(parsed.value) : "";
}

TEST(JsonCodec, KeepsInsertionOrderAndIsCompact) {
    EXPECT_EQ(roundTrip(R"( { "z" : 1, "a" : { "y" : [ ], "b" : { } } } )"), R"({"z":1,"a":{"y":[],"b":{}}})");
}

TEST(JsonCodec, IntegersSurviveExactly) {
    EXPECT_EQ(roundTrip("[9223372036854775807,-9223372036854775808,18446744073709551615,0,-0]"),
              "[9223372036854775807,-9223372036854775808,18446744073709551615,0,0]");
}

TEST(JsonCodec, DoublesRoundTripAndStayDoubles) {
    EXPECT_EQ(roundTrip("[0.1,1e2,1.5,-2.0,1e300,0.30000000000000004]"),
              "[0.1,100.0,1.5,-2.0,1e+300,0.30000000000000004]");
}

TEST(JsonCodec, ScalarsAtTheTopLevel) {
    EXPECT_EQ(roundTrip("5"), "5");
    EXPECT_EQ(roundTrip("\"x\""), "\"x\"");
    EXPECT_EQ(roundTrip("null"), "null");
    EXPECT_EQ(roundTrip("false"), "false");
}

TEST(JsonCodec, EscapesStringsMinimally) {
    EXPECT_EQ(roundTrip(R"("a\/b\"\\\n\t\u0001\u0000é\u20ac")"), "\"a/b\\\"\\\\\\n\\t\\u0001\\u0000é€\"");
}

TEST(JsonCodec, CanonicalTextSortsMembersAtEveryLevel) {
    const JsonValueResult parsed = parseJsonValue(R"([{"b":{"d":1,"c":[{"f":0,"e":1.5}]},"a":"x"},7])", JsonLimits{});
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(toCanonicalJsonText(parsed.value), R"([{"a":"x","b":{"c":[{"e":1.5,"f":0}],"d":1}},7])");
    // The insertion-ordered writer is unaffected.
    EXPECT_EQ(toJsonText(parsed.value), R"([{"b":{"d":1,"c":[{"f":0,"e":1.5}]},"a":"x"},7])");
}

TEST(JsonCodec, ClassifiesTypes) {
    const auto parsed = parseJsonValue(R"([null,true,1,18446744073709551615,1.0,"s",[],{}])", JsonLimits{});
    ASSERT_TRUE(parsed.ok());
    const auto array = parsed.value.extract<Poco::JSON::Array::Ptr>();
    const JsonType expected[] = {JsonType::Null,   JsonType::Boolean, JsonType::Integer, JsonType::Integer,
                                 JsonType::Number, JsonType::String,  JsonType::Array,   JsonType::Object};
    for (unsigned i = 0; i < 8; ++i) EXPECT_EQ(jsonTypeOf(array->get(i)), expected[i]) << i;
    EXPECT_EQ(asInt64(array->get(2)), 1);
    EXPECT_FALSE(asInt64(array->get(3)));  // above int64
    EXPECT_FALSE(asInt64(array->get(4)));  // 1.0 is not an integer
    EXPECT_FALSE(asInt64(array->get(1)));
}

TEST(JsonCodec, ParseErrorsCarryPosition) {
    const auto parsed = parseJsonValue("[1,\n2,,3]", JsonLimits{});
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error->line, 2);
    EXPECT_EQ(parsed.error->column, 3);
}

// What Poco 1.11 does on its own, i.e. why checkJsonSyntax runs first. If an upgrade changes
// one of these, revisit JsonSyntax.h.
Poco::Dynamic::Var pocoParse(const std::string& text) {
    Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
    return parser.parse(text);
}

TEST(PocoJsonAssumptions, RecursesButStopsAt128Levels) {
    EXPECT_NO_THROW(pocoParse(std::string(128, '[') + std::string(128, ']')));
    EXPECT_THROW(pocoParse(std::string(129, '[') + std::string(129, ']')), Poco::Exception);
    EXPECT_THROW(pocoParse(std::string(100000, '[')), Poco::Exception);  // no stack overflow
}

TEST(PocoJsonAssumptions, SilentlyWrapsIntegersBeyond64Bits) {
    const auto array = pocoParse("[18446744073709551616]").extract<Poco::JSON::Array::Ptr>();
    EXPECT_EQ(array->get(0).convert<Poco::UInt64>(), 0u);
}

TEST(PocoJsonAssumptions, RefusesTopLevelScalarsAndKeepsTheLastDuplicate) {
    EXPECT_THROW(pocoParse("5"), Poco::Exception);
    const auto object = pocoParse(R"({"a":1,"a":2})").extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(object->get("a").convert<int>(), 2);
}

TEST(PocoJsonAssumptions, CutsObjectKeysAtNul) {
    const auto object = pocoParse(R"({"a\u0000x":1,"a\u0000y":2,"s":"b\u0000c"})").extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(object->getNames(), (std::vector<std::string>{"a", "s"}));
    EXPECT_EQ(object->get("a").convert<int>(), 2);
    EXPECT_EQ(object->get("s").extract<std::string>(), std::string("b\0c", 3));  // values are kept whole
}

}  // namespace
}  // namespace orderhost::document
