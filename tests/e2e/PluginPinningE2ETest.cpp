// Plugins pinned by content (issue 13): an impostor library that declares the reference
// validation plugin's id, in a folder listed before the real plugins, is refused by its hash
// before any of its code runs, and the real validation plugin runs the orders — in process and
// isolated in a worker. The pin file is made by the real `orderhost plugins pin` command, and
// the hash in the refusal is checked against coreutils' sha256sum.
#include "HostProcess.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace orderhost::testing::plugin_pinning_e2e_test {
namespace {
namespace fs = std::filesystem;

std::string commandOutput(const std::string& command) {
    std::string output;
    FILE* pipe = ::popen(command.c_str(), "r");
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
    EXPECT_EQ(::pclose(pipe), 0) << command << "\n" << output;
    return output;
}

Poco::JSON::Object::Ptr json(const HttpReply& reply) {
    return Poco::JSON::Parser().parse(reply.body).extract<Poco::JSON::Object::Ptr>();
}

class PluginPinningE2ETest : public ::testing::Test {
protected:
    void SetUp() override {
        folder_ = fs::temp_directory_path() / ("orderhost-pinning-" + std::to_string(::getpid()) + "-" +
                                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(folder_);
        fs::create_directories(folder_ / "impostor");
        // "a-…": the impostor's folder and name both come first, as in the attack of issue 13.
        impostor_ = folder_ / "impostor" / "a-orderhost-validation.so";
        fs::copy_file(fs::path(ORDERHOST_IMPOSTOR_PLUGIN_DIR) / "impostor_validation.so", impostor_);
        // The administrator pins the reviewed reference plugins, and only those.
        pins_ = folder_ / "plugins.pins";
        std::ofstream(pins_) << "# reviewed reference plugins\n"
                             << commandOutput(std::string(ORDERHOST_BINARY) + " plugins pin " ORDERHOST_PLUGIN_DIR);
    }
    void TearDown() override { fs::remove_all(folder_); }

    HostOptions pinnedHost() const {
        HostOptions options;
        options.pluginFolders = (folder_ / "impostor").string() + ", " ORDERHOST_PLUGIN_DIR;
        options.extraSettings["plugins.pins"] = pins_.string();
        options.extraSettings["plugins.allow"] = "orderhost.validation, orderhost.credit, orderhost.notification";
        return options;
    }

    // The impostor is refused by its hash (the one sha256sum computes) and the real validation
    // plugin rejects an order with an unknown SKU, which the impostor would have let through.
    void expectTheRealPluginRunsTheOrders(const HostProcess& host, bool isolated) const {
        const std::string hash = commandOutput("sha256sum " + impostor_.string()).substr(0, 64);
        auto plugins = json(host.get("/v1/plugins"));
        auto refused = plugins->getArray("refused");
        bool impostorRefused = false;
        for (unsigned i = 0; i < refused->size(); ++i) {
            auto refusal = refused->getObject(i);
            if (refusal->getValue<std::string>("file") != impostor_.string()) continue;
            impostorRefused = true;
            EXPECT_EQ(refusal->getValue<std::string>("reason"),
                      "its SHA-256 " + hash + " is not listed in plugins.pins (" + pins_.string() +
                          "); none of its code ran. If this file is trusted, review `orderhost plugins pin` on it "
                          "and add the line");
        }
        EXPECT_TRUE(impostorRefused) << plugins->getArray("refused")->size() << " refusals";
        EXPECT_NE(host.log().find("plugin " + impostor_.string() + " refused: its SHA-256 " + hash), std::string::npos);
        auto loaded = plugins->getArray("plugins");
        bool realValidation = false;
        for (unsigned i = 0; i < loaded->size(); ++i) {
            auto plugin = loaded->getObject(i);
            if (plugin->getValue<std::string>("id") != "orderhost.validation") continue;
            realValidation = true;
            EXPECT_EQ(plugin->getValue<std::string>("file"), ORDERHOST_PLUGIN_DIR "/orderhost-validation.so");
            EXPECT_EQ(plugin->getValue<bool>("isolated"), isolated);
        }
        EXPECT_TRUE(realValidation);

        const HttpReply placed = host.post(
            "/v1/orders",
            R"({"order_ref":"PIN-1","currency":"EUR","customer":{"id":"C-1","email":"ada@example.com"},"lines":[{"sku":"NOPE","quantity":1000}]})");
        ASSERT_EQ(placed.status, 201) << placed.body;
        auto order = json(placed);
        EXPECT_EQ(order->getValue<std::string>("state"), "rejected");
        EXPECT_EQ(order->getArray("steps")->getObject(0)->getValue<std::string>("code"), "unknown_sku");
        const HttpReply good = host.post(
            "/v1/orders",
            R"({"order_ref":"PIN-2","currency":"EUR","customer":{"id":"C-1","email":"ada@example.com"},"lines":[{"sku":"SKU-1","quantity":2}]})");
        ASSERT_EQ(good.status, 201) << good.body;
        EXPECT_EQ(json(good)->getValue<std::string>("state"), "completed") << good.body;
    }

    fs::path folder_;
    fs::path impostor_;
    fs::path pins_;
};

TEST_F(PluginPinningE2ETest, AnImpostorWithAnAllowedIdIsRefusedByItsHashAndTheRealPluginRuns) {
    HostProcess host(pinnedHost());
    expectTheRealPluginRunsTheOrders(host, false);
}

// Isolated workers are other processes: they load the host's sealed copy of the pinned bytes
// (/proc/<host pid>/fd/N), not the path.
TEST_F(PluginPinningE2ETest, AnIsolatedPinnedPluginRunsInItsWorkerFromTheHashedCopy) {
    HostOptions options = pinnedHost();
    options.extraSettings["plugins.isolate"] = "orderhost.validation";
    HostProcess host(options);
    expectTheRealPluginRunsTheOrders(host, true);
}

}  // namespace
}  // namespace orderhost::testing::plugin_pinning_e2e_test
