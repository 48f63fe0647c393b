// Issue 14, logs: the real host writing JSON lines (each one parses, with the correlation
// fields), a request id that goes from the HTTP request to the order, its steps and the
// plugin's own lines and back in the reply, plugin text that cannot forge a line in either
// format, and --daemon writing to log.file instead of /dev/null.
#include "HostProcess.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Process.h>
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace orderhost::testing::logging_test {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string order(const std::string& ref) {
    return R"({"order_ref":")" + ref +
           R"(","currency":"EUR","customer":{"id":"C-1","email":"ada@example.com"},"lines":[{"sku":"SKU-1","quantity":1}]})";
}

std::vector<std::string> linesOf(const fs::path& file) {
    std::ifstream in(file);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// Every line as a JSON object; fails the test on the first line that is not one.
std::vector<Poco::JSON::Object::Ptr> jsonLines(const std::vector<std::string>& lines) {
    std::vector<Poco::JSON::Object::Ptr> objects;
    for (const auto& line : lines) {
        try {
            objects.push_back(Poco::JSON::Parser().parse(line).extract<Poco::JSON::Object::Ptr>());
        } catch (const std::exception& e) {
            ADD_FAILURE() << "not a JSON line: " << line;
        }
    }
    return objects;
}

std::string field(const Poco::JSON::Object::Ptr& line, const std::string& name) {
    return line->has(name) ? line->getValue<std::string>(name) : "";
}

TEST(LoggingTest, JsonLinesCarryTheRequestIdFromTheRequestToTheOrderAndBack) {
    HostOptions options;
    options.extraSettings["log.format"] = "json";
    HostProcess host(options);
    const HttpReply created = host.request("POST", "/v1/orders", order("LOG-1"), "application/json",
                                           {{"X-Request-Id", "erp-batch-7:line-1"}});
    ASSERT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(created.headers.at("X-Request-Id"), "erp-batch-7:line-1");
    const std::string orderId =
        Poco::JSON::Parser().parse(created.body).extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("id");

    const auto lines = jsonLines(linesOf(host.folder() / "host.log"));
    ASSERT_FALSE(lines.empty());
    int accepted = 0, steps = 0;
    for (const auto& line : lines) {
        for (const char* name : {"time", "level", "logger", "msg"}) EXPECT_TRUE(line->has(name)) << name;
        if (field(line, "request_id") != "erp-batch-7:line-1") continue;
        EXPECT_EQ(field(line, "order_id"), orderId) << field(line, "msg");  // every line of it is about the order
        if (field(line, "msg").find("accepted") != std::string::npos) ++accepted;
        if (field(line, "msg").find("attempt 1: continue") != std::string::npos) ++steps;  // the checkpoint lines
    }
    EXPECT_EQ(accepted, 1);
    EXPECT_EQ(steps, 3);  // validate, credit, confirm

    // No X-Request-Id (or an unusable one): the host makes one and says which.
    const HttpReply made = host.request("GET", "/v1/orders/" + orderId, "", "", {{"X-Request-Id", "has space"}});
    EXPECT_EQ(made.headers.at("X-Request-Id").size(), 32u);
    EXPECT_NE(made.headers.at("X-Request-Id"), "has space");
}

TEST(LoggingTest, PluginLinesHaveThePluginsLoggerAndStepAndCannotForgeJsonLines) {
    HostOptions options;
    options.pluginFolders = ORDERHOST_BOUNDARY_PLUGIN_DIR;
    options.chainsFolder = ORDERHOST_BOUNDARY_CHAINS;
    options.extraSettings["log.format"] = "json";
    HostProcess host(options);
    ASSERT_EQ(
        host.request("POST", "/v1/orders", order("LOG-HOSTILE"), "application/json", {{"X-Request-Id", "r-77"}}).status,
        201);
    const auto raw = linesOf(host.folder() / "host.log");
    int pluginLines = 0;
    for (const auto& line : jsonLines(raw)) {
        if (field(line, "msg").find("FORGED host line") == std::string::npos) continue;
        if (field(line, "logger") != "test.boundary") continue;  // the host's own report of the outcome
        ++pluginLines;
        std::ostringstream text;
        line->stringify(text);
        SCOPED_TRACE(text.str());
        EXPECT_EQ(field(line, "plugin"), "test.boundary");
        EXPECT_EQ(field(line, "step"), "hostile");
        EXPECT_EQ(field(line, "request_id"), "r-77");
        EXPECT_FALSE(field(line, "order_id").empty());
    }
    EXPECT_EQ(pluginLines, 2);  // log() and log_plugin()
    for (const auto& line : raw) EXPECT_NE(line.rfind(" FORGED", 0), 0u) << line;
}

TEST(LoggingTest, PluginTextCannotForgeTextLinesEither) {
    HostOptions options;
    options.pluginFolders = ORDERHOST_BOUNDARY_PLUGIN_DIR;
    options.chainsFolder = ORDERHOST_BOUNDARY_CHAINS;
    HostProcess host(options);
    ASSERT_EQ(host.post("/v1/orders", order("LOG-HOSTILE-TEXT")).status, 201);
    int mentions = 0;
    for (const auto& line : linesOf(host.folder() / "host.log")) {
        if (line.find("FORGED host line") == std::string::npos) continue;
        ++mentions;
        EXPECT_EQ(line.rfind("[", 0), 0u) << "a line that does not start as the host's do: " << line;
        EXPECT_NE(line.find("nl:\\n FORGED"), std::string::npos) << line;
    }
    EXPECT_GE(mentions, 2);
}

// --daemon: Poco points stdout at /dev/null, so the lines must go to log.file.
TEST(LoggingTest, ADaemonWritesItsLogToTheConfiguredFile) {
    HostOptions probe;  // a normal host first, only for a folder with a working config
    HostProcess host(probe);
    host.terminate();
    const fs::path folder = host.folder();
    const unsigned short port = freeLoopbackPort();
    std::string config;
    {
        std::ifstream in(folder / "orderhost.properties");
        std::stringstream text;
        text << in.rdbuf();
        config = text.str();
    }
    config.replace(config.find("http.port = "), std::string("http.port = ").size(),
                   "http.port = " + std::to_string(port) + "\n#");
    config += "log.format = json\nlog.file = daemon.log\nlog.max_size_mb = 1\nlog.max_files = 2\n";
    std::ofstream(folder / "daemon.properties") << config;
    const fs::path pidFile = folder / "daemon.pid";
    Poco::ProcessHandle starter = Poco::Process::launch(
        ORDERHOST_BINARY,
        {"--daemon", "--pidfile=" + pidFile.string(), "--config", (folder / "daemon.properties").string()});
    EXPECT_EQ(starter.wait(), 0);
    bool ready = false;
    for (int i = 0; i < 200 && !ready; ++i) {
        std::this_thread::sleep_for(50ms);
        ready = fs::exists(pidFile) && !linesOf(folder / "daemon.log").empty() &&
                linesOf(folder / "daemon.log").back().find("listening") != std::string::npos;
    }
    ASSERT_TRUE(ready) << "no 'listening' line in " << (folder / "daemon.log");
    int pid = 0;
    std::ifstream(pidFile) >> pid;
    ASSERT_GT(pid, 0);
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 200 && ::kill(pid, 0) == 0; ++i) std::this_thread::sleep_for(50ms);
    const auto lines = jsonLines(linesOf(folder / "daemon.log"));
    ASSERT_GE(lines.size(), 2u);
    EXPECT_EQ(field(lines.back(), "msg"), "stopped");
}

}  // namespace
}  // namespace orderhost::testing::logging_test
