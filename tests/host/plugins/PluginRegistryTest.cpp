// The loader against real shared libraries: every refusal names the file and the reason,
// and the host keeps the plugins that passed.
#include "host/plugins/PluginProbe.h"
#include "host/plugins/PluginRegistry.h"
#include "host/services/HostServices.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <thread>
#include <type_traits>

namespace orderhost::plugins {
namespace {
namespace fs = std::filesystem;

fs::path fixture(const std::string& name) { return fs::path(ORDERHOST_TEST_PLUGIN_DIR) / (name + ".so"); }

// Set by the marks_on_load fixture's constructor in whichever process runs it.
constexpr const char* kRanMarker = "ORDERHOST_TEST_PLUGIN_RAN";

// Runs `f` on its own thread so that a hang fails the test instead of stalling the whole run
// (a thread that never finishes is abandoned).
template <class F>
std::optional<std::invoke_result_t<F>> finishesWithin(std::chrono::seconds limit, F f) {
    std::packaged_task<std::invoke_result_t<F>()> task(std::move(f));
    auto result = task.get_future();
    std::thread(std::move(task)).detach();
    if (result.wait_for(limit) != std::future_status::ready) return std::nullopt;
    return result.get();
}

class PluginRegistryTest : public ::testing::Test {
protected:
    void SetUp() override {
        folder_ = fs::temp_directory_path() / ("orderhost-plugins-" + std::to_string(::getpid()) + "-" +
                                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(folder_);
        fs::create_directories(folder_);
    }
    void TearDown() override { fs::remove_all(folder_); }

    fs::path copyIn(const std::string& name, const std::string& as = "") {
        const fs::path target = folder_ / (as.empty() ? name + ".so" : as);
        fs::copy_file(fixture(name), target);
        return target;
    }

    // Loads one file into a fresh registry and returns the refusal reason ("" if accepted).
    std::string refusalFor(const fs::path& file, RegistryOptions options = {}) {
        PluginRegistry registry(services::hostInfo(), options);
        if (registry.loadFile(file) != nullptr) return "";
        EXPECT_EQ(registry.refusals().size(), 1u);
        EXPECT_EQ(registry.refusals().front().file, fs::absolute(file).lexically_normal().string());
        return registry.refusals().front().reason;
    }

    fs::path folder_;
};

TEST_F(PluginRegistryTest, LoadsAGoodPluginAndReadsItsManifest) {
    PluginRegistry registry(services::hostInfo(), {});
    const LoadedPlugin* plugin = registry.loadFile(copyIn("good"));
    ASSERT_NE(plugin, nullptr);
    EXPECT_EQ(plugin->manifest.id, "test.good");
    EXPECT_EQ(plugin->manifest.version, "0.0.1");
    ASSERT_EQ(plugin->manifest.stepKinds.size(), 1u);
    EXPECT_EQ(plugin->manifest.stepKinds[0].name, "echo");
    EXPECT_NE(plugin->findStepKind("echo"), nullptr);
    EXPECT_EQ(plugin->findStepKind("nope"), nullptr);
    EXPECT_EQ(registry.find("test.good"), plugin);
}

TEST_F(PluginRegistryTest, RefusesAFileThatIsNotASharedLibrary) {
    const fs::path file = folder_ / "notes.so";
    std::ofstream(file) << "this is a text file, not an ELF object\n";
    EXPECT_EQ(refusalFor(file), "not a shared library (no ELF header)");
}

TEST_F(PluginRegistryTest, RefusesALibraryWithoutTheEntryFunction) {
    EXPECT_NE(refusalFor(copyIn("no_entry")).find("no exported entry function orderhost_plugin_entry()"),
              std::string::npos);
}

TEST_F(PluginRegistryTest, RefusesAnotherAbiMajorNamingTheField) {
    const std::string reason = refusalFor(copyIn("abi_major_2"));
    EXPECT_NE(reason.find("ABI major version mismatch: oh_plugin_info.abi_major is 2"), std::string::npos) << reason;
    EXPECT_NE(reason.find("this host speaks ABI 1.x"), std::string::npos) << reason;
}

TEST_F(PluginRegistryTest, RefusesAnEntryThatReturnsNull) {
    EXPECT_NE(refusalFor(copyIn("entry_null")).find("the entry function returned NULL"), std::string::npos);
}

TEST_F(PluginRegistryTest, RefusesAStructSmallerThanV1) {
    const std::string reason = refusalFor(copyIn("small_struct"));
    EXPECT_NE(reason.find("oh_plugin_info.struct_size is 16 bytes; ABI 1.0 requires at least " +
                          std::to_string(sizeof(oh_plugin_info))),
              std::string::npos)
        << reason;
}

TEST_F(PluginRegistryTest, RefusesAStepKindWithoutRun) {
    EXPECT_NE(refusalFor(copyIn("no_run")).find("lacks create, run or destroy"), std::string::npos);
}

// Which copy wins must not depend on file or folder order: both are refused, each naming both.
void expectBothRefusedNamingBoth(const PluginRegistry& registry, const fs::path& a, const fs::path& b) {
    EXPECT_TRUE(registry.plugins().empty());
    EXPECT_EQ(registry.find("test.good"), nullptr);
    ASSERT_EQ(registry.refusals().size(), 2u);
    for (const auto& refusal : registry.refusals()) {
        EXPECT_NE(refusal.reason.find("duplicate plugin id 'test.good': claimed by 2 files"), std::string::npos)
            << refusal.reason;
        EXPECT_NE(refusal.reason.find(a.string()), std::string::npos) << refusal.reason;
        EXPECT_NE(refusal.reason.find(b.string()), std::string::npos) << refusal.reason;
    }
    EXPECT_EQ(registry.refusals()[0].file, a.string());
    EXPECT_EQ(registry.refusals()[1].file, b.string());
}

TEST_F(PluginRegistryTest, AnIdClaimedByTwoFilesRefusesBothAndNamesBothPaths) {
    const fs::path a = copyIn("good", "a-good.so");
    const fs::path b = copyIn("good_twin", "b-twin.so");
    PluginRegistry registry(services::hostInfo(), {});
    registry.loadFolder(folder_);
    expectBothRefusedNamingBoth(registry, a, b);
}

TEST_F(PluginRegistryTest, AnIdClaimedByTwoFilesRefusesBothWithoutTheProbeToo) {
    const fs::path a = copyIn("good", "a-good.so");
    const fs::path b = copyIn("good_twin", "b-twin.so");
    RegistryOptions options;
    options.probeFirst = false;
    PluginRegistry registry(services::hostInfo(), options);
    registry.loadFolder(folder_);
    expectBothRefusedNamingBoth(registry, a, b);
}

TEST_F(PluginRegistryTest, AnIdClaimedInTwoFoldersRefusesBothWhicheverFolderComesFirst) {
    fs::create_directories(folder_ / "integrator");
    fs::create_directories(folder_ / "reference");
    const fs::path mine = folder_ / "integrator" / "z.so";
    const fs::path theirs = folder_ / "reference" / "a.so";
    fs::copy_file(fixture("good_twin"), mine);
    fs::copy_file(fixture("good"), theirs);
    copyIn("other");
    PluginRegistry registry(services::hostInfo(), {});
    registry.loadFolders({folder_ / "integrator", folder_ / "reference", folder_});
    ASSERT_EQ(registry.plugins().size(), 1u) << "the unrelated plugin still loads";
    EXPECT_EQ(registry.plugins()[0].manifest.id, "test.other");
    ASSERT_EQ(registry.refusals().size(), 2u);
    for (const auto& refusal : registry.refusals()) {
        EXPECT_NE(refusal.reason.find(mine.string()), std::string::npos) << refusal.reason;
        EXPECT_NE(refusal.reason.find(theirs.string()), std::string::npos) << refusal.reason;
    }
}

TEST_F(PluginRegistryTest, AFileLoadedAfterTheRegistryHoldsItsIdIsRefusedNamingTheFirst) {
    PluginRegistry registry(services::hostInfo(), {});
    ASSERT_NE(registry.loadFile(copyIn("good")), nullptr);
    EXPECT_EQ(registry.loadFile(copyIn("good_twin")), nullptr);
    ASSERT_EQ(registry.refusals().size(), 1u);
    EXPECT_NE(registry.refusals()[0].reason.find("duplicate plugin id 'test.good': already loaded from " +
                                                 (folder_ / "good.so").string()),
              std::string::npos)
        << registry.refusals()[0].reason;
}

TEST_F(PluginRegistryTest, ACrashingPluginIsRefusedAndTheHostGoesOn) {
    copyIn("crash_on_load");
    copyIn("good");
    PluginRegistry registry(services::hostInfo(), {});
    registry.loadFolder(folder_);
    ASSERT_EQ(registry.plugins().size(), 1u);
    EXPECT_EQ(registry.plugins().front().manifest.id, "test.good");
    ASSERT_EQ(registry.refusals().size(), 1u);
    EXPECT_NE(registry.refusals()[0].reason.find("crashed while loading (signal 11"), std::string::npos)
        << registry.refusals()[0].reason;
}

TEST_F(PluginRegistryTest, AHangingPluginIsKilledAfterTheProbeTimeout) {
    RegistryOptions options;
    options.probeTimeout = std::chrono::milliseconds(300);
    EXPECT_EQ(refusalFor(copyIn("hang"), options), "did not finish loading within 300 ms (killed)");
}

TEST_F(PluginRegistryTest, APluginThatClosesThePipeAndHangsIsStillKilledAtTheDeadline) {
    RegistryOptions options;
    options.probeTimeout = std::chrono::milliseconds(300);
    const fs::path file = copyIn("close_fds_and_hang");
    const auto started = std::chrono::steady_clock::now();
    const auto reason =
        finishesWithin(std::chrono::seconds(10), [this, file, options] { return refusalFor(file, options); });
    ASSERT_TRUE(reason.has_value()) << "the probe never returned";
    EXPECT_EQ(*reason, "did not finish loading within 300 ms (killed)");
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
}

TEST_F(PluginRegistryTest, RefusesAWorldWritableFile) {
    const fs::path file = copyIn("good");
    ::chmod(file.c_str(), 0666);
    EXPECT_EQ(refusalFor(file),
              "the file is writable by everyone (mode 0666): they could replace the plugin's code "
              "(chmod go-w " +
                  file.string() + ") (plugins.check_permissions)");
}

TEST_F(PluginRegistryTest, PermissionChecksCanBeTurnedOff) {
    const fs::path file = copyIn("good");
    ::chmod(file.c_str(), 0664);
    RegistryOptions options;
    options.checkPermissions = false;
    EXPECT_EQ(refusalFor(file, options), "");
}

TEST_F(PluginRegistryTest, RefusesAnIdOutsideTheAllowList) {
    RegistryOptions options;
    options.allowedIds = {"test.other"};
    EXPECT_EQ(refusalFor(copyIn("good"), options), "plugin id 'test.good' is not in plugins.allow");
}

TEST_F(PluginRegistryTest, WithoutTheProbeTheAllowListIsCheckedAfterLoading) {
    RegistryOptions options;
    options.allowedIds = {"test.other"};
    options.probeFirst = false;
    EXPECT_EQ(refusalFor(copyIn("good"), options), "plugin id 'test.good' is not in plugins.allow");
}

TEST_F(PluginRegistryTest, APluginOutsideTheAllowListNeverRunsInTheHostProcess) {
    ::unsetenv(kRanMarker);
    RegistryOptions options;
    options.allowedIds = {"test.other"};
    EXPECT_EQ(refusalFor(copyIn("marks_on_load"), options), "plugin id 'test.marks' is not in plugins.allow");
    EXPECT_EQ(std::getenv(kRanMarker), nullptr) << "the refused plugin's constructor ran in the host";
}

TEST_F(PluginRegistryTest, ADuplicateIdIsRefusedBeforeItsCodeRunsInTheHostProcess) {
    // Fresh names each run: the loader reuses a never-closed library opened under the same path.
    static int run = 0;
    const std::string suffix = std::to_string(++run) + ".so";
    PluginRegistry registry(services::hostInfo(), {});
    ::unsetenv(kRanMarker);
    ASSERT_NE(registry.loadFile(copyIn("marks_on_load", "a-marks-" + suffix)), nullptr);
    // Shows the marker works: an accepted plugin does run in this process.
    EXPECT_STREQ(std::getenv(kRanMarker), "test.marks");
    ::unsetenv(kRanMarker);
    EXPECT_EQ(registry.loadFile(copyIn("marks_on_load", "b-marks-" + suffix)), nullptr);
    ASSERT_EQ(registry.refusals().size(), 1u);
    EXPECT_NE(registry.refusals()[0].reason.find("duplicate plugin id 'test.marks': already loaded from"),
              std::string::npos);
    EXPECT_EQ(std::getenv(kRanMarker), nullptr) << "the duplicate's constructor ran in the host";
}

TEST_F(PluginRegistryTest, AMissingFileIsReportedAsMissing) {
    EXPECT_EQ(refusalFor(folder_ / "absent.so"), "the file does not exist");
}

TEST_F(PluginRegistryTest, ASymlinkLoopIsNotReportedAsAMissingFile) {
    const fs::path file = folder_ / "loop.so";
    fs::create_symlink(file.filename(), file);  // points at itself
    EXPECT_EQ(refusalFor(file), "cannot resolve the path: Too many levels of symbolic links");
}

TEST_F(PluginRegistryTest, AnElfStubGetsTheLoadersOwnReason) {
    const fs::path file = folder_ / "stub.so";
    std::ofstream(file, std::ios::binary) << "\x7f"
                                             "ELF";
    EXPECT_EQ(refusalFor(file), "the dynamic loader refused it: " + file.string() + ": file too short");
}

TEST_F(PluginRegistryTest, AMissingFolderIsARefusalNotACrash) {
    PluginRegistry registry(services::hostInfo(), {});
    registry.loadFolder(folder_ / "missing");
    ASSERT_EQ(registry.refusals().size(), 1u);
    EXPECT_EQ(registry.refusals()[0].reason, "plugin folder does not exist or is not a folder");
}

TEST_F(PluginRegistryTest, ProbeReturnsTheManifestWithoutLoadingInProcess) {
    const ProbeResult probe = probePlugin(copyIn("other"), services::hostInfo());
    ASSERT_TRUE(probe.accepted) << probe.reason;
    EXPECT_EQ(probe.manifest.id, "test.other");
    EXPECT_EQ(probe.manifest.stepKinds.at(0).name, "echo");
}

}  // namespace
}  // namespace orderhost::plugins
