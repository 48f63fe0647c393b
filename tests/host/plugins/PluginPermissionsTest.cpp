// Who could change a plugin's code: real files and folders with real modes and owners under
// the temporary folder (itself sticky and world-writable, which is allowed above a plugin
// folder but not as one).
#include "host/plugins/PluginPermissions.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace orderhost::plugins {
namespace {
namespace fs = std::filesystem;

class PluginPermissionsTest : public ::testing::Test {
protected:
    void SetUp() override {
        folder_ = fs::temp_directory_path() / ("orderhost-perms-" + std::to_string(::getpid()) + "-" +
                                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(folder_);
        makeFolder(folder_, 0755);
    }
    void TearDown() override { fs::remove_all(folder_); }

    static void makeFolder(const fs::path& path, mode_t mode) {
        fs::create_directories(path);
        ASSERT_EQ(::chmod(path.c_str(), mode), 0);  // chmod: create_directories applies the umask
    }
    static fs::path makeFile(const fs::path& path, mode_t mode = 0644) {
        std::ofstream(path) << "\x7f"
                               "ELF";
        EXPECT_EQ(::chmod(path.c_str(), mode), 0);
        return path;
    }
    static std::string problem(const fs::path& file) { return permissionProblem(file, ::geteuid()); }

    fs::path folder_;
};

TEST_F(PluginPermissionsTest, AcceptsAFileOnlyItsOwnerCanWriteInAFolderOnlyItsOwnerCanWrite) {
    EXPECT_EQ(problem(makeFile(folder_ / "p.so")), "");
    EXPECT_EQ(problem(makeFile(folder_ / "ro.so", 0500)), "");
}

TEST_F(PluginPermissionsTest, RefusesAGroupOrWorldWritableFile) {
    const fs::path group = makeFile(folder_ / "g.so", 0664);
    EXPECT_EQ(problem(group),
              "the file is writable by its group (mode 0664): they could replace the plugin's code "
              "(chmod go-w " +
                  group.string() + ")");
    const fs::path world = makeFile(folder_ / "w.so", 0646);
    EXPECT_EQ(problem(world),
              "the file is writable by everyone (mode 0646): they could replace the plugin's code "
              "(chmod go-w " +
                  world.string() + ")");
}

TEST_F(PluginPermissionsTest, RefusesAGroupWritableFolder) {
    makeFolder(folder_ / "shared", 0775);
    EXPECT_EQ(problem(makeFile(folder_ / "shared" / "p.so")), "its folder " + (folder_ / "shared").string() +
                                                                  " is writable by its group (mode 0775): they could "
                                                                  "replace the plugin's code (chmod go-w " +
                                                                  (folder_ / "shared").string() + ")");
}

// Like /tmp: the sticky bit stops others deleting the file, not adding one before it exists.
TEST_F(PluginPermissionsTest, RefusesAStickyWorldWritableFolder) {
    makeFolder(folder_ / "drop", 01777);
    EXPECT_EQ(problem(makeFile(folder_ / "drop" / "p.so")),
              "its folder " + (folder_ / "drop").string() +
                  " is writable by everyone (mode 1777): they could "
                  "replace the plugin's code (the sticky bit does not prevent adding files; use a folder only the "
                  "host's user or root can write)");
}

TEST_F(PluginPermissionsTest, RefusesAFolderAboveThatOthersMayWrite) {
    makeFolder(folder_ / "open", 0777);
    makeFolder(folder_ / "open" / "plugins", 0755);
    EXPECT_EQ(problem(makeFile(folder_ / "open" / "plugins" / "p.so")),
              "the folder " + (folder_ / "open").string() +
                  " above the plugin is writable by everyone (mode 0777): "
                  "they could replace the plugin's code (chmod go-w " +
                  (folder_ / "open").string() + ")");
}

// Others cannot rename an entry they do not own in a sticky folder (the temporary folder
// above every test folder is one).
TEST_F(PluginPermissionsTest, AcceptsAStickyFolderAboveTheHostsOwnFolder) {
    makeFolder(folder_ / "sticky", 01777);
    makeFolder(folder_ / "sticky" / "plugins", 0755);
    EXPECT_EQ(problem(makeFile(folder_ / "sticky" / "plugins" / "p.so")), "");
}

TEST_F(PluginPermissionsTest, ChecksTheFolderOfASymbolicLinksTargetToo) {
    makeFolder(folder_ / "plugins", 0755);
    makeFolder(folder_ / "drop", 0777);
    makeFile(folder_ / "drop" / "real.so");
    fs::create_symlink(folder_ / "drop" / "real.so", folder_ / "plugins" / "p.so");
    EXPECT_EQ(problem(folder_ / "plugins" / "p.so"), "its folder " + (folder_ / "drop").string() +
                                                         " is writable by everyone (mode 0777): they could "
                                                         "replace the plugin's code (chmod go-w " +
                                                         (folder_ / "drop").string() + ")");
}

// As root the file is given to another user; otherwise the host's user is said to be another.
TEST_F(PluginPermissionsTest, RefusesAFileOrFolderOwnedByAnotherUser) {
    const fs::path file = makeFile(folder_ / "p.so");
    const uid_t stranger = 54321;
    uid_t hostUser = ::geteuid();
    if (hostUser == 0) {
        ASSERT_EQ(::chown(file.c_str(), stranger, static_cast<gid_t>(-1)), 0);
    } else {
        hostUser = stranger;  // the files belong to the test's user, neither root nor "the host's"
    }
    const std::string owner = "uid " + std::to_string(hostUser == stranger ? ::geteuid() : stranger);
    const std::string refusal = permissionProblem(file, hostUser);
    EXPECT_EQ(refusal.rfind("the file is owned by " + owner, 0), 0u) << refusal;
    EXPECT_NE(refusal.find(", not by the host's user (uid " + std::to_string(hostUser)), std::string::npos) << refusal;
    EXPECT_NE(refusal.find(") or root: its owner could replace the plugin's code"), std::string::npos) << refusal;

    if (::geteuid() != 0) return;  // the folder case needs chown
    makeFolder(folder_ / "theirs", 0755);
    const fs::path inTheirs = makeFile(folder_ / "theirs" / "p.so");
    ASSERT_EQ(::chown((folder_ / "theirs").c_str(), stranger, static_cast<gid_t>(-1)), 0);
    EXPECT_EQ(problem(inTheirs).rfind("its folder " + (folder_ / "theirs").string() + " is owned by uid 54321", 0), 0u)
        << problem(inTheirs);
}

}  // namespace
}  // namespace orderhost::plugins
