// `orderhost orders|chains|plugins ...` as an administrator runs them: the real binary against a
// real host process (SQLite) over loopback HTTP. Exit codes and messages are what scripts use.
#include "tests/e2e/HostProcess.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace orderhost::testing::admin_cli_e2e_test {
namespace {

const std::string kToken = "cli-s3cret";

struct CliRun {
    int exitCode = -1;
    std::string out;
    std::string err;
};

std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

Poco::JSON::Object::Ptr parse(const std::string& json) {
    return Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> result;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) result.push_back(line);
    return result;
}

// Runs `orderhost ARGUMENTS` with stdout and stderr apart (files in `folder`); no
// ORDERHOST_API_TOKEN unless `env` sets it.
CliRun runOrderhost(const std::string& arguments, const std::filesystem::path& folder, const std::string& env = "") {
    const auto out = folder / "cli.out";
    const auto err = folder / "cli.err";
    const std::string command = "env -u ORDERHOST_API_TOKEN " + env + " " + ORDERHOST_BINARY + " " + arguments + " >'" +
                                out.string() + "' 2>'" + err.string() + "'";
    const int status = std::system(command.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, readFile(out), readFile(err)};
}

// cli-chains/ plus "flaky": a step that fails while `cause` exists and is then held for an
// administrator (on_failure: hold); once the cause is gone, a manual retry completes it.
std::filesystem::path chainsWithFlakyStep(const std::filesystem::path& folder, const std::filesystem::path& cause) {
    std::filesystem::create_directories(folder);
    for (const auto& file : std::filesystem::directory_iterator(ORDERHOST_CLI_CHAINS)) {
        std::filesystem::copy_file(file.path(), folder / file.path().filename(),
                                   std::filesystem::copy_options::overwrite_existing);
    }
    std::ofstream(folder / "flaky.yaml") << "name: flaky\nversion: 1\ntrigger: place_order\nsteps:\n"
                                            "  - name: flaky\n    plugin: test.scripted\n    step: scripted\n"
                                            "    attempts: 1\n    on_failure: hold\n"
                                            "    config: { fail_while: "
                                         << cause.string() << " }\n";
    std::ofstream(cause) << "the gateway is down\n";
    return folder;
}

class AdminCliTest : public ::testing::Test {
protected:
    AdminCliTest()
        : chains_(std::filesystem::temp_directory_path() / ("orderhost-cli-chains-" + std::to_string(::getpid()))),
          host_([this] {
              HostOptions options;
              options.pluginFolders = std::string(ORDERHOST_PLUGIN_DIR) + "," + ORDERHOST_SCRIPTED_PLUGIN_DIR;
              options.chainsFolder = chainsWithFlakyStep(chains_, chains_ / "flaky-cause").string();
              options.apiToken = kToken;
              return options;
          }()) {}
    ~AdminCliTest() override { std::filesystem::remove_all(chains_); }

    CliRun run(const std::string& arguments, const std::string& env = "") const {
        return runOrderhost(arguments, host_.folder(), env);
    }
    // The same against this test's host, with its URL and token.
    CliRun cli(const std::string& arguments) const {
        return run(arguments + " --url http://127.0.0.1:" + std::to_string(host_.port()) + " --token " + kToken);
    }

    Poco::JSON::Object::Ptr place(const std::string& ref, const std::string& customer, int quantity,
                                  const std::string& chain = "place-order") const {
        const HttpReply reply = host_.request(
            "POST", "/v1/orders",
            R"({"order_ref":")" + ref + R"(","chain":")" + chain + R"(","currency":"EUR","customer":{"id":")" +
                customer + R"("},"lines":[{"sku":"SKU-1","quantity":)" + std::to_string(quantity) + "}]}",
            "application/json", {{"Authorization", "Bearer " + kToken}});
        EXPECT_EQ(reply.status, 201) << reply.body;
        return parse(reply.body);
    }
    Poco::JSON::Object::Ptr order(const std::string& id) const {
        return parse(host_.request("GET", "/v1/orders/" + id, "", "", {{"Authorization", "Bearer " + kToken}}).body);
    }

    std::filesystem::path chains_;
    HostProcess host_;
};

