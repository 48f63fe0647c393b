// Cleaning of text that comes from plugins (host/plugins/PluginText.h).
#include "host/plugins/PluginText.h"

#include "host/plugins/PluginManifest.h"

#include <gtest/gtest.h>

namespace orderhost::plugins {
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
    EXPECT_EQ(cleanMessage(std::string("a\0b\nc\x1b[1m\x7f", 10)),
              "a" + kFffd + "b" + kFffd + "c" + kFffd + "[1m" + kFffd);
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

oh_status noCreate(const oh_create_args*, void**) { return OH_STATUS_OK; }
oh_status noRun(void*, const oh_step_call*) { return OH_STATUS_OK; }
void noDestroy(void*) {}

// The manifest read from a plugin of one step kind "k" with `flags`, built against `abiMinor`.
PluginManifest manifestWithFlags(std::uint32_t flags, std::uint16_t abiMinor) {
    oh_step_kind kind{};
    kind.struct_size = sizeof kind;
    kind.name = OH_STR("k");
    kind.flags = flags;
    kind.create = noCreate;
    kind.run = noRun;
    kind.destroy = noDestroy;
    const oh_step_kind* kinds[] = {&kind};
    oh_plugin_info info{};
    info.struct_size = sizeof info;
    info.abi_major = OH_ABI_MAJOR;
    info.abi_minor = abiMinor;
    info.id = OH_STR("test.flags");
    info.step_kind_count = 1;
    info.step_kinds = kinds;
    PluginManifest manifest;
    EXPECT_EQ(readManifest(&info, manifest), "");
    return manifest;
}

TEST(PluginText, ManifestTextIsCleanedWhenItIsRead) {
    oh_step_kind kind{};
    kind.struct_size = sizeof kind;
    kind.name = OH_STR("k");
    kind.description = OH_STR("kind\x1b[2J");
    kind.create = noCreate;
    kind.run = noRun;
    kind.destroy = noDestroy;
    const oh_step_kind* kinds[] = {&kind};
    oh_plugin_info info{};
    info.struct_size = sizeof info;
    info.abi_major = OH_ABI_MAJOR;
    info.id = OH_STR("test.text");
    info.version = OH_STR("1.0\n");
    info.vendor = OH_STR("ACME\xFF");
    info.description = OH_STR("line\nFORGED");
    info.step_kind_count = 1;
    info.step_kinds = kinds;
    PluginManifest manifest;
    ASSERT_EQ(readManifest(&info, manifest), "");
    EXPECT_EQ(manifest.version, "1.0" + kFffd);
    EXPECT_EQ(manifest.vendor, "ACME" + kFffd);
    EXPECT_EQ(manifest.description, "line" + kFffd + "FORGED");
    EXPECT_EQ(manifest.stepKinds[0].description, "kind" + kFffd + "[2J");
}

// Found in review: a 1.0 plugin's stray 0x2 bit was "unknown, ignored" when it was built; it
// must not become OH_STEP_NO_EXTERNAL_EFFECTS (which lets the engine batch the step).
TEST(PluginManifestFlags, NoExternalEffectsCountsOnlyFromA1_1Plugin) {
    for (const std::uint16_t minor : {0, 1}) {
        const PluginManifest manifest = manifestWithFlags(OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS, minor);
        ASSERT_EQ(manifest.stepKinds.size(), 1u);
        EXPECT_EQ(manifest.stepKinds[0].flags,
                  minor == 0 ? OH_STEP_THREAD_SAFE : (OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS))
            << "abi_minor " << minor;
    }
}

// Found by an integrator's probe: bits this host does not know (a later minor's, or stray ones)
// were shown by `plugins inspect` and GET /v1/plugins as if the host used them.
TEST(PluginManifestFlags, BitsThisHostDoesNotKnowAreCleared) {
    const PluginManifest manifest = manifestWithFlags(0xF0u | OH_STEP_THREAD_SAFE | OH_STEP_ANSWERS_QUOTES, 9);
    ASSERT_EQ(manifest.stepKinds.size(), 1u);
    EXPECT_EQ(manifest.stepKinds[0].flags, OH_STEP_THREAD_SAFE | OH_STEP_ANSWERS_QUOTES);
}

}  // namespace
}  // namespace orderhost::plugins
