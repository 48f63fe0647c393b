// The `orderhost` command as administrators run it: real binary, real plugin files, real
// chain and config files; exit codes and messages are what scripts and people rely on.
#include "host/app/HostSettings.h"

#include <Poco/Util/PropertyFileConfiguration.h>
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace orderhost::app {
namespace {
namespace fs = std::filesystem;

struct CommandResult {
    int exitCode = -1;
    std::string output;  // stdout and stderr
};

// `workingDir`: where the command runs ("" = here). The shipped chain names its mail templates
// relative to the repository (config/templates), where scripts/start.sh runs the host.
CommandResult runOrderhost(const std::string& arguments, const std::string& workingDir = "") {
    CommandResult result;
    const std::string cd = workingDir.empty() ? "" : "cd '" + workingDir + "' && ";
    FILE* pipe = ::popen((cd + ORDERHOST_BINARY + " " + arguments + " 2>&1").c_str(), "r");
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) result.output.append(buffer, n);
    const int status = ::pclose(pipe);
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

class CommandsTest : public ::testing::Test {
protected:
    void SetUp() override {
        folder_ = fs::temp_directory_path() / ("orderhost-app-" + std::to_string(::getpid()) + "-" +
                                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(folder_);
        fs::create_directories(folder_);
    }
    void TearDown() override { fs::remove_all(folder_); }

    fs::path write(const std::string& name, const std::string& text) {
        std::ofstream(folder_ / name) << text;
        return folder_ / name;
    }

    fs::path configWith(const std::string& extra = "") {
        return write("host.properties",
                     "database.connection = Driver=SQLite3;Database=${config_dir}/o.db;\n"
                     "plugins.folders = " ORDERHOST_PLUGIN_DIR
                     "\n"
                     "chains.folder = .\n" +
                         extra);
    }

    fs::path folder_;
};

TEST_F(CommandsTest, InspectPrintsTheManifestOfAReferencePlugin) {
    const auto result = runOrderhost("plugins inspect " ORDERHOST_PLUGIN_DIR "/orderhost-credit.so");
    EXPECT_EQ(result.exitCode, 0) << result.output;
    EXPECT_NE(result.output.find("id:          orderhost.credit"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("check-credit [credit] thread-safe no-external-effects"), std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find("abi:         1.2 (host 1.2)"), std::string::npos) << result.output;
}

// Found by an integrator's probe: inspect (and so a CI job) passed a plugin whose migration the
// host then refused at start (exit 69). The plugin that loads fine is refused here too.
TEST_F(CommandsTest, InspectRefusesAPluginWhoseMigrationsTheHostWouldRefuse) {
    const auto result = runOrderhost("plugins inspect " ORDERHOST_STAMP_PLUGIN_DIR
                                     "/stamp_forbidden.so " ORDERHOST_STAMP_PLUGIN_DIR "/stamp_build1.so");
    EXPECT_EQ(result.exitCode, 65) << result.output;
    EXPECT_NE(result.output.find("plugin " ORDERHOST_STAMP_PLUGIN_DIR "/stamp_forbidden.so refused at host start: "
                                 "plugin test.forbidden: orderhost.migrations/1: version 1: DELETE on the host's own "
                                 "table 'orders' is refused"),
              std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find("id:          test.stamp"), std::string::npos) << result.output;
}

TEST_F(CommandsTest, InspectJsonIsOneParsableLinePerFile) {
    const auto result = runOrderhost("plugins inspect --json " ORDERHOST_PLUGIN_DIR "/orderhost-notification.so");
    EXPECT_EQ(result.exitCode, 0) << result.output;
    EXPECT_EQ(result.output.rfind("{\"file\":", 0), 0u) << result.output;
    EXPECT_NE(result.output.find("\"id\":\"orderhost.notification\""), std::string::npos);
    EXPECT_NE(result.output.find("\"category\":\"notification\""), std::string::npos);
    // A notification reaches the customer: not a step without external effects.
    EXPECT_NE(result.output.find("\"no_external_effects\":false"), std::string::npos) << result.output;
    const auto credit = runOrderhost("plugins inspect --json " ORDERHOST_PLUGIN_DIR "/orderhost-credit.so");
    EXPECT_NE(credit.output.find("\"thread_safe\":true,\"no_external_effects\":true"), std::string::npos)
        << credit.output;
}

TEST_F(CommandsTest, InspectRefusesBrokenFilesWithTheReasonAndExit65) {
    const auto text = write("text.so", "hello");
    const auto result =
        runOrderhost("plugins inspect " + text.string() + " " ORDERHOST_TEST_PLUGIN_DIR "/crash_on_load.so");
    EXPECT_EQ(result.exitCode, 65);
    EXPECT_NE(result.output.find(text.string() + " refused: not a shared library"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("crash_on_load.so refused: crashed while loading (signal 11"), std::string::npos)
        << result.output;
}

TEST_F(CommandsTest, ChainsValidateAcceptsTheShippedChainWithItsPlugins) {
    const auto result = runOrderhost("chains validate --config " + configWith().string() +
                                         " " ORDERHOST_SOURCE_DIR "/config/chains/place-order.yaml",
                                     ORDERHOST_SOURCE_DIR);
    EXPECT_EQ(result.exitCode, 0) << result.output;
    EXPECT_NE(result.output.find("place-order.yaml: ok"), std::string::npos) << result.output;
}

TEST_F(CommandsTest, ChainsValidateAcceptsEveryShippedChain) {
    const std::string dir = ORDERHOST_SOURCE_DIR "/config/chains/";
    std::string files;
    for (const char* name :
         {"place-order", "place-goods", "place-service", "place-custom", "cancel-order", "return-order"})
        files += " " + dir + name + ".yaml";
    const auto result = runOrderhost("chains validate --config " + configWith().string() + files, ORDERHOST_SOURCE_DIR);
    EXPECT_EQ(result.exitCode, 0) << result.output;
    for (const char* name : {"place-goods", "place-service", "place-custom", "cancel-order", "return-order"})
        EXPECT_NE(result.output.find(std::string(name) + ".yaml: ok"), std::string::npos) << name << "\n"
                                                                                          << result.output;
}

TEST_F(CommandsTest, ChainsValidateNamesFileLineAndTheRefusingPlugin) {
    const auto chain = write("bad.yaml",
                             "name: bad\nversion: 1\ntrigger: place_order\nsteps:\n"
                             "  - name: validate\n    plugin: orderhost.validation\n    step: validate\n"
                             "    config:\n      catalog:\n        SKU-1: { price: -5 }\n"
                             "  - name: ghost\n    plugin: no.such\n    step: x\n");
    const auto result = runOrderhost("chains validate --config " + configWith().string() + " " + chain.string());
    EXPECT_EQ(result.exitCode, 65) << result.output;
    EXPECT_NE(result.output.find(chain.string() + ":9:7: step 'validate': plugin orderhost.validation (" +
                                 ORDERHOST_PLUGIN_DIR + "/orderhost-validation.so) refused"),
              std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find(chain.string() + ":11:5: step 'ghost': unknown plugin 'no.such'"), std::string::npos)
        << result.output;
}

TEST_F(CommandsTest, InspectWarnsAboutExtraExportsAndRefusesGnuUniqueSymbols) {
    const auto result = runOrderhost("plugins inspect " ORDERHOST_TEST_PLUGIN_DIR
                                     "/extra_export.so " ORDERHOST_TEST_PLUGIN_DIR "/gnu_unique.so");
    EXPECT_EQ(result.exitCode, 65) << result.output;
    EXPECT_NE(result.output.find("warning: plugin " ORDERHOST_TEST_PLUGIN_DIR "/extra_export.so exports 1 symbol(s) "
                                 "besides orderhost_plugin_entry: fixture_extra_export;"),
              std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find("id:          test.extra"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("plugin " ORDERHOST_TEST_PLUGIN_DIR "/gnu_unique.so refused: exports GNU unique "
                                 "symbol(s) fixture_header_state::entry_calls"),
              std::string::npos)
        << result.output;
}

TEST_F(CommandsTest, InspectRefusesEveryFileOfAnIdClaimedTwice) {
    const auto result = runOrderhost("plugins inspect " ORDERHOST_TEST_PLUGIN_DIR "/good.so " ORDERHOST_TEST_PLUGIN_DIR
                                     "/good_twin.so " ORDERHOST_TEST_PLUGIN_DIR "/other.so");
    EXPECT_EQ(result.exitCode, 65) << result.output;
    for (const char* file : {"good.so", "good_twin.so"}) {
        EXPECT_NE(result.output.find(std::string(file) + " refused: duplicate plugin id 'test.good': claimed by " +
                                     ORDERHOST_TEST_PLUGIN_DIR "/good.so, " ORDERHOST_TEST_PLUGIN_DIR "/good_twin.so"),
                  std::string::npos)
            << result.output;
    }
    EXPECT_NE(result.output.find("id:          test.other"), std::string::npos) << result.output;
}

// `plugins pin`: one line per plugin of the folder, with the hash sha256sum computes and the
// id the plugin declares, ready for plugins.pins; a config using the lines loads the plugins.
TEST_F(CommandsTest, PinPrintsOneReviewableLinePerPluginThatTheHostAccepts) {
    const auto result = runOrderhost("plugins pin " ORDERHOST_PLUGIN_DIR);
    EXPECT_EQ(result.exitCode, 0) << result.output;
    // coreutils' sha256sum: another implementation than the host's libsodium.
    FILE* sha256sum = ::popen("sha256sum " ORDERHOST_PLUGIN_DIR "/orderhost-credit.so", "r");
    char hash[65] = {};
    ASSERT_EQ(std::fread(hash, 1, 64, sha256sum), 64u);
    ::pclose(sha256sum);
    const std::string creditLine =
        std::string(hash) + "  orderhost.credit  " ORDERHOST_PLUGIN_DIR "/orderhost-credit.so\n";
    EXPECT_NE(result.output.find(creditLine), std::string::npos) << result.output;
    EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 13) << result.output;
    EXPECT_LT(result.output.find("orderhost-billing.so"), result.output.find("orderhost-validation.so"));

    write("plugins.pins", result.output);
    const auto check = runOrderhost("chains validate --config " + configWith("plugins.pins = plugins.pins\n").string() +
                                        " " ORDERHOST_SOURCE_DIR "/config/chains/place-order.yaml",
                                    ORDERHOST_SOURCE_DIR);
    EXPECT_EQ(check.exitCode, 0) << check.output;
}

TEST_F(CommandsTest, PinRefusesWhatTheHostWouldRefuseAndStillPrintsTheOthers) {
    fs::create_directories(folder_ / "p");
    fs::copy_file(ORDERHOST_TEST_PLUGIN_DIR "/good.so", folder_ / "p" / "good.so");
    fs::copy_file(ORDERHOST_TEST_PLUGIN_DIR "/other.so", folder_ / "p" / "other.so");
    fs::permissions(folder_ / "p" / "other.so", static_cast<fs::perms>(0664));
    std::ofstream(folder_ / "p" / "notes.so") << "not a library";
    auto result = runOrderhost("plugins pin " + (folder_ / "p").string() + " " + (folder_ / "missing").string());
    EXPECT_EQ(result.exitCode, 65) << result.output;
    EXPECT_NE(result.output.find("  test.good  " + (folder_ / "p" / "good.so").string() + "\n"), std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find("plugins pin: " + (folder_ / "missing").string() + " does not exist"),
              std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find("plugin " + (folder_ / "p" / "notes.so").string() +
                                 " refused: not a shared library (no ELF header)"),
              std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find("plugin " + (folder_ / "p" / "other.so").string() +
                                 " refused: the file is writable by its group (mode 0664)"),
              std::string::npos)
        << result.output;
    EXPECT_EQ(result.output.find("test.other"), std::string::npos) << result.output;

    // A host configured without the permission checks pins what it would load.
    result = runOrderhost("plugins pin --config " + configWith("plugins.check_permissions = false\n").string() + " " +
                          (folder_ / "p" / "other.so").string());
    EXPECT_EQ(result.exitCode, 0) << result.output;
    EXPECT_NE(result.output.find("  test.other  "), std::string::npos) << result.output;
    EXPECT_EQ(runOrderhost("plugins pin").exitCode, 64);
}

TEST_F(CommandsTest, AMalformedPinFileIsAConfigurationErrorNamingTheLine) {
    write("plugins.pins", "# pins\nnot-a-hash orderhost.credit\n");
    const auto result = runOrderhost("config show --config " + configWith("plugins.pins = plugins.pins\n").string());
    EXPECT_EQ(result.exitCode, 78) << result.output;
    EXPECT_NE(result.output.find("configuration error: setting plugins.pins: " + (folder_ / "plugins.pins").string() +
                                 ":2: 'not-a-hash' is not a SHA-256"),
              std::string::npos)
        << result.output;
}

// An integrator's folder next to the reference plugins, as an administrator would configure it.
TEST_F(CommandsTest, ChainsValidateFailsNamingEachRefusedPluginOfItsFolders) {
    fs::create_directories(folder_ / "extra");
    fs::copy_file(ORDERHOST_TEST_PLUGIN_DIR "/gnu_unique.so", folder_ / "extra" / "gnu_unique.so");
    fs::copy_file(ORDERHOST_PLUGIN_DIR "/orderhost-credit.so", folder_ / "extra" / "my-credit.so");
    const auto config = write("host.properties",
                              "database.connection = Driver=SQLite3;Database=${config_dir}/o.db;\n"
                              "plugins.folders = " ORDERHOST_PLUGIN_DIR
                              ", extra\n"
                              "chains.folder = .\n");
    const auto result = runOrderhost(
        "chains validate --config " + config.string() + " " ORDERHOST_SOURCE_DIR "/config/chains/place-order.yaml",
        ORDERHOST_SOURCE_DIR);
    EXPECT_EQ(result.exitCode, 78) << result.output;
    EXPECT_NE(result.output.find("plugin " + (folder_ / "extra" / "gnu_unique.so").string() +
                                 " refused: exports GNU unique symbol(s)"),
              std::string::npos)
        << result.output;
    const std::string both = "duplicate plugin id 'orderhost.credit': claimed by 2 files (" +
                             fs::path(ORDERHOST_PLUGIN_DIR "/orderhost-credit.so").lexically_normal().string() + ", " +
                             (folder_ / "extra" / "my-credit.so").string() + ")";
    EXPECT_NE(result.output.find("plugin " + (folder_ / "extra" / "my-credit.so").string() + " refused: " + both),
              std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find("orderhost-credit.so refused: " + both), std::string::npos) << result.output;
}

TEST_F(CommandsTest, ChainsValidateWithoutConfigChecksStructureOnly) {
    const auto chain = write("typo.yaml", "name: t\nversion: 1\ntrigger: place_order\nstepz: []\n");
    const auto result = runOrderhost("chains validate " + chain.string());
    EXPECT_EQ(result.exitCode, 65);
    EXPECT_NE(result.output.find(chain.string() + ":4:1: unknown field \"stepz\""), std::string::npos) << result.output;
}

TEST_F(CommandsTest, AnUnknownSettingIsRefusedWithFileAndLine) {
    const auto config = configWith("# comment\nhttp.prot = 9000\n");
    const auto result = runOrderhost("--config " + config.string());
    EXPECT_EQ(result.exitCode, 78) << result.output;
    EXPECT_NE(result.output.find(config.string() + ":5: unknown setting 'http.prot'"), std::string::npos)
        << result.output;
}

// Issue 14: -D was "Unknown option"; `config show` prints what the host would run with.
TEST_F(CommandsTest, ConfigShowPrintsTheEffectiveSettingsWithTheirOrigin) {
    const auto config = configWith("http.port = 9100\n");
    fs::create_directories(folder_ / "conf.d");
    write("conf.d/50-node.properties", "log.level = debug\n");
    const auto result =
        runOrderhost("config show --config " + config.string() + " -D http.port=9200 --define=engine.lease_ms=900");
    EXPECT_EQ(result.exitCode, 0) << result.output;
    EXPECT_NE(result.output.find("http.port = 9200    # -D http.port\n"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("engine.lease_ms = 900    # -D engine.lease_ms\n"), std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find("log.level = debug    # " + (folder_ / "conf.d/50-node.properties").string() + ":1\n"),
              std::string::npos)
        << result.output;
    const auto refused = runOrderhost("config show --config " + config.string() + " -D engine.lease_ms=5");
    EXPECT_EQ(refused.exitCode, 78) << refused.output;
    EXPECT_NE(refused.output.find("setting engine.lease_ms must be between 200"), std::string::npos) << refused.output;
    const auto environment = runOrderhost("config show --config " + config.string());
    EXPECT_EQ(environment.exitCode, 0) << environment.output;
}

TEST_F(CommandsTest, UnknownCommandsAndHelp) {
    EXPECT_EQ(runOrderhost("frobnicate").exitCode, 64);
    const auto help = runOrderhost("--help");
    EXPECT_EQ(help.exitCode, 0);
    EXPECT_NE(help.output.find("plugins inspect"), std::string::npos);
}

TEST_F(CommandsTest, SettingsResolvePathsAgainstTheConfigFolder) {
    const auto config = configWith("http.port = 9100\nplugins.allow = a.b, c.d\n");
    Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> properties(
        new Poco::Util::PropertyFileConfiguration(config.string()));
    const HostSettings settings = readHostSettings(config.string(), *properties);
    EXPECT_EQ(settings.httpPort, 9100);
    EXPECT_EQ(settings.databaseConnection, "Driver=SQLite3;Database=" + folder_.string() + "/o.db;");
    EXPECT_EQ(settings.chainsFolder, folder_.string());
    EXPECT_EQ(settings.pluginAllow, (std::set<std::string>{"a.b", "c.d"}));
}

TEST_F(CommandsTest, BadValuesNameTheSetting) {
    const auto config = configWith("http.port = 70000\n");
    Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> properties(
        new Poco::Util::PropertyFileConfiguration(config.string()));
    try {
        readHostSettings(config.string(), *properties);
        FAIL() << "a port of 70000 was accepted";
    } catch (const SettingsError& e) {
        EXPECT_STREQ(e.what(), "setting http.port must be between 0 and 65535, got 70000");
    }
}

}  // namespace
}  // namespace orderhost::app

namespace orderhost::app {
namespace {

TEST_F(CommandsTest, SettingsMistakesAreConfigurationErrorsWithTheirPlace) {
    const auto twice = configWith("http.port = 9000\nhttp.port = 9001\n");
    auto result = runOrderhost("--config " + twice.string());
    EXPECT_EQ(result.exitCode, 78);
    EXPECT_NE(result.output.find(twice.string() + ":5: setting 'http.port' is given twice"), std::string::npos)
        << result.output;

    result = runOrderhost("--config " + configWith("log.level = chatty\n").string());
    EXPECT_EQ(result.exitCode, 78);
    EXPECT_NE(result.output.find("setting log.level must be one of"), std::string::npos) << result.output;

    result = runOrderhost("--config " + configWith("plugins.probe = maybe\n").string());
    EXPECT_EQ(result.exitCode, 78);
    EXPECT_NE(result.output.find("setting plugins.probe must be true or false, got 'maybe'"), std::string::npos)
        << result.output;

    result = runOrderhost("--config " + (folder_ / "missing.properties").string());
    EXPECT_EQ(result.exitCode, 78);
    EXPECT_NE(result.output.find("configuration error: cannot load config file"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace orderhost::app

namespace orderhost::app {
namespace {

TEST_F(CommandsTest, DbMigrateAppliesTheSchemaOnceAndThenReportsUpToDate) {
    const auto config = configWith();
    auto first = runOrderhost("db migrate --config " + config.string());
    EXPECT_EQ(first.exitCode, 0) << first.output;
    EXPECT_NE(first.output.find("applied schema version 1"), std::string::npos) << first.output;
    auto second = runOrderhost("db migrate --config " + config.string());
    EXPECT_EQ(second.exitCode, 0) << second.output;
    EXPECT_NE(second.output.find("(up to date)"), std::string::npos) << second.output;
    EXPECT_EQ(second.output.find("applied"), std::string::npos) << second.output;
    EXPECT_EQ(runOrderhost("db migrate").exitCode, 64);
}

}  // namespace
}  // namespace orderhost::app