TEST_F(AdminCliTest, ListsShowsAndCancelsOrdersOfARunningHost) {
    place("CLI-1", "C-1", 1);
    place("CLI-2", "C-1", 2);
    const std::string held = place("CLI-3", "C-SMALL", 3)->getValue<std::string>("id");  // 3000 > 500: on_hold

    const CliRun all = cli("orders list");
    ASSERT_EQ(all.exitCode, 0) << all.err;
    EXPECT_EQ(lines(all.out).size(), 4u) << all.out;  // header + 3 orders
    EXPECT_EQ(all.out.rfind("ID ", 0), 0u) << all.out;
    for (const char* ref : {"CLI-1", "CLI-2", "CLI-3"}) EXPECT_NE(all.out.find(ref), std::string::npos) << all.out;

    const CliRun onHold = cli("orders list --state on_hold --json");
    ASSERT_EQ(onHold.exitCode, 0) << onHold.err;
    ASSERT_EQ(lines(onHold.out).size(), 1u) << onHold.out;
    EXPECT_EQ(parse(onHold.out)->getValue<std::string>("order_ref"), "CLI-3");
    EXPECT_EQ(lines(cli("orders list --customer C-1 --json").out).size(), 2u);

    const CliRun shown = cli("orders show " + held);
    ASSERT_EQ(shown.exitCode, 0) << shown.err;
    EXPECT_NE(shown.out.find("state:         on_hold"), std::string::npos) << shown.out;
    EXPECT_NE(shown.out.find("awaiting:      signal credit_approval"), std::string::npos) << shown.out;
    EXPECT_NE(shown.out.find("current step:  1 (credit)"), std::string::npos) << shown.out;
    EXPECT_NE(shown.out.find("credit_limit_exceeded"), std::string::npos) << shown.out;  // the steps table
    const CliRun byRef = cli("orders show --ref CLI-3 --json");
    ASSERT_EQ(byRef.exitCode, 0) << byRef.err;
    EXPECT_EQ(parse(byRef.out)->getValue<std::string>("id"), held);

    const CliRun cancelled = cli("orders cancel " + held + " --reason 'customer called'");
    ASSERT_EQ(cancelled.exitCode, 0) << cancelled.err;
    EXPECT_NE(cancelled.out.find(held + " (CLI-3): cancelled"), std::string::npos) << cancelled.out;
    const auto after = order(held);
    EXPECT_EQ(after->getValue<std::string>("state"), "cancelled");
    EXPECT_EQ(after->getObject("document")->getObject("cancellation")->getValue<std::string>("reason"),
              "customer called");
}

