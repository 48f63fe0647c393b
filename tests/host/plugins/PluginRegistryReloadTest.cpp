// PluginRegistry's reload (stageReload, commit): a changed file loads beside its old build and
// becomes current only on commit; an unchanged file runs none of its code again; a new build
// passes the pins read for the reload, and any refusal leaves the registry as it was. A refused
// reload's build is kept aside and taken again by the next reload of the same bytes (no new
// mapping); a file refused at start and left as it is is a leftover, not a new refusal.
#include "host/plugins/PluginRegistry.h"
#include "host/plugins/SealedPluginCopy.h"
#include "host/services/HostServices.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace orderhost::plugins {
namespace {
namespace fs = std::filesystem;

class PluginRegistryReloadTest : public ::testing::Test {
protected:
    void SetUp() override {
        folder_ = fs::temp_directory_path() / ("orderhost-reload-" + std::to_string(::getpid()) + "-" +
                                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(folder_);
        fs::create_directories(folder_);
    }
    void TearDown() override { fs::remove_all(folder_); }

    // Puts build `n` of test.stamp at folder_/test-stamp.so, replacing the file (not its bytes).
    fs::path install(int n) {
        const fs::path target = folder_ / "test-stamp.so", temporary = folder_ / "test-stamp.so.new";
        fs::copy_file(fs::path(ORDERHOST_STAMP_PLUGIN_DIR) / ("stamp_build" + std::to_string(n) + ".so"), temporary,
                      fs::copy_options::overwrite_existing);
        fs::rename(temporary, target);
        return target;
    }
    static std::string hashOf(const fs::path& file) {
        std::string problem;
        return sha256OfFile(file, problem);
    }
    static std::shared_ptr<const PluginPins> pins(const std::string& lines) {
        return std::make_shared<const PluginPins>(PluginPins::parse(lines, "/etc/orderhost/plugins.pins"));
    }

    // Sealed copies of plugin files (what a reload loads from) mapped into, or open in, this process.
    static std::size_t sealedCopyMappings() {
        std::ifstream maps("/proc/self/maps");
        std::size_t count = 0;
        for (std::string line; std::getline(maps, line);)
            count += line.find("memfd:orderhost-plugin:") != std::string::npos;
        return count;
    }
    static std::size_t sealedCopyDescriptors() {
        std::size_t count = 0;
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator("/proc/self/fd", ec))
            count += fs::read_symlink(entry.path(), ec).string().find("memfd:orderhost-plugin:") != std::string::npos;
        return count;
    }

