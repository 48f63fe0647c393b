#include "host/document/JsonPointer.h"

#include <gtest/gtest.h>

namespace orderhost::document {
namespace {

using Tokens = std::vector<std::string>;

TEST(JsonPointer, ParsesRfc6901Examples) {
    EXPECT_EQ(JsonPointer::parse("")->tokens(), Tokens{});
    EXPECT_EQ(JsonPointer::parse("/")->tokens(), Tokens{""});
    EXPECT_EQ(JsonPointer::parse("/foo/0")->tokens(), (Tokens{"foo", "0"}));
    EXPECT_EQ(JsonPointer::parse("/a~1b")->tokens(), Tokens{"a/b"});
    EXPECT_EQ(JsonPointer::parse("/m~0n")->tokens(), Tokens{"m~n"});
    EXPECT_EQ(JsonPointer::parse("/~01")->tokens(), Tokens{"~1"});  // not "/"
    EXPECT_EQ(JsonPointer::parse("//x/")->tokens(), (Tokens{"", "x", ""}));
}

TEST(JsonPointer, RejectsMalformedPointers) {
    for (const char* text : {"foo", "#/foo", "/~", "/~2", "/a~"}) EXPECT_FALSE(JsonPointer::parse(text)) << text;
}

TEST(JsonPointer, ArrayIndices) {
    EXPECT_EQ(JsonPointer::arrayIndex("0"), 0u);
    EXPECT_EQ(JsonPointer::arrayIndex("42"), 42u);
    for (const char* token : {"", "-", "01", "00", "-1", "+1", "1a", " 1", "99999999999999999999999"})
        EXPECT_FALSE(JsonPointer::arrayIndex(token)) << token;
}

TEST(JsonPointer, EscapesTokens) { EXPECT_EQ(JsonPointer::escapeToken("a/b~c"), "a~1b~0c"); }

}  // namespace
}  // namespace orderhost::document
