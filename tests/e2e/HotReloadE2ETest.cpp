// Hot reload of chains (issue 14 item 1): the real host binary and reference plugins, real
// HTTP, on SQLite and PostgreSQL. POST /v1/admin/reload and SIGHUP read the chain folder
// again: a new version takes new orders while an order suspended on the old one finishes on
// it (also after its file was removed), a broken file refuses the reload and changes nothing,
// and reloads under concurrent placements lose or fail no order.
#include "HostProcess.h"
#include "ReloadTestKit.h"
#include "tests/support/TestDatabase.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace orderhost::testing::hot_reload_e2e_test {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace reloadkit;

// The host's [error] and [critical] lines: why a request failed.
std::string errorLines(const std::string& log) {
    std::string lines;
    std::size_t start = 0;
    while (start < log.size()) {
        const std::size_t end = std::min(log.find('\n', start), log.size());
        const std::string line = log.substr(start, end - start);
        if (line.find("[error]") != std::string::npos || line.find("[critical]") != std::string::npos)
            lines += line + "\n";
        start = end + 1;
    }
    return lines;
}

class HotReloadE2ETest : public ReloadHostTest {};

TEST_P(HotReloadE2ETest, ANewVersionTakesNewOrdersWhileASuspendedOrderFinishesOnItsOwnEvenAfterItsFileWent) {
    const auto held = place("HELD-1", "C-SMALL");
    ASSERT_EQ(held->getValue<std::string>("state"), "on_hold") << held->getValue<std::string>("id");
    const std::string heldId = held->getValue<std::string>("id");

    write("place-order-v2.yaml", placeOrderChain(2));
    const HttpReply added = reload();
    ASSERT_EQ(added.status, 200) << added.body;
    EXPECT_EQ(json(added.body)->getObject("chains")->getArray("added")->getElement<std::string>(0), "place-order v2");
    EXPECT_EQ(loadedChains(), (std::set<std::string>{"place-order v1", "place-order v2 (latest)"}));
    const auto fresh = place("NEW-1");
    EXPECT_EQ(fresh->getValue<int>("chain_version"), 2);
    EXPECT_EQ(fresh->getValue<std::string>("state"), "completed");
    EXPECT_EQ(lastStep(orderView(fresh->getValue<std::string>("id"))), "done-v2");

    // v1's file goes while the held order still needs v1: it stays, retired.
    fs::remove(chains_ / "place-order-v1.yaml");
    const HttpReply removed = reload();
    ASSERT_EQ(removed.status, 200) << removed.body;
    EXPECT_EQ(json(removed.body)->getObject("chains")->getArray("retired")->getElement<std::string>(0),
              "place-order v1 (1 unfinished order(s))");
    EXPECT_EQ(loadedChains(), (std::set<std::string>{"place-order v1 (retired)", "place-order v2 (latest)"}));

    const HttpReply approved = host_->post("/v1/orders/" + heldId + "/signals/credit_approval", R"({"approved":true})");
    ASSERT_EQ(approved.status, 200) << approved.body;
    const auto finished = orderView(heldId);
    EXPECT_EQ(finished->getValue<std::string>("state"), "completed");
    EXPECT_EQ(finished->getValue<int>("chain_version"), 1);
    EXPECT_EQ(lastStep(finished), "done-v1");

    // No unfinished order needs v1 any more, but the completed order on it may still be
    // cancelled (its undo runs v1's steps): a reload keeps it retired; a restart forgets it.
    const HttpReply again = reload();
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(json(again.body)->getObject("chains")->getArray("dropped")->size(), 0u);
    EXPECT_EQ(loadedChains(), (std::set<std::string>{"place-order v1 (retired)", "place-order v2 (latest)"}));
    host_->restart();
    EXPECT_EQ(loadedChains(), (std::set<std::string>{"place-order v2 (latest)"}));
}