    fs::path folder_;
};

TEST_F(PluginRegistryReloadTest, AChangedFileLoadsBesideTheOldBuildAndBecomesCurrentOnlyOnCommit) {
    for (const bool probe : {true, false}) {
        install(1);
        RegistryOptions options;
        options.probeFirst = probe;
        PluginRegistry registry(services::hostInfo(), options);
        registry.loadFolder(folder_);
        const LoadedPlugin* first = registry.find("test.stamp");
        ASSERT_NE(first, nullptr);
        EXPECT_EQ(first->manifest.version, "1.0.1");

        // Unchanged: nothing staged, nothing refused.
        StagedPlugins unchanged = registry.stageReload({folder_});
        EXPECT_TRUE(unchanged.builds.empty());
        EXPECT_TRUE(unchanged.refusals.empty()) << unchanged.refusals.front().reason;

        const fs::path file = install(2);
        StagedPlugins staged = registry.stageReload({folder_});
        ASSERT_TRUE(staged.refusals.empty()) << staged.refusals.front().reason;
        ASSERT_EQ(staged.builds.size(), 1u);
        EXPECT_EQ(staged.builds[0].manifest.version, "1.0.2");
        EXPECT_EQ(staged.builds[0].manifest.file, file.string());
        EXPECT_EQ(staged.builds[0].sha256, hashOf(file));
        // Another library, not the old one handed back under the same path.
        EXPECT_NE(staged.builds[0].findStepKind("stamp"), first->findStepKind("stamp"));
        EXPECT_EQ(registry.find("test.stamp"), first) << "staged builds are not current before commit";
        EXPECT_EQ(registry.find("test.stamp", &staged), &staged.builds[0]);

        registry.commit(std::move(staged));
        EXPECT_EQ(registry.find("test.stamp")->manifest.version, "1.0.2");
        EXPECT_EQ(registry.snapshot().size(), 2u);
        EXPECT_FALSE(registry.isCurrent(*first));
        EXPECT_EQ(first->manifest.version, "1.0.1") << "the old build stays, for the chains bound to it";
        EXPECT_TRUE(registry.stageReload({folder_}).builds.empty()) << "the new build is now the loaded one";
    }
}

TEST_F(PluginRegistryReloadTest, ANewBuildNeedsItsPinInThePinFileReadForTheReload) {
    const fs::path file = install(1);
    RegistryOptions options;
    options.pins = pins(hashOf(file) + "  test.stamp\n");
    PluginRegistry registry(services::hostInfo(), options);
    registry.loadFolder(folder_);
    ASSERT_NE(registry.find("test.stamp"), nullptr);

    install(2);
    StagedPlugins refused = registry.stageReload({folder_});  // the start's pins: build 2 is not in them
    ASSERT_EQ(refused.refusals.size(), 1u);
    EXPECT_NE(refused.refusals[0].reason.find("is not listed in plugins.pins"), std::string::npos)
        << refused.refusals[0].reason;
    EXPECT_TRUE(refused.builds.empty());
    EXPECT_TRUE(registry.refusals().empty()) << "a refused reload leaves the registry's refusals as they were";

    StagedPlugins pinned = registry.stageReload({folder_}, pins(hashOf(file) + "  test.stamp\n"));
    ASSERT_TRUE(pinned.refusals.empty()) << pinned.refusals.front().reason;
    ASSERT_EQ(pinned.builds.size(), 1u);
    EXPECT_EQ(pinned.builds[0].manifest.version, "1.0.2");
}

TEST_F(PluginRegistryReloadTest, TwoFilesClaimingOneIdAndAFileNotAllowedAreRefused) {
    install(1);
    RegistryOptions options;
    options.allowedIds = {"test.stamp"};
    PluginRegistry registry(services::hostInfo(), options);
    registry.loadFolder(folder_);
    fs::copy_file(fs::path(ORDERHOST_STAMP_PLUGIN_DIR) / "stamp_build2.so", folder_ / "twin.so");
    fs::copy_file(fs::path(ORDERHOST_TEST_PLUGIN_DIR) / "good.so", folder_ / "good.so");
    StagedPlugins staged = registry.stageReload({folder_});
    ASSERT_EQ(staged.refusals.size(), 2u);
    EXPECT_NE(staged.refusals[0].reason.find("'test.good' is not in plugins.allow"), std::string::npos)
        << staged.refusals[0].reason;
    EXPECT_EQ(staged.refusals[1].file, (folder_ / "twin.so").string());
    EXPECT_NE(staged.refusals[1].reason.find("duplicate plugin id 'test.stamp'"), std::string::npos)
        << staged.refusals[1].reason;
    EXPECT_EQ(registry.find("test.stamp")->manifest.version, "1.0.1");
}

TEST_F(PluginRegistryReloadTest, ARefusedReloadsBuildIsTakenAgainByTheNextReloadInsteadOfMappedAnew) {
    install(1);
    PluginRegistry registry(services::hostInfo(), {});
    registry.loadFolder(folder_);
    install(2);
    StagedPlugins first = registry.stageReload({folder_});
    ASSERT_EQ(first.builds.size(), 1u);
    const oh_step_kind* kind = first.builds[0].findStepKind("stamp");
    registry.release(std::move(first));  // the reload was refused (a chain did not validate, say)
    EXPECT_EQ(registry.snapshot().size(), 1u);
    EXPECT_EQ(registry.find("test.stamp")->manifest.version, "1.0.1");
    EXPECT_EQ(registry.releasedBuilds(), 1u);
    const std::size_t mappings = sealedCopyMappings(), descriptors = sealedCopyDescriptors();
    EXPECT_GT(mappings, 0u);

    for (int retry = 0; retry < 3; ++retry) {
        StagedPlugins again = registry.stageReload({folder_});
        ASSERT_TRUE(again.refusals.empty()) << again.refusals.front().reason;
        ASSERT_EQ(again.builds.size(), 1u);
        EXPECT_EQ(again.builds[0].findStepKind("stamp"), kind) << "the same library, not another copy";
        EXPECT_EQ(registry.releasedBuilds(), 0u);
        registry.release(std::move(again));
        EXPECT_EQ(sealedCopyMappings(), mappings);
        EXPECT_EQ(sealedCopyDescriptors(), descriptors);
    }
    StagedPlugins accepted = registry.stageReload({folder_});
    registry.commit(std::move(accepted));
    EXPECT_EQ(registry.find("test.stamp")->findStepKind("stamp"), kind);
    EXPECT_EQ(registry.snapshot().size(), 2u);
    EXPECT_EQ(sealedCopyMappings(), mappings);
}

TEST_F(PluginRegistryReloadTest, AFileRefusedAtStartAndLeftAsItWasIsALeftoverNotARefusal) {
    install(1);
    const fs::path writable = folder_ / "writable.so";
    fs::copy_file(fs::path(ORDERHOST_TEST_PLUGIN_DIR) / "good.so", writable);
    fs::permissions(writable, fs::perms::others_write, fs::perm_options::add);
    PluginRegistry registry(services::hostInfo(), {});
    registry.loadFolder(folder_);
    ASSERT_EQ(registry.refusals().size(), 1u);

    install(2);
    StagedPlugins staged = registry.stageReload({folder_});
    EXPECT_TRUE(staged.refusals.empty()) << staged.refusals.front().reason;
    ASSERT_EQ(staged.leftovers.size(), 1u);
    EXPECT_EQ(staged.leftovers[0].file, writable.string());
    EXPECT_EQ(staged.builds.size(), 1u);
    registry.commit(std::move(staged));
    EXPECT_EQ(registry.refusalsSnapshot().size(), 1u) << "still refused, still listed";

    fs::remove(writable);  // gone: no longer listed after the next reload
    registry.commit(registry.stageReload({folder_}));
    EXPECT_TRUE(registry.refusalsSnapshot().empty());
}

}  // namespace
}  // namespace orderhost::plugins
