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

namespace orderhost::testing {
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
    for (const char* name : {"crash_on_load", "abi_major_2", "entry_null", "no_entry"}) {
        fs::copy_file(fs::path(ORDERHOST_TEST_PLUGIN_DIR) / (std::string(name) + ".so"), junk / (std::string(name) + ".so"),
                      fs::copy_options::overwrite_existing);
    }
    HostOptions options;
    options.pluginFolders = std::string(ORDERHOST_PLUGIN_DIR) + ", " + junk.string();
    HostProcess host(options);

    ASSERT_EQ(host.post("/v1/orders", order("ROBUST-1")).status, 201);
    const HttpReply plugins = host.get("/v1/plugins");
    auto refused = Poco::JSON::Parser().parse(plugins.body).extract<Poco::JSON::Object::Ptr>()->getArray("refused");
    EXPECT_EQ(refused->size(), 5u) << plugins.body;
    EXPECT_NE(plugins.body.find("crashed while loading"), std::string::npos);
    EXPECT_NE(plugins.body.find("not a shared library"), std::string::npos);
    EXPECT_NE(host.log().find("crash_on_load.so refused"), std::string::npos);
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
                           {{"Authorization", "Bearer s3cret-token"}}).status, 201);
}

TEST(HostRobustnessTest, ConcurrentErpRequestsAllSucceedAndAnOrderIsCreatedOnce) {
    HostProcess host;
    std::atomic<int> created{0}, repeated{0}, other{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 8; ++t) {
        clients.emplace_back([&, t] {
            for (int i = 0; i < 10; ++i) {
                const int status = host.post("/v1/orders", order("CONC-" + std::to_string(t) + "-" + std::to_string(i))).status;
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
}  // namespace orderhost::testing