TEST_F(AdminCliTest, AHeldOrderReleasedAndAFailedStepRetriedBothComplete) {
    const std::string creditHold = place("CLI-10", "C-SMALL", 2)->getValue<std::string>("id");
    const CliRun released = cli("orders release " + creditHold + " --note 'known customer'");
    ASSERT_EQ(released.exitCode, 0) << released.err;
    EXPECT_NE(released.out.find(": completed on place-order v1"), std::string::npos) << released.out;
    const auto approval = order(creditHold)->getObject("document")->getObject("signals")->getObject("credit_approval");
    EXPECT_TRUE(approval->getValue<bool>("approved"));
    EXPECT_EQ(approval->getValue<std::string>("note"), "known customer");

    const auto flaky = place("CLI-11", "C-1", 1, "flaky");
    ASSERT_EQ(flaky->getValue<std::string>("state"), "on_hold");
    ASSERT_EQ(flaky->getValue<std::string>("awaiting_signal"), "manual_action");
    const std::string id = flaky->getValue<std::string>("id");
    EXPECT_EQ(cli("orders hold " + id).exitCode, 64);  // the API has no hold: nothing sent
    std::filesystem::remove(chains_ / "flaky-cause");  // the administrator fixed the cause
    const CliRun notAnObject = cli("orders retry " + id + " --data '[1]'");
    EXPECT_EQ(notAnObject.exitCode, 64);  // refused before anything is sent
    EXPECT_NE(notAnObject.err.find("--data must be a JSON object"), std::string::npos) << notAnObject.err;
    const CliRun retried = cli("orders retry " + id + " --note 'gateway back' --data '{\"ticket\": 4711}'");
    ASSERT_EQ(retried.exitCode, 0) << retried.err;
    EXPECT_EQ(
        order(id)->getObject("document")->getObject("signals")->getObject("manual_action")->getValue<int>("ticket"),
        4711);
    EXPECT_NE(retried.out.find(": completed on flaky v1"), std::string::npos) << retried.out;
    const auto steps = order(id)->getArray("steps");
    const auto action = steps->getObject(1);
    EXPECT_EQ(action->getValue<std::string>("outcome"), "manual_action");
    EXPECT_EQ(action->getValue<std::string>("message"), "gateway back");

    // Nothing left to release or retry: the host's refusal, as "orderhost: <title>: <detail>", exit 65.
    const CliRun again = cli("orders retry " + id);
    EXPECT_EQ(again.exitCode, 65) << again.err;
    EXPECT_EQ(again.err.rfind("orderhost: Conflict: ", 0), 0u) << again.err;
    EXPECT_EQ(cli("orders release " + id).exitCode, 65);
}

TEST_F(AdminCliTest, HoldIsRefusedWithoutContactingTheHost) {
    const CliRun hold = run("orders hold 5cb5792b-d22c-4c60-89fa-57437691226a --url http://127.0.0.1:1");
    EXPECT_EQ(hold.exitCode, 64);
    EXPECT_NE(hold.err.find("the host's API has no request that puts an order on hold"), std::string::npos) << hold.err;
}

TEST_F(AdminCliTest, TheTokenComesFromTheOptionTheEnvironmentOrTheConfig) {
    const std::string url = " --url http://127.0.0.1:" + std::to_string(host_.port());
    const CliRun wrong = run("chains list --token wrong" + url);
    EXPECT_EQ(wrong.exitCode, 77);
    EXPECT_EQ(wrong.err.rfind("orderhost: Unauthorized: missing or wrong API key\n", 0), 0u) << wrong.err;
    EXPECT_EQ(run("orders list" + url).exitCode, 77);  // no token at all

    const CliRun fromEnv = run("chains list" + url, "ORDERHOST_API_TOKEN=" + kToken);
    ASSERT_EQ(fromEnv.exitCode, 0) << fromEnv.err;
    EXPECT_EQ(fromEnv.out.rfind("NAME ", 0), 0u) << fromEnv.out;
    bool placeOrderListed = false;
    for (const auto& line : lines(fromEnv.out)) {
        placeOrderListed |=
            line.rfind("place-order ", 0) == 0 && line.find(" validate,credit,confirm ") != std::string::npos;
    }
    EXPECT_TRUE(placeOrderListed) << fromEnv.out;

    // --config: http.address, http.port and api.token of the host's own file (no --url).
    const CliRun fromConfig =
        run("plugins list --json --config '" + (host_.folder() / "orderhost.properties").string() + "'");
    ASSERT_EQ(fromConfig.exitCode, 0) << fromConfig.err;
    std::set<std::string> ids;
    for (const auto& line : lines(fromConfig.out)) ids.insert(parse(line)->getValue<std::string>("id"));
    EXPECT_TRUE(ids.count("orderhost.credit") && ids.count("test.scripted")) << fromConfig.out;
}

