// The host under conditions administrators meet: broken plugin files in the plugin folder,
// an API token, many ERP connections at once, the same order posted concurrently.
#include "HostProcess.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

namespace orderhost::testing::host_robustness_test {
namespace {
namespace fs = std::filesystem;

std::string order(const std::string& ref) {
    return R"({"order_ref":")" + ref +
           R"(","currency":"EUR","customer":{"id":"C-1"},"lines":[{"sku":"SKU-1","quantity":1}]})";
}

TEST(HostRobustnessTest, BrokenPluginFilesAreRefusedAndTheHostServesWithTheRest) {
    const fs::path junk = fs::temp_directory_path() / ("orderhost-junk-" + std::to_string(::getpid()));
    fs::create_directories(junk);
    std::ofstream(junk / "readme.so") << "not a library";
    for (const char* name :
         {"crash_on_load", "abi_major_2", "entry_null", "no_entry", "gnu_unique", "good", "good_twin"}) {
        fs::copy_file(fs::path(ORDERHOST_TEST_PLUGIN_DIR) / (std::string(name) + ".so"),
                      junk / (std::string(name) + ".so"), fs::copy_options::overwrite_existing);
    }
    HostOptions options;
    options.pluginFolders = std::string(ORDERHOST_PLUGIN_DIR) + ", " + junk.string();
    HostProcess host(options);

    ASSERT_EQ(host.post("/v1/orders", order("ROBUST-1")).status, 201);
    const HttpReply plugins = host.get("/v1/plugins");
    auto refused = Poco::JSON::Parser().parse(plugins.body).extract<Poco::JSON::Object::Ptr>()->getArray("refused");
    EXPECT_EQ(refused->size(), 8u) << plugins.body;
    EXPECT_NE(plugins.body.find("crashed while loading"), std::string::npos);
    EXPECT_NE(plugins.body.find("not a shared library"), std::string::npos);
    EXPECT_NE(plugins.body.find("exports GNU unique symbol(s)"), std::string::npos);
    EXPECT_NE(plugins.body.find("duplicate plugin id 'test.good': claimed by 2 files"), std::string::npos);
    EXPECT_NE(host.log().find("crash_on_load.so refused"), std::string::npos);
    EXPECT_NE(host.log().find("good_twin.so refused: duplicate plugin id"), std::string::npos) << host.log();
    const HttpReply health = host.get("/v1/health");
    EXPECT_EQ(Poco::JSON::Parser().parse(health.body).extract<Poco::JSON::Object::Ptr>()->getValue<int>("problems"), 8)
        << health.body;
    fs::remove_all(junk);
}

TEST(HostRobustnessTest, ATokenProtectsEverythingButHealth) {
    HostOptions options;
    options.apiToken = "s3cret-token";
    HostProcess host(options);
    EXPECT_EQ(host.get("/v1/health").status, 200);
    const HttpReply refused = host.post("/v1/orders", order("TOKEN-1"));
    EXPECT_EQ(refused.status, 401);
    EXPECT_EQ(refused.headers.at("WWW-Authenticate"), "Bearer");
    EXPECT_EQ(host.request("GET", "/v1/plugins", "", "", {{"Authorization", "Bearer wrong"}}).status, 401);
    EXPECT_EQ(host.request("POST", "/v1/orders", order("TOKEN-1"), "application/json",
                           {{"Authorization", "Bearer s3cret-token"}})
                  .status,
              201);
}

TEST(HostRobustnessTest, ConcurrentErpRequestsAllSucceedAndAnOrderIsCreatedOnce) {
    HostProcess host;
    std::atomic<int> created{0}, repeated{0}, other{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 8; ++t) {
        clients.emplace_back([&, t] {
            for (int i = 0; i < 10; ++i) {
                const int status =
                    host.post("/v1/orders", order("CONC-" + std::to_string(t) + "-" + std::to_string(i))).status;
                (status == 201 ? created : other)++;
                // Every client also posts the one shared order.
                const int shared = host.post("/v1/orders", order("CONC-SHARED")).status;
                (shared == 201 ? created : shared == 200 ? repeated : other)++;
            }
        });
    }
    for (auto& client : clients) client.join();
    EXPECT_EQ(other.load(), 0);
    EXPECT_EQ(created.load(), 80 + 1);
    EXPECT_EQ(repeated.load(), 79);
}

}  // namespace
}  // namespace orderhost::testing::host_robustness_test

#include <Poco/Net/StreamSocket.h>

#include <sys/wait.h>

#include <cstdio>

namespace orderhost::testing::host_robustness_test {
namespace {

// Sends raw bytes on one connection and returns everything the host answers before closing.
std::string rawExchange(unsigned short port, const std::string& bytes) {
    Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port));
    socket.setReceiveTimeout(Poco::Timespan(5, 0));
    socket.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
    std::string answer;
    char buffer[4096];
    try {
        while (int n = socket.receiveBytes(buffer, sizeof buffer)) answer.append(buffer, static_cast<std::size_t>(n));
    } catch (const Poco::TimeoutException&) {
    }
    return answer;
}

TEST(HostRobustnessTest, ARefusedBodyIsNeverReadAsTheNextRequest) {
    HostProcess host;
    const std::string smuggled = "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n";
    const std::string answer = rawExchange(host.port(),
                                           "POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                                           "Content-Length: " +
                                               std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled);
    EXPECT_NE(answer.find("415"), std::string::npos) << answer;
    EXPECT_EQ(answer.find("\"status\":\"ok\""), std::string::npos) << "the body was served as a request:\n" << answer;
}

TEST(HostRobustnessTest, ASecondHostOnTheSamePortFailsInsteadOfSharingIt) {
    HostProcess first;
    const fs::path config = first.folder() / "second.properties";
    std::ofstream(config) << "http.port = " << first.port() << "\n"
                          << "database.connection = Driver=SQLite3;Database=${config_dir}/second.db;\n"
                          << "plugins.folders = " << ORDERHOST_PLUGIN_DIR
                          << "\nchains.folder = " << ORDERHOST_E2E_CHAINS << "\n";
    FILE* pipe = ::popen((std::string(ORDERHOST_BINARY) + " --config " + config.string() + " 2>&1").c_str(), "r");
    std::string output;
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
    const int status = ::pclose(pipe);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 69) << output;
    EXPECT_NE(output.find("cannot start: Net Exception: Address already in use"), std::string::npos) << output;
    EXPECT_EQ(first.get("/v1/health").status, 200);
}

// The test harness itself: a host whose port another test's host took first must not pass
// for started because the other host answers the health check (CI stop 24 saw two tests
// run their orders on one host that way).
TEST(HostRobustnessTest, AHarnessHostWhosePortIsTakenFailsToStartInsteadOfBorrowingTheOther) {
    HostProcess first;
    HostOptions options;
    options.port = first.port();
    try {
        HostProcess second(options);
        ADD_FAILURE() << "the second host passed for started:\n" << second.log();
    } catch (const std::runtime_error& refused) {
        EXPECT_NE(std::string(refused.what()).find("Address already in use"), std::string::npos) << refused.what();
    }
}

TEST(HostRobustnessTest, MalformedUrisAndHeadRequestsGetProperAnswers) {
    HostProcess host;
    EXPECT_EQ(host.get("/v1/orders/%zz").status, 400);
    EXPECT_EQ(host.get("/v1/orders?order_ref=%").status, 400);
    EXPECT_EQ(host.get("/v1/orders?order_ref=A%00B").status, 404);
    EXPECT_EQ(host.request("HEAD", "/v1/health", "", "").status, 200);
}

}  // namespace
}  // namespace orderhost::testing::host_robustness_test
