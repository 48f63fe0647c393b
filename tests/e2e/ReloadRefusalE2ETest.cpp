// What a refused hot reload leaves behind, and which problems refuse one (issue 14 item 1: "a
// reload that fails validation changes nothing and says why"). The real host binary, real
// plugins, real HTTP, on SQLite and PostgreSQL:
//   - a refused reload runs no new build's migration (also when another new build's migration
//     is the one refused), and retrying it maps no new copy of the build;
//   - problems the host started with, left as they were, do not refuse a reload; a new one does;
//   - an emptied or vanished chain folder does not retire every chain by accident;
//   - SIGTERM during a long SIGHUP reload stops the host without waiting for the reload.
#include "ReloadTestKit.h"

#include "host/store/Database.h"
#include "host/store/PluginMigrations.h"

#include <signal.h>

#include <chrono>
#include <thread>

namespace orderhost::testing::reload_refusal_e2e_test {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace reloadkit;

class ReloadRefusalE2ETest : public ReloadHostTest {
protected:
    // The plugin_migrations versions recorded for `plugin`, read from the host's database.
    std::vector<int> migrationsOf(const std::string& plugin) const {
        store::Database db(database_->connectionString(), {1, 1, 60, std::chrono::milliseconds(5000), false});
        return store::appliedPluginMigrations(db, plugin);
    }
    // Mappings in the host process of sealed copies of `file` (what a reload loads a new build from).
    std::size_t mappingsOf(const std::string& file) const {
        std::ifstream maps("/proc/" + std::to_string(host_->pid()) + "/maps");
        std::size_t count = 0;
        for (std::string line; std::getline(maps, line);)
            count += line.find("memfd:orderhost-plugin:" + file) != std::string::npos ? 1 : 0;
        return count;
    }
    std::string errorsOf(const HttpReply& reply) const {
        return reply.status == 200
                   ? ""
                   : json(reply.body)->getArray("errors")->getObject(0)->getValue<std::string>("message");
    }
    // Builds of test.stamp from stamp-plugins/ (build 1 at start), place-order v1 using it.
    fs::path startWithStampBuild1() {
        const fs::path stampFolder = fs::path(folder_) / "stamp-plugins";
        fs::create_directories(stampFolder);
        installFile(fs::path(ORDERHOST_STAMP_PLUGIN_DIR) / "stamp_build1.so", stampFolder / "test-stamp.so");
        write("place-order-v1.yaml", stampChain(1));
        restartWith(stampFolder);
        return stampFolder;
    }
};

TEST_P(ReloadRefusalE2ETest, ARefusedReloadRunsNoMigrationOfANewBuildAndItsRetryMapsNoNewCopy) {
    const fs::path stampFolder = startWithStampBuild1();
    ASSERT_EQ(migrationsOf("test.stamp"), std::vector<int>{1});

    // Build 2 (its migration 2 is new) with a chain version that does not validate.
    installFile(fs::path(ORDERHOST_STAMP_PLUGIN_DIR) / "stamp_build2.so", stampFolder / "test-stamp.so");
    std::string broken = stampChain(2);
    broken.replace(broken.find("step: stamp"), 11, "step: stomp");
    write("place-order-v2.yaml", broken);
    const HttpReply refused = reload();
    ASSERT_EQ(refused.status, 422) << refused.body;
    EXPECT_NE(refused.body.find("stomp"), std::string::npos) << refused.body;
    EXPECT_EQ(migrationsOf("test.stamp"), std::vector<int>{1}) << "a refused reload changed the plugin's tables";
    const std::size_t mapped = mappingsOf("test-stamp.so");
    EXPECT_GT(mapped, 0u) << "the reload did not load the new build from a sealed copy";
    // The same reload again (SIGHUP after SIGHUP while the file is being fixed): no new copy.
    ASSERT_EQ(reload().status, 422);
    EXPECT_EQ(mappingsOf("test-stamp.so"), mapped);

    // The chain fixed, but a second new build's migration is refused: none of them runs.
    write("place-order-v2.yaml", stampChain(2));
    installFile(fs::path(ORDERHOST_STAMP_PLUGIN_DIR) / "stamp_forbidden.so", stampFolder / "zz-forbidden.so");
    const HttpReply forbidden = reload();
    ASSERT_EQ(forbidden.status, 422) << forbidden.body;
    EXPECT_NE(forbidden.body.find("\"field\":\"" + (stampFolder / "zz-forbidden.so").string() + "\""),
              std::string::npos)
        << forbidden.body;
    EXPECT_NE(errorsOf(forbidden).find("(no migration ran)"), std::string::npos) << forbidden.body;
    EXPECT_EQ(migrationsOf("test.stamp"), std::vector<int>{1}) << "build 2's migration ran before the refusal";

    fs::remove(stampFolder / "zz-forbidden.so");
    const HttpReply applied = reload();
    ASSERT_EQ(applied.status, 200) << applied.body;
    EXPECT_EQ(migrationsOf("test.stamp"), (std::vector<int>{1, 2}));
    EXPECT_EQ(mappingsOf("test-stamp.so"), mapped) << "the build the refused reloads loaded was not taken again";
    const auto fresh = orderView(place("STAMP-2")->getValue<std::string>("id"));
    EXPECT_EQ(fresh->getObject("document")->getObject("stamps")->getValue<std::string>("stamp-a"), "build-2");
}

TEST_P(ReloadRefusalE2ETest, ProblemsLeftFromTheStartDoNotRefuseAReloadButANewProblemDoes) {
    const std::string brokenText =
        "name: broken\nversion: 1\ntrigger: place_order\nsteps:\n"
        "  - name: a\n    plugin: orderhost.noop\n    step: noop\n    atempts: 3\n";
    write("broken.yaml", brokenText);
    const fs::path extra = fs::path(folder_) / "extra-plugins";
    fs::create_directories(extra);
    const fs::path writable = extra / "writable.so";
    fs::copy_file(fs::path(ORDERHOST_STAMP_PLUGIN_DIR) / "stamp_build1.so", writable);
    fs::permissions(writable, fs::perms::others_write, fs::perm_options::add);
    restartWith(extra);  // starts, leaving out broken.yaml and writable.so

    write("place-order-v2.yaml", placeOrderChain(2));
    const HttpReply applied = reload();
    ASSERT_EQ(applied.status, 200) << applied.body;
    const auto report = json(applied.body);
    EXPECT_EQ(report->getObject("chains")->getArray("added")->getElement<std::string>(0), "place-order v2");
    const auto still = report->getArray("still_refused");
    ASSERT_EQ(still->size(), 2u) << applied.body;
    EXPECT_NE(applied.body.find("broken.yaml:8"), std::string::npos) << applied.body;
    EXPECT_NE(applied.body.find("\"field\":\"" + writable.string() + "\""), std::string::npos) << applied.body;
    EXPECT_EQ(place("AFTER-1")->getValue<int>("chain_version"), 2);
    EXPECT_NE(host_->get("/v1/plugins").body.find(writable.string()), std::string::npos) << "still listed as refused";
    EXPECT_NE(host_->log().find("still refused, as before"), std::string::npos) << host_->log();

    // The broken file edited into another problem is a change: it refuses the reload.
    std::string other = brokenText;
    other.replace(other.find("atempts"), 7, "retries");
    write("broken.yaml", other);
    const HttpReply changed = reload();
    ASSERT_EQ(changed.status, 422) << changed.body;
    EXPECT_NE(changed.body.find("unknown field \\\"retries\\\""), std::string::npos) << changed.body;
}

TEST_P(ReloadRefusalE2ETest, AnEmptiedOrVanishedChainFolderRetiresNoChainUnlessThatIsAskedFor) {
    fs::remove(chains_ / "place-order-v1.yaml");
    const HttpReply emptied = reload();
    ASSERT_EQ(emptied.status, 422) << emptied.body;
    EXPECT_NE(emptied.body.find("\"field\":\"" + chains_.string() + "\""), std::string::npos) << emptied.body;
    EXPECT_NE(errorsOf(emptied).find("chains folder has no chain files; a reload that retires every chain is refused"),
              std::string::npos)
        << emptied.body;
    EXPECT_EQ(loadedChains(), (std::set<std::string>{"place-order v1 (latest)"}));
    EXPECT_EQ(place("STILL-1")->getValue<int>("chain_version"), 1);

    fs::remove_all(chains_);
    const HttpReply vanished = reload();
    ASSERT_EQ(vanished.status, 422) << vanished.body;
    EXPECT_NE(errorsOf(vanished).find("cannot list the chain folder"), std::string::npos) << vanished.body;
    EXPECT_EQ(reload("?retire_all=true").status, 422) << "retire_all is for an empty folder, not a missing one";
    EXPECT_EQ(reload("?retire_all=yes").status, 400);
    const HttpReply twice = reload("?retire_all=false&retire_all=true");  // last-wins retired every chain
    EXPECT_EQ(twice.status, 400) << twice.body;
    EXPECT_NE(twice.body.find("'retire_all' is given more than once"), std::string::npos) << twice.body;

    fs::create_directories(chains_);
    const HttpReply retired = reload("?retire_all=true");
    ASSERT_EQ(retired.status, 200) << retired.body;
    EXPECT_EQ(loadedChains(), (std::set<std::string>{"place-order v1 (retired)"}));
}

TEST_P(ReloadRefusalE2ETest, SigtermDuringALongSighupReloadStopsTheHostWithoutWaitingForIt) {
    const fs::path extra = fs::path(folder_) / "extra-plugins";
    fs::create_directories(extra);
    restartWith(extra);
    // Its entry never returns: the reload's probe would wait for it 10 s (then kill it).
    fs::copy_file(fs::path(ORDERHOST_TEST_PLUGIN_DIR) / "hang.so", extra / "hang.so");
    host_->sendSignal(SIGHUP);
    for (int i = 0; i < 100 && host_->log().find("reload requested by SIGHUP") == std::string::npos; ++i)
        std::this_thread::sleep_for(50ms);
    std::this_thread::sleep_for(300ms);  // inside the probe
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(host_->terminate(), 0) << host_->log();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << "stopping waited for the reload";
    EXPECT_NE(host_->log().find("the host is stopping: the reload was abandoned before it changed anything"),
              std::string::npos)
        << host_->log();
}

// A chain file edited in place while the host was down (same name and version, other steps):
// the orders on it keep their place by step position, so the restarted host would run other
// steps for them (an administrator's probe left an order past the chain's end, stuck for good).
// It refuses that version while orders whose steps may still run or be undone are on it, as a
// reload refuses an edit, and takes it again once the file is back.
TEST_P(ReloadRefusalE2ETest, AChainEditedInPlaceWhileTheHostWasDownIsRefusedWhileOrdersRunOnIt) {
    const std::string held = place("EDIT-1", "C-SMALL")->getValue<std::string>("id");
    ASSERT_EQ(orderView(held)->getValue<std::string>("state"), "on_hold");
    std::string edited = placeOrderChain(1);
    edited.replace(edited.find("done-v1"), 7, "renamed");
    write("place-order-v1.yaml", edited);
    restartWith(folder_);
    EXPECT_EQ(loadedChains().count("place-order v1 (latest)"), 0u) << "loaded with other steps under its orders";
    const HttpReply chains = host_->get("/v1/chains");
    EXPECT_NE(
        chains.body.find(
            "has other steps (names, plugins or kinds, in order) than when 1 order(s) that may still run or be undone"),
        std::string::npos)
        << chains.body;
    EXPECT_GE(json(host_->get("/v1/health").body)->getValue<int>("problems"), 1);
    EXPECT_NE(host_->log().find("place-order-v1.yaml"), std::string::npos) << "the error names the file";
    EXPECT_EQ(orderView(held)->getValue<std::string>("state"), "on_hold");

    // The file back as it was, the edit as version 2: both load, and the held order ends on v1.
    write("place-order-v1.yaml", placeOrderChain(1));
    edited.replace(edited.find("version: 1"), 10, "version: 2");
    write("place-order-v2.yaml", edited);
    const HttpReply reloaded = reload();
    ASSERT_EQ(reloaded.status, 200) << reloaded.body;
    EXPECT_EQ(loadedChains(), (std::set<std::string>{"place-order v1", "place-order v2 (latest)"}));
    ASSERT_EQ(host_->post("/v1/orders/" + held + "/signals/credit_approval", R"({"approved":true})").status, 200);
    const auto done = orderView(held);
    EXPECT_EQ(done->getValue<std::string>("state"), "completed");
    EXPECT_EQ(lastStep(done), "done-v1");

    // A completed order can still be cancelled, its undo walking v1's steps by position: an
    // edit in place stays refused; a reload meanwhile is not refused for it (left over).
    fs::remove(chains_ / "place-order-v2.yaml");
    edited.replace(edited.find("version: 2"), 10, "version: 1");
    write("place-order-v1.yaml", edited);
    restartWith(folder_);
    EXPECT_EQ(loadedChains().count("place-order v1 (latest)"), 0u);
    write("place-order-v3.yaml", placeOrderChain(3));
    const HttpReply again = reload();
    EXPECT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(loadedChains(), std::set<std::string>{"place-order v3 (latest)"});
    EXPECT_NE(again.body.find("still_refused"), std::string::npos) << again.body;
}

INSTANTIATE_TEST_SUITE_P(Backends, ReloadRefusalE2ETest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::testing::reload_refusal_e2e_test
