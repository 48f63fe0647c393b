// Cleaning of text that comes from plugins (host/services/PluginText.h).
#include "host/services/PluginText.h"

#include <gtest/gtest.h>

namespace orderhost::services {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

TEST(PluginText, CodesArePrintableAsciiWithoutSpacesAndBounded) {
    bool changed = false;
    EXPECT_EQ(cleanCode("credit_limit_exceeded", changed), "credit_limit_exceeded");
    EXPECT_FALSE(changed);
    EXPECT_EQ(cleanCode("bad code\n\xFF\x1b", changed), "bad_code___");
    EXPECT_TRUE(changed);
    EXPECT_EQ(cleanCode(std::string(200, 'x'), changed).size(), kMaxPluginCodeBytes);
    EXPECT_TRUE(changed);
}

TEST(PluginText, MessagesBecomeValidUtf8WithoutControlCharacters) {
    EXPECT_EQ(cleanMessage("caf\xC3\xA9\ttab"), "caf\xC3\xA9\ttab");
    EXPECT_EQ(cleanMessage(std::string("a\0b\nc\x1b[1m\x7f", 10)), "a" + kFffd + "b" + kFffd + "c" + kFffd + "[1m" + kFffd);
    EXPECT_EQ(cleanMessage("\xFF\xC3"), kFffd + kFffd) << "an invalid byte and a truncated sequence";
    EXPECT_EQ(cleanMessage("\xC0\xAF"), kFffd + kFffd) << "an overlong form";
    EXPECT_EQ(cleanMessage("\xED\xA0\x80"), kFffd + kFffd + kFffd) << "a surrogate";
    EXPECT_EQ(cleanMessage("\xC2\x85"), kFffd) << "a C1 control (NEL)";
    EXPECT_EQ(cleanMessage("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80") << "4-byte characters stay";
}

TEST(PluginText, MessagesAreCutOnACharacterBoundary) {
    const std::string text = "ab\xC3\xA9";  // 4 bytes, the last character 2 bytes long
    EXPECT_EQ(cleanMessage(text, 3), "ab");
    EXPECT_EQ(cleanMessage(std::string(10000, 'x')).size(), kMaxPluginMessageBytes);
}

TEST(PluginText, LogLinesEscapeEveryControlCharacter) {
    EXPECT_EQ(escapeForLog("one\ntwo\r\tthree\x1b[31m"), "one\\ntwo\\r\\tthree\\x1b[31m");
    EXPECT_EQ(escapeForLog(std::string("nul\0", 4)), "nul\\x00");
    EXPECT_EQ(escapeForLog("\xC2\x9B"), "\\u009b") << "the C1 CSI escape";
    EXPECT_EQ(escapeForLog("\xFF"), kFffd);
    const std::string longLine = escapeForLog(std::string(kMaxPluginLogBytes * 2, 'x'));
    EXPECT_EQ(longLine.size(), kMaxPluginLogBytes);
    EXPECT_EQ(longLine.substr(longLine.size() - 3), "...");
}

}  // namespace
}  // namespace orderhost::services
