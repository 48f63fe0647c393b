#include "host/api/ClientText.h"

#include <gtest/gtest.h>

namespace orderhost::api {
namespace {

const std::string kReplacement = "\xEF\xBF\xBD";

TEST(ClientTextTest, ValidUtf8IsKeptAsItIs) {
    const std::string text = "plain, \xC3\xA9t\xC3\xA9, \xE2\x82\xAC, \xF0\x9F\x93\xA6, \x7F and \n";
    EXPECT_EQ(validUtf8(text), text);
}

TEST(ClientTextTest, EveryMalformedSequenceBecomesTheReplacementCharacter) {
    EXPECT_EQ(validUtf8("a\xFF"
                        "b"),
              "a" + kReplacement + "b");
    EXPECT_EQ(validUtf8("\xC0\xAF"), kReplacement + kReplacement);                     // overlong '/'
    EXPECT_EQ(validUtf8("\xED\xA0\x80"), kReplacement + kReplacement + kReplacement);  // a UTF-16 surrogate
    EXPECT_EQ(validUtf8("\xF4\x90\x80\x80").find('\xF4'), std::string::npos);          // above U+10FFFF
    EXPECT_EQ(validUtf8("end\xE2\x82"), "end" + kReplacement + kReplacement);          // cut short
}

TEST(ClientTextTest, ClientTextShowsControlCharactersAndCutsOnACharacterBoundary) {
    EXPECT_EQ(clientText("a\nb\x1B[31m\x7F"), "a\\x0Ab\\x1B[31m\\x7F");
    EXPECT_EQ(clientText("id\xFF"), "id" + kReplacement);
    EXPECT_EQ(clientText("\xC3\xA9\xC3\xA9\xC3\xA9", 5), "\xC3\xA9\xC3\xA9...");
    EXPECT_EQ(clientText(std::string("a\0b", 3)), "a\\x00b");
}

TEST(ClientTextTest, LoggableTextShowsTheBytesThatAreNotUtf8) {
    EXPECT_EQ(loggableText("GET /x\xFF\r\n[fake] line"), "GET /x\\xFF\\x0D\\x0A[fake] line");
    EXPECT_EQ(loggableText(std::string(300, 'a')).size(), 203u);
}

}  // namespace
}  // namespace orderhost::api
