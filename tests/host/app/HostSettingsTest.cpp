// The host's configuration file: what an administrator gets for each mistake.
#include "host/app/HostSettings.h"

#include <Poco/AutoPtr.h>
#include <Poco/Util/PropertyFileConfiguration.h>
#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdio>
#include <fstream>

namespace orderhost::app {
namespace {

class HostSettingsTest : public ::testing::Test {
protected:
    void SetUp() override {
        char name[] = "/tmp/orderhost-settings-XXXXXX";
        const int fd = mkstemp(name);
        ASSERT_GE(fd, 0);
        close(fd);
        file_ = name;
    }
    void TearDown() override { std::remove(file_.c_str()); }

    HostSettings read(const std::string& extra) {
        std::ofstream(file_) << "database.connection = Driver=SQLite3;Database=/tmp/x.db;\n"
                             << "plugins.folders = /tmp\nchains.folder = /tmp\n"
                             << extra;
        Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> config(new Poco::Util::PropertyFileConfiguration(file_));
        return readHostSettings(file_, *config);
    }

    std::string errorOf(const std::string& extra) {
        try {
            read(extra);
        } catch (const SettingsError& e) {
            return e.what();
        }
        return "no error";
    }

    std::string file_;
};

TEST_F(HostSettingsTest, NamedDatasourcesLeasesAndWebhooksAreRead) {
    const HostSettings s = read(
        "datasource.erp.connection = Driver=SQLite3;Database=${config_dir}/erp.db;\n"
        "datasource.erp.pool_size = 3\nengine.host_id = host-a\nengine.lease_ms = 1500\nengine.crash_limit = 5\n"
        "events.webhooks = http://127.0.0.1:9000/hook, http://crm.local/events\n");
    ASSERT_EQ(s.datasources.count("erp"), 1u);
    EXPECT_EQ(s.datasources.at("erp").connection, "Driver=SQLite3;Database=/tmp/erp.db;");
    EXPECT_EQ(s.datasources.at("erp").poolSize, 3);
    EXPECT_EQ(s.hostId, "host-a");
    EXPECT_EQ(s.leaseMs, 1500);
    EXPECT_EQ(s.crashLimit, 5);
    EXPECT_EQ(s.webhookUrls, (std::vector<std::string>{"http://127.0.0.1:9000/hook", "http://crm.local/events"}));
}

TEST_F(HostSettingsTest, HttpLimitsAndTheShutdownBoundAreRead) {
    const HostSettings defaults = read("");
    EXPECT_EQ(defaults.httpRequestTimeoutMs, 10000);
    EXPECT_EQ(defaults.httpMaxConnectionsPerClient, 0);
    EXPECT_EQ(defaults.shutdownTimeoutSeconds, 30);
    const HostSettings s = read(
        "http.request_timeout_ms = 2500\nhttp.max_connections = 300\n"
        "http.max_connections_per_client = 8\nhttp.retry_after_s = 4\n"
        "host.shutdown_timeout_s = 5\n");
    EXPECT_EQ(s.httpRequestTimeoutMs, 2500);
    EXPECT_EQ(s.httpMaxConnections, 300);
    EXPECT_EQ(s.httpMaxConnectionsPerClient, 8);
    EXPECT_EQ(s.httpRetryAfterSeconds, 4);
    EXPECT_EQ(s.shutdownTimeoutSeconds, 5);
    EXPECT_EQ(errorOf("http.request_timeout_ms = 10\n"),
              "setting http.request_timeout_ms must be between 100 and 3600000, got 10");
    EXPECT_EQ(errorOf("http.max_connections_per_client = -1\n"),
              "setting http.max_connections_per_client must be between 0 and 1000000, got -1");
}

// Issue 14: log.format was "unknown setting"; the log file is relative to the config file.
TEST_F(HostSettingsTest, LogFormatAndTheRotatingLogFileAreRead) {
    const HostSettings defaults = read("");
    EXPECT_EQ(defaults.logFormat, "text");
    EXPECT_EQ(defaults.logFile, "");
    const HostSettings s = read(
        "log.format = json\nlog.file = logs/orderhost.log\nlog.max_size_mb = 20\n"
        "log.max_files = 3\n");
    EXPECT_EQ(s.logFormat, "json");
    EXPECT_EQ(s.logFile, "/tmp/logs/orderhost.log");
    EXPECT_EQ(s.logMaxSizeMb, 20);
    EXPECT_EQ(s.logMaxFiles, 3);
    EXPECT_EQ(errorOf("log.format = xml\n"), "setting log.format must be text or json, got 'xml'");
    EXPECT_EQ(errorOf("log.max_files = 0\n"), "setting log.max_files must be between 1 and 1000, got 0");
}

TEST_F(HostSettingsTest, IsolationAndTheStepWorkerCountAreRead) {
    const HostSettings defaults = read("");
    EXPECT_EQ(defaults.stepWorkers, 64);
    EXPECT_TRUE(defaults.pluginIsolate.empty());
    EXPECT_FALSE(defaults.pluginIsolateAll);
    EXPECT_EQ(defaults.pluginIsolateWorkers, 1);
    const HostSettings s = read(
        "engine.step_workers = 8\nplugins.isolate = com.vendor.pay, orderhost.billing\n"
        "plugins.isolate_workers = 3\n");
    EXPECT_EQ(s.stepWorkers, 8);
    EXPECT_EQ(s.pluginIsolate, (std::set<std::string>{"com.vendor.pay", "orderhost.billing"}));
    EXPECT_FALSE(s.pluginIsolateAll);
    EXPECT_EQ(s.pluginIsolateWorkers, 3);
    EXPECT_TRUE(read("plugins.isolate = *\n").pluginIsolateAll);
    EXPECT_EQ(errorOf("engine.step_workers = 0\n"), "setting engine.step_workers must be between 1 and 4096, got 0");
    EXPECT_EQ(errorOf("engine.step_workers = lots\n"), "setting engine.step_workers must be an integer, got 'lots'");
    EXPECT_EQ(errorOf("plugins.isolate_workers = 0\n"),
              "setting plugins.isolate_workers must be between 1 and 64, got 0");
    EXPECT_EQ(defaults.backgroundRuns, 4);
    EXPECT_EQ(read("engine.background_runs = 12\n").backgroundRuns, 12);
    EXPECT_EQ(errorOf("engine.background_runs = 0\n"),
              "setting engine.background_runs must be between 1 and 256, got 0");
}

// Issue 13: the pin file is relative to the config file's folder and read at start.
TEST_F(HostSettingsTest, PinsAndPermissionChecksAreRead) {
    const HostSettings defaults = read("");
    EXPECT_TRUE(defaults.pluginCheckPermissions);
    EXPECT_EQ(defaults.pluginPins, nullptr);
    const std::string pins = "/tmp/orderhost-settings-pins-" + std::to_string(::getpid());
    std::ofstream(pins) << std::string(64, 'a') << "  orderhost.credit  credit.so\n";
    const HostSettings s = read("plugins.pins = " + pins.substr(5) + "\nplugins.check_permissions = false\n");
    std::remove(pins.c_str());
    EXPECT_FALSE(s.pluginCheckPermissions);
    EXPECT_EQ(s.pluginPinsFile, pins);
    ASSERT_NE(s.pluginPins, nullptr);
    ASSERT_NE(s.pluginPins->find(std::string(64, 'A')), nullptr);
    EXPECT_EQ(s.pluginPins->find(std::string(64, 'a'))->id, "orderhost.credit");
    EXPECT_EQ(errorOf("plugins.pins = /nonexistent/plugins.pins\n"),
              "setting plugins.pins: cannot read the pin file /nonexistent/plugins.pins (plugins.pins)");
    EXPECT_EQ(errorOf("plugins.check_permissions = sometimes\n"),
              "setting plugins.check_permissions must be true or false, got 'sometimes'");
}

TEST_F(HostSettingsTest, MistakesNameTheSettingAndWhere) {
    EXPECT_EQ(errorOf("datasource.orderhost.connection = x\n"),
              file_ +
                  ":4: datasource name 'orderhost' must be 1 to 64 of a-z, 0-9, '_' and '-', and not 'orderhost' (the "
                  "host's own)");
    EXPECT_EQ(errorOf("datasource.erp.user = x\n"), file_ + ":4: unknown setting 'datasource.erp.user'");
    EXPECT_EQ(errorOf("datasource.erp.pool_size = 2\n"), "setting datasource.erp.connection is required");
    EXPECT_EQ(errorOf("engine.lease_ms = 10\n"), "setting engine.lease_ms must be between 200 and 3600000, got 10");
    EXPECT_NE(
        errorOf("events.webhooks = ftp://crm.local/events\n").find("is not an http:// or https://host[:port]/path URL"),
        std::string::npos);
    EXPECT_EQ(read("events.webhooks = https://crm.local/events\n").webhookUrls,
              std::vector<std::string>{"https://crm.local/events"});
    EXPECT_NE(errorOf("events.webhook_ca_file = no-such-ca.pem\n")
                  .find("setting events.webhook_ca_file: /tmp/no-such-ca.pem is not a readable file"),
              std::string::npos);
    EXPECT_NE(errorOf("events.webhooks = not a url\n").find("setting events.webhooks: 'not a url'"), std::string::npos);
    // A misplaced brace would put the password into another value (and into the lock file's
    // name, logs, errors): refused by name, the value not echoed (found by review).
    const std::string misbraced =
        errorOf("datasource.erp.connection = Driver={PostgreSQL Unicode;Server=db;Pwd=hunter2;Database={erp};\n");
    EXPECT_NE(misbraced.find("setting datasource.erp.connection: the value of 'Driver' opens '{'"), std::string::npos)
        << misbraced;
    EXPECT_EQ(misbraced.find("hunter2"), std::string::npos) << misbraced;
}

TEST_F(HostSettingsTest, TlsFilesComeInPairsAndAreResolvedAgainstTheConfigFolder) {
    EXPECT_FALSE(read("").apiTls);  // plain HTTP unless configured
    EXPECT_EQ(errorOf("api.tls.certificate = tls/chain.pem\n"),
              "setting api.tls.private_key is required with api.tls.certificate");
    EXPECT_EQ(errorOf("api.tls.private_key = tls/key.pem\n"),
              "setting api.tls.certificate is required with api.tls.private_key");
    EXPECT_EQ(errorOf("api.tls.client_ca = tls/ca.pem\n"),
              "setting api.tls.client_ca needs api.tls.certificate and api.tls.private_key (client certificates are "
              "asked for in the TLS handshake)");
    // Checked at start, relative to the config file's folder (/tmp here).
    EXPECT_EQ(errorOf("api.tls.certificate = orderhost-no-such-dir/chain.pem\napi.tls.private_key = k.pem\n"),
              "setting api.tls.certificate: /tmp/orderhost-no-such-dir/chain.pem does not exist");
}

}  // namespace
}  // namespace orderhost::app