// orderhost reload: POST /v1/admin/reload; a refused reload names the file and exits 65.
TEST_F(AdminCliTest, ReloadSaysWhatChangedOrWhyNothingDid) {
    const CliRun kept = cli("reload");
    ASSERT_EQ(kept.exitCode, 0) << kept.err;
    EXPECT_NE(kept.out.find("chains added: none\n"), std::string::npos) << kept.out;
    EXPECT_NE(kept.out.find("chains kept: "), std::string::npos) << kept.out;
    EXPECT_NE(kept.out.find("place-order v"), std::string::npos) << kept.out;

    std::ofstream(chains_ / "zz-broken.yaml") << "name: broken\nversion: x\n";
    const CliRun refused = cli("reload");
    std::filesystem::remove(chains_ / "zz-broken.yaml");
    EXPECT_EQ(refused.exitCode, 65) << refused.err;
    EXPECT_NE(refused.err.find("reload refused, nothing changed"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("\n  " + (chains_ / "zz-broken.yaml").string() + ":2"), std::string::npos)
        << refused.err;
}

TEST_F(AdminCliTest, AHostThatIsDownOrAnUnknownOrderGetTheirExitCodes) {
    const CliRun down = run("orders list --url http://127.0.0.1:" + std::to_string(freeLoopbackPort()));
    EXPECT_EQ(down.exitCode, 69);
    EXPECT_EQ(down.err.rfind("orderhost: cannot reach the host at http://127.0.0.1:", 0), 0u) << down.err;
    const CliRun cancelDown = run("orders cancel 5cb5792b-d22c-4c60-89fa-57437691226a --url http://127.0.0.1:" +
                                  std::to_string(freeLoopbackPort()));
    EXPECT_EQ(cancelDown.exitCode, 69) << cancelDown.err;

    const CliRun missing = cli("orders show 5cb5792b-d22c-4c60-89fa-57437691226a");
    EXPECT_EQ(missing.exitCode, 65);
    EXPECT_EQ(missing.err, "orderhost: Not Found: no order with id '5cb5792b-d22c-4c60-89fa-57437691226a'\n");
    const CliRun badState = cli("orders list --state sleeping");
    EXPECT_EQ(badState.exitCode, 65);
    EXPECT_NE(badState.err.find("orderhost: Bad Request: query parameter 'state'"), std::string::npos) << badState.err;
    EXPECT_EQ(cli("orders list --limit 0").exitCode, 64);
    EXPECT_EQ(cli("orders frobnicate").exitCode, 64);
}

TEST_F(AdminCliTest, ListingFollowsTheCursorOverSeveralPagesWithProgressOnStderr) {
    std::set<std::string> placed;
    for (int i = 0; i < 7; ++i)
        placed.insert(place("PAGE-" + std::to_string(i), "C-P", 1, "quick")->getValue<std::string>("id"));

    const CliRun paged = cli("orders list --customer C-P --page-size 3 --json");
    ASSERT_EQ(paged.exitCode, 0) << paged.err;
    std::set<std::string> listed;
    for (const auto& line : lines(paged.out)) listed.insert(parse(line)->getValue<std::string>("id"));
    EXPECT_EQ(lines(paged.out).size(), 7u) << paged.out;
    EXPECT_EQ(listed, placed);
    EXPECT_NE(paged.err.find("orderhost: 3 orders listed (1 page), reading on"), std::string::npos) << paged.err;
    EXPECT_NE(paged.err.find("orderhost: 7 orders in 3 pages\n"), std::string::npos) << paged.err;

    const CliRun limited = cli("orders list --customer C-P --page-size 3 --limit 5 --json");
    ASSERT_EQ(limited.exitCode, 0) << limited.err;
    EXPECT_EQ(lines(limited.out).size(), 5u) << limited.out;
    EXPECT_NE(limited.err.find("stopped at --limit 5; more orders match"), std::string::npos) << limited.err;
}

// Reads one request (head and Content-Length body) from `socket`; returns its head.
std::string readRequest(Poco::Net::StreamSocket& socket) {
    std::string data;
    char buffer[4096];
    std::size_t headEnd = std::string::npos;
    while ((headEnd = data.find("\r\n\r\n")) == std::string::npos) {
        const int n = socket.receiveBytes(buffer, sizeof buffer);
        if (n <= 0) return data;
        data.append(buffer, static_cast<std::size_t>(n));
    }
    const auto lengthAt = data.find("Content-Length: ");
    const std::size_t length = lengthAt == std::string::npos ? 0 : std::stoul(data.substr(lengthAt + 16));
    while (data.size() < headEnd + 4 + length) {
        const int n = socket.receiveBytes(buffer, sizeof buffer);
        if (n <= 0) break;
        data.append(buffer, static_cast<std::size_t>(n));
    }
    return data.substr(0, headEnd);
}

std::string headerValue(const std::string& head, const std::string& name) {
    const auto at = head.find("\r\n" + name + ": ");
    if (at == std::string::npos) return "";
    const auto start = at + name.size() + 4;
    return head.substr(start, head.find("\r\n", start) - start);
}

// A connection that breaks after the request went out: the CLI sends it again with the same
// Idempotency-Key (the host would replay its first reply instead of acting twice). The far end
// is a plain loopback socket so that the first connection can be cut at exactly that point.
TEST(AdminCliRepeatTest, ABrokenConnectionIsRepeatedWithTheSameIdempotencyKey) {
    Poco::Net::ServerSocket listener(Poco::Net::SocketAddress("127.0.0.1", 0));
    std::vector<std::string> heads;
    std::thread server([&] {
        for (int connection = 0; connection < 2; ++connection) {
            Poco::Net::StreamSocket socket = listener.acceptConnection();
            heads.push_back(readRequest(socket));
            if (connection == 0) {
                socket.close();  // the request arrived; the reply never leaves
                continue;
            }
            const std::string body = R"({"id":"5cb5792b-d22c-4c60-89fa-57437691226a","order_ref":"R-1",)"
                                     R"("chain":"cancel-order","chain_version":1,"state":"cancelled"})";
            const std::string reply =
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                "\r\nConnection: close\r\n\r\n" + body;
            socket.sendBytes(reply.data(), static_cast<int>(reply.size()));
            socket.shutdownSend();
        }
    });
    const auto folder = std::filesystem::temp_directory_path() / ("orderhost-cli-repeat-" + std::to_string(::getpid()));
    std::filesystem::create_directories(folder);
    const CliRun cancelled = runOrderhost("orders cancel 5cb5792b-d22c-4c60-89fa-57437691226a --url http://127.0.0.1:" +
                                              std::to_string(listener.address().port()),
                                          folder);
    server.join();
    std::filesystem::remove_all(folder);
    EXPECT_EQ(cancelled.exitCode, 0) << cancelled.err;
    EXPECT_EQ(cancelled.out, "5cb5792b-d22c-4c60-89fa-57437691226a (R-1): cancelled on cancel-order v1\n");
    ASSERT_EQ(heads.size(), 2u);
    const std::string key = headerValue(heads[0], "Idempotency-Key");
    EXPECT_EQ(key.size(), 36u) << heads[0];  // a UUID
    EXPECT_EQ(headerValue(heads[1], "Idempotency-Key"), key) << heads[1];
    EXPECT_EQ(heads[0].rfind("POST /v1/orders/5cb5792b-d22c-4c60-89fa-57437691226a/cancel HTTP/1.1", 0), 0u)
        << heads[0];
    EXPECT_NE(cancelled.err.find("sending the request again (Idempotency-Key " + key + ")"), std::string::npos)
        << cancelled.err;
}

}  // namespace
}  // namespace orderhost::testing::admin_cli_e2e_test
