// The registry with plugins.pins: a file loads only when its SHA-256 is pinned, under the id
// pinned with it; an unpinned file is refused before any of its code runs, with its hash.
#include "host/plugins/PluginRegistry.h"
#include "host/plugins/SealedPluginCopy.h"
#include "host/services/HostServices.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace orderhost::plugins {
namespace {
namespace fs = std::filesystem;

// Set by the marks_on_load fixture's constructor in whichever process runs it.
constexpr const char* kConstructorRanMarker = "ORDERHOST_TEST_PLUGIN_RAN";

class PluginRegistryPinsTest : public ::testing::Test {
protected:
    void SetUp() override {
        folder_ = fs::temp_directory_path() / ("orderhost-pinned-" + std::to_string(::getpid()) + "-" +
                                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(folder_);
        fs::create_directories(folder_);
    }
    void TearDown() override { fs::remove_all(folder_); }

    fs::path copyIn(const std::string& name) {
        const fs::path target = folder_ / (name + ".so");
        fs::copy_file(fs::path(ORDERHOST_TEST_PLUGIN_DIR) / (name + ".so"), target);
        return target;
    }
    static std::string hashOf(const fs::path& file) {
        std::string problem;
        return sha256OfFile(file, problem);
    }
    static RegistryOptions pinned(const std::string& lines, bool probe = true) {
        RegistryOptions options;
        options.pins = std::make_shared<const PluginPins>(PluginPins::parse(lines, "/etc/orderhost/plugins.pins"));
        options.probeFirst = probe;
        return options;
    }

    fs::path folder_;
};

TEST_F(PluginRegistryPinsTest, APinnedPluginLoadsUnderItsOwnFileName) {
    const fs::path good = copyIn("good");
    for (const bool probe : {true, false}) {
        PluginRegistry registry(services::hostInfo(), pinned(hashOf(good) + "  test.good  good.so\n", probe));
        const LoadedPlugin* plugin = registry.loadFile(good);
        ASSERT_NE(plugin, nullptr) << (registry.refusals().empty() ? "" : registry.refusals()[0].reason);
        EXPECT_EQ(plugin->manifest.id, "test.good");
        EXPECT_EQ(plugin->manifest.file, good.string()) << "not the /proc/self/fd name of the copy";
        EXPECT_NE(plugin->findStepKind("echo"), nullptr);
    }
}

TEST_F(PluginRegistryPinsTest, AnUnpinnedFileIsRefusedWithItsHashBeforeAnyOfItsCodeRuns) {
    const fs::path good = copyIn("good");
    const fs::path marks = copyIn("marks_on_load");
    ::unsetenv(kConstructorRanMarker);
    // Without the probe, the host itself would be the first to run it.
    PluginRegistry registry(services::hostInfo(), pinned(hashOf(good) + "  test.good\n", false));
    registry.loadFolder(folder_);
    EXPECT_EQ(std::getenv(kConstructorRanMarker), nullptr) << "the unpinned plugin's constructor ran in the host";
    ASSERT_EQ(registry.refusals().size(), 1u);
    EXPECT_EQ(registry.refusals()[0].file, marks.string());
    EXPECT_EQ(registry.refusals()[0].reason,
              "its SHA-256 " + hashOf(marks) +
                  " is not listed in plugins.pins (/etc/orderhost/plugins.pins); none "
                  "of its code ran. If this file is trusted, review `orderhost plugins pin` on it and add the line");
    ASSERT_EQ(registry.plugins().size(), 1u);
    EXPECT_EQ(registry.plugins()[0].manifest.id, "test.good");
}

TEST_F(PluginRegistryPinsTest, APinnedHashThatDeclaresAnotherIdIsRefused) {
    const fs::path good = copyIn("good");
    const std::string hash = hashOf(good);
    for (const bool probe : {true, false}) {
        PluginRegistry registry(services::hostInfo(), pinned("# line 1\n" + hash + "  test.other\n", probe));
        EXPECT_EQ(registry.loadFile(good), nullptr);
        ASSERT_EQ(registry.refusals().size(), 1u);
        EXPECT_EQ(registry.refusals()[0].reason, "it declares plugin id 'test.good', but its SHA-256 " + hash +
                                                     " is pinned for 'test.other' (/etc/orderhost/plugins.pins:2)");
    }
}

// The pin is on the content: a file renamed, or a twin with other bytes, is judged by its hash.
TEST_F(PluginRegistryPinsTest, TheHashDecidesNotTheFileName) {
    const fs::path good = copyIn("good");
    const fs::path other = copyIn("other");
    const std::string lines = hashOf(good) + "  test.good  other.so (the name does not matter)\n";
    fs::rename(good, folder_ / "renamed.so");
    PluginRegistry registry(services::hostInfo(), pinned(lines));
    registry.loadFolder(folder_);
    ASSERT_EQ(registry.plugins().size(), 1u);
    EXPECT_EQ(registry.plugins()[0].manifest.file, (folder_ / "renamed.so").string());
    ASSERT_EQ(registry.refusals().size(), 1u);
    EXPECT_EQ(registry.refusals()[0].file, other.string());
}

TEST_F(PluginRegistryPinsTest, PermissionsAreCheckedBeforeThePin) {
    const fs::path good = copyIn("good");
    ASSERT_EQ(::chmod(good.c_str(), 0664), 0);
    PluginRegistry registry(services::hostInfo(), pinned(hashOf(good) + "  test.good\n"));
    EXPECT_EQ(registry.loadFile(good), nullptr);
    ASSERT_EQ(registry.refusals().size(), 1u);
    EXPECT_EQ(registry.refusals()[0].reason.rfind("the file is writable by its group (mode 0664)", 0), 0u)
        << registry.refusals()[0].reason;
}

}  // namespace
}  // namespace orderhost::plugins
