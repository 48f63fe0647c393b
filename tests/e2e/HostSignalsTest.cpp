// Issue 8, findings 10 (health part) and 12: how the host process meets signals and a pool of
// step workers that are all stuck in plugin calls. The real host binary.
#include "HostProcess.h"

#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace orderhost::testing {
namespace {
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string order(const std::string& ref) {
    return R"({"order_ref":")" + ref +
           R"(","currency":"EUR","customer":{"id":"C-1"},"lines":[{"sku":"SKU-1","quantity":1}]})";
}

TEST(HostSignalsTest, SighupIsLoggedAndTheHostServesOn) {
    HostProcess host;
    host.sendSignal(SIGHUP);
    std::this_thread::sleep_for(300ms);
    host.sendSignal(SIGHUP);
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(host.get("/v1/health").status, 200);
    EXPECT_EQ(host.post("/v1/orders", order("HUP-1")).status, 201);
    EXPECT_NE(host.log().find("SIGHUP received: reloading is not implemented yet; ignoring it"), std::string::npos)
        << host.log();
    const auto start = Clock::now();
    EXPECT_EQ(host.terminate(), 0);
    EXPECT_LT(Clock::now() - start, 10s);
    EXPECT_NE(host.log().find("(Terminated) received: stopping"), std::string::npos) << host.log();
}

TEST(HostSignalsTest, EveryStepWorkerHungMakesHealthDegradedAndSigtermStillEndsTheHost) {
    HostOptions options;
    options.pluginFolders = ORDERHOST_SCRIPTED_PLUGIN_DIR;
    options.chainsFolder = ORDERHOST_HANG_CHAINS;
    options.extraSettings["host.shutdown_timeout_s"] = "2";
    HostProcess host(options);
    EXPECT_NE(host.get("/v1/health").body.find(R"("status":"ok")"), std::string::npos);
    // 64 orders (the engine's worker count), each leaving its worker inside the plugin.
    std::atomic<int> next{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 8; ++t) {
        clients.emplace_back([&] {
            for (int i = next++; i < 64; i = next++) host.post("/v1/orders", order("HANG-" + std::to_string(i)));
        });
    }
    for (auto& client : clients) client.join();
    const HttpReply health = host.get("/v1/health");
    EXPECT_EQ(health.status, 503) << health.body;
    EXPECT_NE(health.body.find(R"("status":"degraded")"), std::string::npos) << health.body;
    EXPECT_NE(health.body.find("every step worker is busy (64 of 64)"), std::string::npos) << health.body;
    EXPECT_EQ(host.request("HEAD", "/v1/health", "", "").status, 503);

    const auto start = Clock::now();
    EXPECT_EQ(host.terminate(), 70);  // the hung calls would keep it forever: the bound ends it
    EXPECT_LT(Clock::now() - start, 15s);
    EXPECT_NE(host.log().find("stopping took longer than 2 s"), std::string::npos) << host.log();
}

}  // namespace
}  // namespace orderhost::testing
