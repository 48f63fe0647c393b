// The pin file's format and errors, and the hashing of plugin files: SHA-256 checked against
// the standard test vectors, and the sealed copy the host loads holding exactly the bytes that
// were hashed even when the file is replaced afterwards.
#include "host/plugins/PluginLibrary.h"
#include "host/plugins/PluginPins.h"
#include "host/plugins/SealedPluginCopy.h"
#include "host/services/HostServices.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace orderhost::plugins {
namespace {
namespace fs = std::filesystem;

const std::string kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";    // SHA-256("abc")
const std::string kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";  // SHA-256("")

class PluginPinsTest : public ::testing::Test {
protected:
    void SetUp() override {
        folder_ = fs::temp_directory_path() / ("orderhost-pins-" + std::to_string(::getpid()) + "-" +
                                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(folder_);
        fs::create_directories(folder_);
    }
    void TearDown() override { fs::remove_all(folder_); }

    fs::path write(const std::string& name, const std::string& bytes) {
        std::ofstream(folder_ / name, std::ios::binary) << bytes;
        return folder_ / name;
    }

    // The PinFileError message for `text`, or "" when it parses.
    static std::string parseError(const std::string& text) {
        try {
            PluginPins::parse(text, "pins.txt");
            return "";
        } catch (const PinFileError& e) {
            return e.what();
        }
    }

    fs::path folder_;
};

TEST_F(PluginPinsTest, ReadsHashIdAndFileSkippingCommentsAndBlankLines) {
    const PluginPins pins =
        PluginPins::parse("# reviewed 2026-11-30\n\n" + kAbc +
                              "  orderhost.credit  /usr/lib/orderhost/plugins/my credit.so\n"
                              "  " +
                              kEmpty + "\torderhost.noop   # old build, kept during the upgrade\r\n",
                          "pins.txt");
    EXPECT_EQ(pins.size(), 2u);
    const PluginPin* credit = pins.find(kAbc);
    ASSERT_NE(credit, nullptr);
    EXPECT_EQ(credit->id, "orderhost.credit");
    EXPECT_EQ(credit->file, "/usr/lib/orderhost/plugins/my credit.so");
    EXPECT_EQ(credit->line, 3);
    const PluginPin* noop = pins.find(kEmpty);
    ASSERT_NE(noop, nullptr);
    EXPECT_EQ(noop->id, "orderhost.noop");
    EXPECT_EQ(noop->file, "");
    EXPECT_EQ(pins.find(std::string(64, '0')), nullptr);
}

TEST_F(PluginPinsTest, HashesMatchInAnyCase) {
    std::string upper = kAbc;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const PluginPins pins = PluginPins::parse(upper + " orderhost.credit\n", "pins.txt");
    ASSERT_NE(pins.find(kAbc), nullptr);
    EXPECT_EQ(pins.find(kAbc)->sha256, kAbc);
    EXPECT_NE(pins.find(upper), nullptr);
}

TEST_F(PluginPinsTest, MalformedLinesNameFileAndLine) {
    EXPECT_EQ(parseError("\norderhost.credit " + kAbc + "\n"),
              "pins.txt:2: 'orderhost.credit' is not a SHA-256 (64 hexadecimal digits); expected '<sha256> <plugin "
              "id> [file]'");
    EXPECT_EQ(parseError(kAbc.substr(1) + " x\n"), "pins.txt:1: '" + kAbc.substr(1) +
                                                       "' is not a SHA-256 (64 hexadecimal digits); expected '<sha256> "
                                                       "<plugin id> [file]'");
    EXPECT_EQ(parseError(kAbc + "   # no id\n"), "pins.txt:1: the plugin id is missing after the SHA-256");
    EXPECT_EQ(parseError(kAbc + " a.b\n" + kAbc + " c.d\n"),
              "pins.txt:2: SHA-256 " + kAbc + " is already listed on line 1 (one file content, one id)");
}

TEST_F(PluginPinsTest, AMissingPinFileIsAnError) {
    const std::string missing = (folder_ / "nope.pins").string();
    try {
        PluginPins::readFile(missing);
        FAIL() << "no error";
    } catch (const PinFileError& e) {
        EXPECT_EQ(std::string(e.what()), "cannot read the pin file " + missing + " (plugins.pins)");
    }
    const PluginPins read = PluginPins::readFile(write("p.pins", kAbc + " a.b f.so\n").string());
    EXPECT_EQ(read.source(), (folder_ / "p.pins").string());
    EXPECT_EQ(pinLine(kAbc, "a.b", "f.so"), kAbc + "  a.b  f.so");
}

TEST_F(PluginPinsTest, Sha256MatchesTheStandardVectors) {
    std::string problem;
    EXPECT_EQ(sha256OfFile(write("abc", "abc"), problem), kAbc);
    EXPECT_EQ(sha256OfFile(write("empty", ""), problem), kEmpty);
    // Longer than one read buffer: "a" one million times (FIPS 180-2 test vector).
    EXPECT_EQ(sha256OfFile(write("million", std::string(1000000, 'a')), problem),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    EXPECT_EQ(problem, "");
    EXPECT_EQ(sha256OfFile(folder_ / "missing", problem), "");
    EXPECT_EQ(problem, "cannot open the file: No such file or directory");
}

TEST_F(PluginPinsTest, TheSealedCopyHoldsTheHashedBytesAndCannotBeWritten) {
    std::string problem;
    auto copy = SealedPluginCopy::of(write("abc", "abc"), problem);
    ASSERT_TRUE(copy) << problem;
    EXPECT_EQ(copy->sha256(), kAbc);
    write("abc", "changed after hashing");
    std::ifstream in(copy->path(), std::ios::binary);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "abc");
    // Mode 0500 keeps other processes of the user out; root ignores modes, not seals.
    const int writable = ::open(copy->path().c_str(), O_WRONLY);
    if (writable >= 0) {
        EXPECT_EQ(::write(writable, "x", 1), -1);
        ::close(writable);
    }
    const int fd = std::stoi(copy->path().substr(std::string("/proc/self/fd/").size()));
    EXPECT_EQ(::fcntl(fd, F_GET_SEALS), F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
    EXPECT_EQ(::pwrite(fd, "x", 1, 0), -1);
}

TEST_F(PluginPinsTest, ADirectoryHasNoCopy) {
    std::string problem;
    EXPECT_FALSE(SealedPluginCopy::of(folder_, problem));
    EXPECT_EQ(problem, "not a regular file");
}

// What is loaded is the copy: replacing the file after hashing changes nothing.
TEST_F(PluginPinsTest, TheHostLoadsTheHashedBytesEvenIfTheFileIsReplacedAfterHashing) {
    const fs::path file = folder_ / "plugin.so";
    fs::copy_file(fs::path(ORDERHOST_TEST_PLUGIN_DIR) / "good.so", file);
    std::string problem;
    auto copy = SealedPluginCopy::of(file, problem);
    ASSERT_TRUE(copy) << problem;
    EXPECT_EQ(copy->sha256(), sha256OfFile(file, problem));
    fs::copy_file(fs::path(ORDERHOST_TEST_PLUGIN_DIR) / "other.so", file, fs::copy_options::overwrite_existing);
    copy->keepOpenForever();  // dlopen()ed below
    const LoadedPlugin plugin = loadPluginInProcess(copy->path(), services::hostInfo());
    EXPECT_EQ(plugin.manifest.id, "test.good");
}

}  // namespace
}  // namespace orderhost::plugins