TEST_P(HotReloadE2ETest, ABrokenOrChangedFileRefusesTheReloadNamingItAndTheOldChainsServeOn) {
    write("place-order-v2.yaml", placeOrderChain(2));
    write("broken.yaml",
          "name: broken\nversion: 1\ntrigger: place_order\nsteps:\n"
          "  - name: a\n    plugin: orderhost.noop\n    step: noop\n    atempts: 3\n");
    const HttpReply broken = reload();
    ASSERT_EQ(broken.status, 422) << broken.body;
    EXPECT_NE(broken.headers.at("Content-Type").find("application/problem+json"), std::string::npos);
    const auto problem = json(broken.body);
    EXPECT_NE(problem->getValue<std::string>("detail").find("broken.yaml:8"), std::string::npos) << broken.body;
    EXPECT_NE(problem->getArray("errors")->getObject(0)->getValue<std::string>("field").find("broken.yaml:8"),
              std::string::npos)
        << broken.body;
    // Nothing changed: not even the valid v2 beside the broken file was taken.
    EXPECT_EQ(loadedChains(), (std::set<std::string>{"place-order v1 (latest)"}));
    EXPECT_EQ(place("OLD-1")->getValue<int>("chain_version"), 1);

    // A plugin that is not there refuses it too, with the step's line.
    write("broken.yaml",
          "name: broken\nversion: 1\ntrigger: place_order\nsteps:\n"
          "  - name: a\n    plugin: orderhost.nowhere\n    step: noop\n");
    const HttpReply unknown = reload();
    ASSERT_EQ(unknown.status, 422) << unknown.body;
    EXPECT_NE(unknown.body.find("broken.yaml:5"), std::string::npos) << unknown.body;
    EXPECT_NE(unknown.body.find("unknown plugin 'orderhost.nowhere'"), std::string::npos) << unknown.body;

    // Loaded v1 edited in place: refused, the order's steps must not change under it.
    fs::remove(chains_ / "broken.yaml");
    fs::remove(chains_ / "place-order-v2.yaml");
    std::string edited = placeOrderChain(1);
    edited.replace(edited.find("C-SMALL: 500"), 12, "C-SMALL: 900");
    write("place-order-v1.yaml", edited);
    const HttpReply changed = reload();
    ASSERT_EQ(changed.status, 422) << changed.body;
    EXPECT_NE(changed.body.find("give this file version 2"), std::string::npos) << changed.body;
    EXPECT_EQ(place("OLD-2", "C-SMALL")->getValue<std::string>("state"), "on_hold");  // 1000 > the old 500

    const std::string metrics = host_->get("/metrics").body;
    EXPECT_NE(metrics.find("orderhost_reloads_total{result=\"refused\"} 3"), std::string::npos) << metrics;
    EXPECT_NE(host_->log().find("reload refused: " + (chains_ / "broken.yaml").string() + ":8"), std::string::npos)
        << host_->log();
}

TEST_P(HotReloadE2ETest, SighupReloadsAndTheHostServesOnAlsoWhenTheReloadIsRefused) {
    write("place-order-v2.yaml", placeOrderChain(2));
    host_->sendSignal(SIGHUP);
    std::set<std::string> chains;
    for (int i = 0; i < 200 && chains.count("place-order v2 (latest)") == 0; ++i) {
        std::this_thread::sleep_for(25ms);
        chains = loadedChains();
    }
    EXPECT_EQ(chains, (std::set<std::string>{"place-order v1", "place-order v2 (latest)"}));
    EXPECT_EQ(place("HUP-1")->getValue<int>("chain_version"), 2);
    EXPECT_NE(host_->log().find("reload requested by SIGHUP done"), std::string::npos) << host_->log();

    write("broken.yaml", "name: broken\nversion: x\n");
    host_->sendSignal(SIGHUP);
    std::string log;
    for (int i = 0; i < 200 && log.find("reload refused: ") == std::string::npos; ++i) {
        std::this_thread::sleep_for(25ms);
        log = host_->log();
    }
    EXPECT_NE(log.find("reload refused: " + (chains_ / "broken.yaml").string() + ":2"), std::string::npos) << log;
    EXPECT_EQ(host_->get("/v1/health").status, 200);
    EXPECT_EQ(place("HUP-2")->getValue<int>("chain_version"), 2);
    EXPECT_EQ(host_->terminate(), 0);
}

