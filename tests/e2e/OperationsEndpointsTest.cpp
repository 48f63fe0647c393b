// Issue 14, metrics and readiness: a real host scraped after real orders (the figures move
// as the orders did), the scrape validated by Prometheus' own promtool, and readiness that
// fails, with a reason, when the host cannot take orders while liveness stays up.
#include "HostProcess.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

namespace orderhost::testing::operations_endpoints_test {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string order(const std::string& ref, const std::string& customer = "C-1") {
    return R"({"order_ref":")" + ref + R"(","currency":"EUR","customer":{"id":")" + customer +
           R"(","email":"ada@example.com"},"lines":[{"sku":"SKU-1","quantity":2}]})";
}

// "name{labels}" -> value, for every sample of a scrape.
std::map<std::string, double> samples(const std::string& scrape) {
    std::map<std::string, double> values;
    std::istringstream lines(scrape);
    for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line[0] == '#') continue;
        const auto space = line.rfind(' ');
        values[line.substr(0, space)] = std::stod(line.substr(space + 1));
    }
    return values;
}

double valueOf(const std::map<std::string, double>& values, const std::string& series) {
    const auto found = values.find(series);
    return found == values.end() ? 0 : found->second;
}

Poco::JSON::Object::Ptr json(const HttpReply& reply) {
    return Poco::JSON::Parser().parse(reply.body).extract<Poco::JSON::Object::Ptr>();
}

// Runs promtool on the scrape; its exit code and what it printed.
std::pair<int, std::string> promtoolCheck(const fs::path& folder, const std::string& scrape) {
    const fs::path input = folder / "scrape.txt", output = folder / "promtool.out";
    std::ofstream(input) << scrape;
    const std::string command = "promtool check metrics < '" + input.string() + "' > '" + output.string() + "' 2>&1";
    const int status = std::system(command.c_str());
    std::ifstream in(output);
    std::stringstream text;
    text << in.rdbuf();
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text.str()};
}

TEST(OperationsEndpointsTest, AScrapeAfterOrdersShowsWhatTheyDidAndPassesPromtool) {
    HostOptions options;
    // Nobody listens here: every event stays pending for this subscriber. Its credentials must
    // not reach the scrape: the label is the URL without them.
    const std::string port = std::to_string(freeLoopbackPort());
    const std::string subscriber = "http://127.0.0.1:" + port + "/hooks";
    options.extraSettings["events.webhooks"] = "http://relay:s3cret-pass@127.0.0.1:" + port + "/hooks?token=q-secret";
    HostProcess host(options);
    const auto before = samples(host.get("/metrics").body);

    ASSERT_EQ(host.post("/v1/orders", order("M-1")).status, 201);
    ASSERT_EQ(host.post("/v1/orders", order("M-2")).status, 201);
    ASSERT_EQ(host.post("/v1/orders", order("M-HOLD", "C-SMALL")).status, 201);  // over the credit limit

    HttpReply scrape;
    std::map<std::string, double> after;
    for (int i = 0; i < 100; ++i) {  // the orders gauge may be served from a count a few ms old
        scrape = host.get("/metrics");
        after = samples(scrape.body);
        if (valueOf(after, R"(orderhost_orders{chain="place-order",state="completed"})") == 2) break;
        std::this_thread::sleep_for(20ms);
    }
    ASSERT_EQ(scrape.status, 200);
    EXPECT_EQ(scrape.headers.at("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_EQ(valueOf(after, R"(orderhost_orders{chain="place-order",state="completed"})"), 2) << scrape.body;
    EXPECT_EQ(valueOf(after, R"(orderhost_orders{chain="place-order",state="on_hold"})"), 1) << scrape.body;
    const std::string validation = R"(plugin="orderhost.validation",step_kind="validate")";
    EXPECT_EQ(valueOf(after, "orderhost_step_runs_total{" + validation + R"(,outcome="continue"})") -
                  valueOf(before, "orderhost_step_runs_total{" + validation + R"(,outcome="continue"})"),
              3)
        << scrape.body;
    EXPECT_EQ(valueOf(after, "orderhost_step_duration_seconds_count{" + validation + "}"), 3) << scrape.body;
    EXPECT_GT(valueOf(after, "orderhost_step_duration_seconds_sum{" + validation + "}"), 0) << scrape.body;
    EXPECT_EQ(
        valueOf(after,
                R"(orderhost_step_runs_total{plugin="orderhost.credit",step_kind="check-credit",outcome="suspend"})"),
        1)
        << scrape.body;
    EXPECT_NE(scrape.body.find("orderhost_holds_total{chain=\"place-order\",signal="), std::string::npos)
        << scrape.body;
    EXPECT_EQ(valueOf(after, R"(orderhost_http_requests_total{method="POST",route="/v1/orders",status="201"})"), 3)
        << scrape.body;
    EXPECT_GE(valueOf(after, R"(orderhost_http_requests_total{method="GET",route="/metrics",status="200"})"), 1);
    EXPECT_GT(valueOf(after, R"(orderhost_outbox_pending_events{subscriber=")" + subscriber + "\"}"), 0) << scrape.body;
    EXPECT_GT(valueOf(after, R"(orderhost_outbox_oldest_pending_timestamp_seconds{subscriber=")" + subscriber + "\"}"),
              1.7e9)
        << scrape.body;
    EXPECT_EQ(scrape.body.find("s3cret-pass"), std::string::npos) << scrape.body;
    EXPECT_EQ(scrape.body.find("q-secret"), std::string::npos) << scrape.body;
    EXPECT_EQ(valueOf(after, "orderhost_database_up"), 1);
    EXPECT_EQ(valueOf(after, "orderhost_db_pool_max_sessions"), 16);
    EXPECT_GE(valueOf(after, "orderhost_db_commits_total"), 3);  // at least a checkpoint per order
    EXPECT_GE(valueOf(after, R"(orderhost_db_pool_sessions{state="idle"})"), 1);
    EXPECT_EQ(valueOf(after, "orderhost_step_workers_max"), 64);
    EXPECT_EQ(valueOf(after, "orderhost_step_workers_busy"), 0);

    const auto [status, output] = promtoolCheck(host.folder(), scrape.body);
    EXPECT_EQ(status, 0) << "promtool check metrics:\n" << output << "\nscrape:\n" << scrape.body;
}

