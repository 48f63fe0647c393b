// Layered configuration (issue 14): the main file, conf.d, the environment and -D, each value
// with where it came from, and every mistake refused with its place.
#include "host/app/ConfigLayers.h"
#include "host/app/HostSettings.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace orderhost::app {
namespace {
namespace fs = std::filesystem;

class ConfigLayersTest : public ::testing::Test {
protected:
    void SetUp() override {
        folder_ = fs::temp_directory_path() / ("orderhost-layers-" + std::to_string(::getpid()) + "-" +
                                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(folder_);
        fs::create_directories(folder_ / "conf.d");
        main_ = write("orderhost.properties",
                      "database.connection = Driver=SQLite3;Database=${config_dir}/o.db;Uid=u;PWD=s3cret;\n"
                      "plugins.folders = plugins\nchains.folder = chains\nhttp.port = 8080\napi.token = tok-123\n");
    }
    void TearDown() override { fs::remove_all(folder_); }

    std::string write(const std::string& name, const std::string& text) {
        std::ofstream(folder_ / name) << text;
        return (folder_ / name).string();
    }

    std::string errorOf(const std::map<std::string, std::string>& environment,
                        const std::vector<std::string>& defines) {
        try {
            ConfigLayers::load(main_, environment, defines);
        } catch (const SettingsError& e) {
            return e.what();
        }
        return "no error";
    }

    fs::path folder_;
    std::string main_;
};

TEST_F(ConfigLayersTest, EachLayerOverridesTheOneBelowAndSaysWhereTheValueCameFrom) {
    const std::string first =
        write("conf.d/10-site.properties", "http.port = 8081\nlog.level = debug\nengine.lease_ms = 4000\n");
    const std::string second = write("conf.d/20-node.properties", "http.port = 8082\n");
    write("conf.d/README", "not a properties file: ignored");
    const ConfigLayers layers = ConfigLayers::load(
        main_, {{"ORDERHOST_LOG_LEVEL", "warning"}, {"ORDERHOST_TEST_PG", "ignored"}, {"ORDERHOST_HTTP_PORT", "8083"}},
        {"http.port=9000", "engine.step_workers = 8"});
    EXPECT_EQ(layers.files(), (std::vector<std::string>{main_, first, second}));
    const auto& e = layers.effective();
    EXPECT_EQ(e.at("http.port").value, "9000");
    EXPECT_EQ(e.at("http.port").origin, "-D http.port");
    EXPECT_EQ(e.at("log.level").value, "warning");
    EXPECT_EQ(e.at("log.level").origin, "environment ORDERHOST_LOG_LEVEL");
    EXPECT_EQ(e.at("engine.lease_ms").origin, first + ":3");
    EXPECT_EQ(e.at("chains.folder").origin, main_ + ":3");
    EXPECT_EQ(e.at("engine.step_workers").value, "8");
    EXPECT_EQ(e.count("test.pg"), 0u);
    // What the host then reads: paths stay relative to the main file's folder.
    const HostSettings s = readHostSettings(layers.mainFile(), *layers.configuration());
    EXPECT_EQ(s.httpPort, 9000);
    EXPECT_EQ(s.logLevel, "warning");
    EXPECT_EQ(s.leaseMs, 4000);
    EXPECT_EQ(s.stepWorkers, 8);
    EXPECT_EQ(s.chainsFolder, (folder_ / "chains").string());
}

TEST_F(ConfigLayersTest, DatasourcesCanComeFromTheEnvironment) {
    const ConfigLayers layers =
        ConfigLayers::load(main_,
                           {{"ORDERHOST_DATASOURCE_ERP_DB_CONNECTION", "Driver=SQLite3;Database=${config_dir}/erp.db;"},
                            {"ORDERHOST_DATASOURCE_ERP_DB_POOL_SIZE", "3"}},
                           {});
    const HostSettings s = readHostSettings(layers.mainFile(), *layers.configuration());
    ASSERT_EQ(s.datasources.count("erp_db"), 1u);
    EXPECT_EQ(s.datasources.at("erp_db").connection, "Driver=SQLite3;Database=" + folder_.string() + "/erp.db;");
    EXPECT_EQ(s.datasources.at("erp_db").poolSize, 3);
}

TEST_F(ConfigLayersTest, MistakesAreRefusedWithTheirPlace) {
    const std::string bad = write("conf.d/30-bad.properties", "\nlog.levl = debug\n");
    EXPECT_EQ(errorOf({}, {}), bad + ":2: unknown setting 'log.levl'");
    fs::remove(bad);
    const std::string twice = write("conf.d/40-twice.properties", "http.port = 1\nhttp.port = 2\n");
    EXPECT_EQ(errorOf({}, {}), twice + ":2: setting 'http.port' is given twice");
    fs::remove(twice);
    EXPECT_EQ(errorOf({}, {"http.prot=9000"}), "-D http.prot: unknown setting 'http.prot'");
    EXPECT_EQ(errorOf({}, {"http.port"}), "-D http.port: expected -D key=value");
    // "\\" at a line's end is a backslash, not a continuation: the next key still counts.
    const std::string slash = write("conf.d/50-slash.properties", "api.token = a\\\\\nlog.levl = x\r\n");
    EXPECT_EQ(errorOf({}, {}), slash + ":2: unknown setting 'log.levl'");
    std::filesystem::remove(slash);
    EXPECT_EQ(errorOf({{"ORDERHOST_DATASOURCE_ORDERHOST_CONNECTION", "x"}}, {}),
              "environment ORDERHOST_DATASOURCE_ORDERHOST_CONNECTION: datasource name 'orderhost' must be 1 to 64 of "
              "a-z, 0-9, '_' and '-', and not 'orderhost' (the host's own)");
    // A value is still checked by the setting's own rules, whichever layer set it.
    const ConfigLayers layers = ConfigLayers::load(main_, {}, {"http.port=70000"});
    EXPECT_THROW(readHostSettings(layers.mainFile(), *layers.configuration()), SettingsError);
}

TEST_F(ConfigLayersTest, TheDescriptionMasksSecretsAndNamesEveryOrigin) {
    const ConfigLayers layers =
        ConfigLayers::load(main_, {}, {"log.format=json", "events.webhook_secret=hook-secret-0123456789"});
    const std::string text = describeSettings(layers);
    EXPECT_EQ(text.find("hook-secret"), std::string::npos) << text;
    const ConfigLayers urls =
        ConfigLayers::load(main_, {},
                           {"events.webhooks=http://relay:pw-1@erp.example/hooks, https://crm.example/in",
                            "events.amqp_url=amqp://orderhost:pw-2@mq.example:5672/%2F"});
    const std::string shown = describeSettings(urls);
    EXPECT_EQ(shown.find("pw-1"), std::string::npos) << shown;
    EXPECT_EQ(shown.find("pw-2"), std::string::npos) << shown;
    EXPECT_NE(shown.find("http://relay:***@erp.example/hooks, https://crm.example/in"), std::string::npos) << shown;
    EXPECT_EQ(maskUrlCredentials("https://tok3n@erp.example/in?key=k3y"), "https://***@erp.example/in?***");
    EXPECT_EQ(readHostSettings(layers.mainFile(), *layers.configuration()).webhookSecrets,
              std::vector<std::string>{"hook-secret-0123456789"});
    const ConfigLayers shortSecret = ConfigLayers::load(main_, {}, {"events.webhook_secret=short"});
    EXPECT_THROW(readHostSettings(shortSecret.mainFile(), *shortSecret.configuration()), SettingsError);
    EXPECT_EQ(text.find("s3cret"), std::string::npos) << text;
    // A braced password may hold ';': all of it is masked, not just up to the first ';'.
    const ConfigLayers braced =
        ConfigLayers::load(main_, {},
                           {"database.connection=Driver=PostgreSQL;Server=db;Pwd={s3cr;etPART2};Uid=u",
                            "datasource.erp.connection=DSN=erp;PASSWORD={a;b;c}"});
    const std::string bracedShown = describeSettings(braced);
    for (const char* secret : {"etPART2", "s3cr", "b;c"})
        EXPECT_EQ(bracedShown.find(secret), std::string::npos) << secret;
    EXPECT_NE(bracedShown.find("database.connection = Driver=PostgreSQL;Server=db;Pwd=***;Uid=u;"), std::string::npos)
        << bracedShown;
    // A segment without '=' does not swallow the next key; "}}" inside braces is a literal '}'.
    const ConfigLayers odd =
        ConfigLayers::load(main_, {},
                           {"database.connection=Driver=PostgreSQL;Server=db;sslmode;Pwd=s3cretX;Uid=u",
                            "datasource.erp.connection=Driver=PostgreSQL;Pwd={a}};bY};Uid=v"});
    const std::string oddShown = describeSettings(odd);
    for (const char* secret : {"s3cretX", "bY"}) EXPECT_EQ(oddShown.find(secret), std::string::npos) << oddShown;
    EXPECT_EQ(text.find("tok-123"), std::string::npos) << text;
    EXPECT_NE(text.find("database.connection = Driver=SQLite3;Database=${config_dir}/o.db;Uid=u;PWD=***;    # " +
                        main_ + ":1\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("api.token = ***    # " + main_ + ":5\n"), std::string::npos) << text;
    EXPECT_NE(text.find("log.format = json    # -D log.format\n"), std::string::npos) << text;
    EXPECT_NE(text.find("# engine.lease_ms: not set"), std::string::npos) << text;
}

}  // namespace
}  // namespace orderhost::app