TEST_P(HotReloadE2ETest, ReloadsUnderConcurrentPlacementsFailAndLoseNoOrder) {
    constexpr int kClients = 4, kOrdersEach = 25, kReloads = 6;
    std::mutex mutex;
    std::vector<std::string> accepted, failures;
    std::vector<std::thread> clients;
    std::atomic<bool> reloadsDone{false};
    std::atomic<int> posted{0};
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&, c] {
            // At least kOrdersEach, and on until the reloads are done: the last orders start
            // after the last reload, so placements and reloads overlap however fast either is.
            for (int i = 0; (i < kOrdersEach || !reloadsDone) && i < 20 * kOrdersEach; ++i) {
                ++posted;
                const HttpReply reply =
                    host_->post("/v1/orders", order("LOAD-" + std::to_string(c) + "-" + std::to_string(i)));
                std::lock_guard<std::mutex> lock(mutex);
                if (reply.status == 201)
                    accepted.push_back(json(reply.body)->getValue<std::string>("id"));
                else
                    failures.push_back(std::to_string(reply.status) + " " + reply.body);
            }
        });
    }
    // Each reload adds a version; every other one also removes the oldest non-latest file.
    for (int r = 0; r < kReloads; ++r) {
        write("place-order-v" + std::to_string(r + 2) + ".yaml", placeOrderChain(r + 2));
        if (r % 2 == 1) fs::remove(chains_ / ("place-order-v" + std::to_string(r) + ".yaml"));
        const HttpReply reply = reload();
        EXPECT_EQ(reply.status, 200) << reply.body;
        std::this_thread::sleep_for(50ms);
    }
    reloadsDone = true;
    for (auto& client : clients) client.join();
    EXPECT_TRUE(failures.empty()) << failures.size() << " failed, first: " << failures.front() << "\n"
                                  << errorLines(host_->log());
    ASSERT_EQ(accepted.size(), static_cast<std::size_t>(posted.load()));
    std::set<int> versions;
    for (const std::string& id : accepted) {
        const auto view = orderView(id);
        EXPECT_EQ(view->getValue<std::string>("state"), "completed") << id;
        const int version = view->getValue<int>("chain_version");
        EXPECT_EQ(lastStep(view), "done-v" + std::to_string(version)) << id;  // ran its own version's steps
        versions.insert(version);
    }
    EXPECT_GE(versions.size(), 2u) << "the placements did not overlap the reloads";
    const HttpReply listed = host_->get("/v1/orders?limit=500&state=completed");
    ASSERT_EQ(listed.status, 200) << listed.body;
    EXPECT_EQ(json(listed.body)->getArray("orders")->size(), std::min<std::size_t>(accepted.size(), 500));
}

// In process, or isolated in worker processes (plugins.isolate): the new build's workers load
// the reload's sealed copy, the old build's workers go on serving the old chain version.
class HotReloadPluginE2ETest : public HotReloadE2ETest {
protected:
    void swapBuildsUnderRunningOrders(const std::map<std::string, std::string>& settings);
};

TEST_P(HotReloadPluginE2ETest, ANewPluginBuildLoadsBesideTheOldOneAndOrdersOnTheOldVersionKeepTheOldBuild) {
    swapBuildsUnderRunningOrders({});
}

TEST_P(HotReloadPluginE2ETest, AnIsolatedPluginsNewBuildRunsInItsOwnWorkersBesideTheOldOnes) {
    swapBuildsUnderRunningOrders({{"plugins.isolate", "test.stamp"}});
    EXPECT_NE(host_->log().find("plugin test.stamp runs isolated"), std::string::npos) << host_->log();
}