TEST(OperationsEndpointsTest, ALoadedHostIsLiveAndReadyAndV1HealthIsUnchanged) {
    HostProcess host;
    const HttpReply live = host.get("/v1/health/live");
    EXPECT_EQ(live.status, 200);
    EXPECT_EQ(json(live)->getValue<std::string>("status"), "live");
    const HttpReply ready = host.get("/v1/health/ready");
    ASSERT_EQ(ready.status, 200) << ready.body;
    EXPECT_EQ(json(ready)->getValue<std::string>("status"), "ready");
    for (const char* check : {"database", "chains", "step_workers"})
        EXPECT_EQ(json(ready)->getObject("checks")->getValue<std::string>(check), "ok") << check;
    EXPECT_EQ(host.request("HEAD", "/v1/health/ready", "", "").status, 200);
    const HttpReply health = host.get("/v1/health");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(json(health)->getValue<std::string>("status"), "ok");
    EXPECT_EQ(json(health)->getValue<int>("chains"), 3);
}

TEST(OperationsEndpointsTest, AHostWithoutChainsIsLiveButNotReady) {
    const fs::path empty = fs::temp_directory_path() / ("orderhost-no-chains-" + std::to_string(::getpid()));
    fs::create_directories(empty);
    HostOptions options;
    options.chainsFolder = empty.string();
    HostProcess host(options);
    EXPECT_EQ(host.get("/v1/health/live").status, 200);
    const HttpReply ready = host.get("/v1/health/ready");
    EXPECT_EQ(ready.status, 503) << ready.body;
    EXPECT_EQ(json(ready)->getValue<std::string>("status"), "not_ready");
    EXPECT_EQ(json(ready)->getObject("checks")->getValue<std::string>("chains"), "failed");
    EXPECT_NE(ready.body.find("no chain is loaded"), std::string::npos) << ready.body;
    EXPECT_EQ(json(ready)->getObject("checks")->getValue<std::string>("database"), "ok");
    fs::remove_all(empty);
}

TEST(OperationsEndpointsTest, EveryStepWorkerHungMakesTheHostNotReady) {
    HostOptions options;
    options.pluginFolders = ORDERHOST_SCRIPTED_PLUGIN_DIR;
    options.chainsFolder = ORDERHOST_HANG_CHAINS;
    options.extraSettings["engine.step_workers"] = "2";
    options.extraSettings["host.shutdown_timeout_s"] = "1";
    HostProcess host(options);
    EXPECT_EQ(host.get("/v1/health/ready").status, 200);
    host.post("/v1/orders", order("HUNG-1"));  // each leaves its worker inside the plugin
    host.post("/v1/orders", order("HUNG-2"));
    const HttpReply ready = host.get("/v1/health/ready");
    EXPECT_EQ(ready.status, 503) << ready.body;
    EXPECT_NE(ready.body.find("every step worker is busy (2 of 2)"), std::string::npos) << ready.body;
    EXPECT_EQ(host.get("/v1/health/live").status, 200);
    EXPECT_EQ(samples(host.get("/metrics").body)["orderhost_step_workers_busy"], 2);
    host.terminate();  // the hung calls would hold it: the shutdown bound ends it
}

}  // namespace
}  // namespace orderhost::testing::operations_endpoints_test