void HotReloadPluginE2ETest::swapBuildsUnderRunningOrders(const std::map<std::string, std::string>& settings) {
    const fs::path stampFolder = fs::path(folder_) / "stamp-plugins";
    fs::create_directories(stampFolder);
    installFile(fs::path(ORDERHOST_STAMP_PLUGIN_DIR) / "stamp_build1.so", stampFolder / "test-stamp.so");
    fs::remove(chains_ / "place-order-v1.yaml");
    write("place-order-v1.yaml", stampChain(1));
    restartWith(stampFolder, settings);

    const std::string heldId = place("STAMP-HELD", "C-SMALL")->getValue<std::string>("id");
    ASSERT_EQ(orderView(heldId)->getValue<std::string>("state"), "on_hold");
    EXPECT_EQ(orderView(heldId)->getObject("document")->getObject("stamps")->getValue<std::string>("stamp-a"),
              "build-1");

    // The new build under the same file name, and a chain version to use it.
    installFile(fs::path(ORDERHOST_STAMP_PLUGIN_DIR) / "stamp_build2.so", stampFolder / "test-stamp.so");
    write("place-order-v2.yaml", stampChain(2));
    const HttpReply swapped = reload();
    ASSERT_EQ(swapped.status, 200) << swapped.body;
    const auto loaded = json(swapped.body)->getObject("plugins")->getArray("loaded");
    ASSERT_EQ(loaded->size(), 1u) << swapped.body;
    EXPECT_EQ(
        loaded->getElement<std::string>(0).rfind("test.stamp 1.0.2 (" + (stampFolder / "test-stamp.so").string(), 0),
        0u)
        << swapped.body;
    std::set<std::string> builds;
    const auto plugins = json(host_->get("/v1/plugins").body)->getArray("plugins");
    for (std::size_t i = 0; i < plugins->size(); ++i) {
        const auto plugin = plugins->getObject(i);
        if (plugin->getValue<std::string>("id") == "test.stamp")
            builds.insert(plugin->getValue<std::string>("version") +
                          (plugin->getValue<bool>("current") ? " current" : ""));
    }
    EXPECT_EQ(builds, (std::set<std::string>{"1.0.1", "1.0.2 current"}));

    const auto fresh = orderView(place("STAMP-NEW")->getValue<std::string>("id"));
    EXPECT_EQ(fresh->getValue<int>("chain_version"), 2);
    EXPECT_EQ(fresh->getObject("document")->getObject("stamps")->getValue<std::string>("stamp-a"), "build-2");
    EXPECT_EQ(fresh->getObject("document")->getObject("stamps")->getValue<std::string>("stamp-b"), "build-2");

    // The held order resumes on v1, and v1's steps still run the build v1 was bound to.
    ASSERT_EQ(host_->post("/v1/orders/" + heldId + "/signals/credit_approval", R"({"approved":true})").status, 200);
    const auto finished = orderView(heldId);
    EXPECT_EQ(finished->getValue<std::string>("state"), "completed");
    EXPECT_EQ(finished->getObject("document")->getObject("stamps")->getValue<std::string>("stamp-b"), "build-1");

    // Unchanged files are not loaded again; a refused file refuses the whole reload.
    const HttpReply again = reload();
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(json(again.body)->getObject("plugins")->getArray("loaded")->size(), 0u) << again.body;
    const fs::path writable = stampFolder / "zz-writable.so";
    fs::copy_file(fs::path(ORDERHOST_STAMP_PLUGIN_DIR) / "stamp_build1.so", writable);
    fs::permissions(writable, fs::perms::others_write, fs::perm_options::add);
    write("place-order-v3.yaml", stampChain(3));
    const HttpReply refused = reload();
    ASSERT_EQ(refused.status, 422) << refused.body;
    EXPECT_NE(refused.body.find("\"field\":\"" + writable.string() + "\""), std::string::npos) << refused.body;
    EXPECT_NE(refused.body.find("plugins.check_permissions"), std::string::npos) << refused.body;
    EXPECT_EQ(place("STAMP-AFTER")->getValue<int>("chain_version"), 2);  // v3 was not taken either
}

INSTANTIATE_TEST_SUITE_P(Backends, HotReloadE2ETest, ::testing::ValuesIn(testBackends()), backendName);
INSTANTIATE_TEST_SUITE_P(Backends, HotReloadPluginE2ETest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::testing::hot_reload_e2e_test
