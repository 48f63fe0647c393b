// API keys and roles (issue 13 item 3) as an ERP, a viewer and an administrator meet them: keys
// made and revoked with the real `orderhost keys` CLI, a real host on SQLite and PostgreSQL,
// every operation of docs/openapi.yaml called with no key and with a key of each role. The
// roles an operation allows come from its `x-orderhost-roles` in the description, so the code
// and the contract cannot disagree.
#include "HostProcess.h"
#include "tests/support/TestDatabase.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <sys/wait.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>
#include <tuple>

namespace orderhost::testing::api_keys_e2e_test {
namespace {

namespace fs = std::filesystem;

struct CliRun {
    int exitCode = -1;
    std::string out, err;
};

std::string readFile(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string order(const std::string& ref, const std::string& chain = "") {
    return R"({"order_ref":")" + ref + "\"," + (chain.empty() ? "" : "\"chain\":\"" + chain + "\",") +
           R"("currency":"EUR","customer":{"id":"C-100"},"lines":[{"sku":"SKU-1","quantity":1}]})";
}

std::string jsonString(const std::string& body, const std::string& name) {
    return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>()->getValue<std::string>(name);
}

class ApiKeysE2ETest : public ::testing::TestWithParam<TestBackend> {
protected:
    void SetUp() override {
        folder_ = makeTempDir("orderhost-keys-e2e");
        database_ = std::make_unique<TestDatabase>(GetParam(), folder_);
        options_.databaseConnection = database_->connectionString();
    }
    void TearDown() override {
        host_.reset();
        database_.reset();
        fs::remove_all(folder_);
    }

    void startHost() { host_ = std::make_unique<HostProcess>(options_); }

    // `orderhost ARGUMENTS --config <the host's file>`: the real CLI on the host's database.
    CliRun keys(const std::string& arguments) {
        const fs::path out = fs::path(folder_) / "cli.out", err = fs::path(folder_) / "cli.err";
        const std::string command = std::string(ORDERHOST_BINARY) + " keys " + arguments + " --config '" +
                                    (host_->folder() / "orderhost.properties").string() + "' >'" + out.string() +
                                    "' 2>'" + err.string() + "'";
        const int status = std::system(command.c_str());
        return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, readFile(out), readFile(err)};
    }

    std::string createKey(const std::string& name, const std::string& roles, const std::string& chains = "") {
        const CliRun run =
            keys("create --name " + name + " --role " + roles + (chains.empty() ? "" : " --chains " + chains));
        EXPECT_EQ(run.exitCode, 0) << run.err;
        std::string token = run.out.substr(0, run.out.find('\n'));
        EXPECT_EQ(token.rfind("ohk_", 0), 0u) << run.out;
        return token;
    }

    HttpReply call(const std::string& method, const std::string& path, const std::string& key,
                   const std::string& body = "") {
        std::map<std::string, std::string> headers;
        if (!key.empty()) headers["Authorization"] = "Bearer " + key;
        return host_->request(method, path, body, body.empty() ? "" : "application/json", headers);
    }

    std::string placeWith(const std::string& key, const std::string& ref, const std::string& chain = "") {
        const HttpReply reply = call("POST", "/v1/orders", key, order(ref, chain));
        EXPECT_EQ(reply.status, 201) << reply.body;
        return reply.status == 201 ? jsonString(reply.body, "id") : "";
    }

    std::string folder_;
    HostOptions options_;
    std::unique_ptr<TestDatabase> database_;
    std::unique_ptr<HostProcess> host_;
};

struct Operation {
    std::string method, path;
    std::vector<std::string> roles;  // "public": no key needed
};

std::vector<Operation> describedOperations() {
    const YAML::Node description = YAML::LoadFile(std::string(ORDERHOST_SOURCE_DIR) + "/docs/openapi.yaml");
    std::vector<Operation> operations;
    for (const auto& path : description["paths"]) {
        for (const auto& method : path.second) {
            const std::string name = method.first.as<std::string>();
            if (name != "get" && name != "post" && name != "head") continue;
            Operation op{name, path.first.as<std::string>(), {}};
            for (char& c : op.method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            const YAML::Node roles = method.second["x-orderhost-roles"];
            EXPECT_TRUE(roles.IsSequence()) << op.method << " " << op.path << " has no x-orderhost-roles";
            for (const auto& role : roles) op.roles.push_back(role.as<std::string>());
            operations.push_back(op);
        }
    }
    return operations;
}

std::string concrete(const std::string& templ, const std::string& orderId) {
    std::string path = templ;
    const auto put = [&](const std::string& from, const std::string& to) {
        if (const auto at = path.find(from); at != std::string::npos) path.replace(at, from.size(), to);
    };
    put("{id}", templ.rfind("/v1/dead-letters", 0) == 0 ? "1" : orderId);  // a dead letter's id, or the order's
    put("{name}", "credit_approval");
    put("{inquiryId}", "no-such-inquiry");
    return path;
}

TEST_P(ApiKeysE2ETest, EveryOperationNeedsAKeyWithOneOfItsRoles) {
    startHost();
    const std::map<std::string, std::string> key = {{"erp", createKey("erp-system", "erp")},
                                                    {"viewer", createKey("dashboard", "viewer")},
                                                    {"admin", createKey("operator", "admin")}};
    const std::string orderId = placeWith(key.at("erp"), "K-1");
    const std::vector<Operation> operations = describedOperations();
    ASSERT_GE(operations.size(), 20u);
    for (const Operation& op : operations) {
        const std::string path = concrete(op.path, orderId);
        const std::string body = op.method == "POST" ? "{}" : "";
        const bool isPublic = op.roles == std::vector<std::string>{"public"};
        HttpReply anonymous = call(op.method, path, "", body);
        if (isPublic) {
            EXPECT_NE(anonymous.status, 401) << op.method << " " << path;
            continue;
        }
        EXPECT_EQ(anonymous.status, 401) << op.method << " " << path << ": " << anonymous.body;
        EXPECT_EQ(anonymous.headers["WWW-Authenticate"], "Bearer") << op.method << " " << path;
        for (const auto& [role, token] : key) {
            const bool allowed = std::find(op.roles.begin(), op.roles.end(), role) != op.roles.end();
            const HttpReply reply = call(op.method, path, token, body);
            if (allowed) {
                EXPECT_NE(reply.status, 401) << role << " " << op.method << " " << path << ": " << reply.body;
                EXPECT_NE(reply.status, 403) << role << " " << op.method << " " << path << ": " << reply.body;
            } else {
                EXPECT_EQ(reply.status, 403) << role << " " << op.method << " " << path << ": " << reply.body;
                if (op.method != "HEAD") {
                    EXPECT_NE(reply.body.find("has the roles " + role), std::string::npos) << reply.body;
                }
            }
        }
    }
    // Idempotency-Keys are per API key: another client's key of the same name never meets it.
    const auto placeKeyed = [&](const std::string& token, const std::string& ref) {
        return host_->request("POST", "/v1/orders", order(ref), "application/json",
                              {{"Authorization", "Bearer " + token}, {"Idempotency-Key", "same-key"}});
    };
    const std::string second = createKey("second-erp", "erp");
    EXPECT_EQ(placeKeyed(key.at("erp"), "K-2").status, 201);
    EXPECT_EQ(placeKeyed(second, "K-3").status, 201) << "not 422: the first client's key is not the second's";
    EXPECT_EQ(placeKeyed(key.at("erp"), "K-2").headers["Idempotent-Replayed"], "true");

    // One signal is an administrator's: the answer to a step's on_failure: hold.
    const std::string manual = "/v1/orders/" + orderId + "/signals/manual_action";
    EXPECT_EQ(call("POST", manual, key.at("erp"), R"({"action":"retry"})").status, 403);
    EXPECT_NE(call("POST", manual, key.at("admin"), R"({"action":"retry"})").status, 403);
}

TEST_P(ApiKeysE2ETest, WrongRevokedAndMalformedKeysAreRefusedAndANewKeyWorksAtOnce) {
    startHost();
    // A fresh host on loopback answers everyone until its first key exists.
    EXPECT_EQ(call("GET", "/v1/orders?limit=1", "").status, 200);
    const std::string erp = createKey("erp-system", "erp");  // works at once, no restart
    EXPECT_EQ(call("GET", "/v1/orders?limit=1", erp).status, 200);
    int open = 200;  // the first key closes the open host within 0.2 s (api/ApiKeyCache.h)
    for (int i = 0; i < 20 && open != 401; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        open = call("GET", "/v1/orders?limit=1", "").status;
    }
    EXPECT_EQ(open, 401);

    std::string wrong = erp;
    wrong.back() = wrong.back() == '0' ? '1' : '0';
    EXPECT_EQ(call("GET", "/v1/orders?limit=1", wrong).status, 401);
    EXPECT_EQ(call("GET", "/v1/orders?limit=1", "ohk_nothing").status, 401);
    const HttpReply basic = host_->request("GET", "/v1/orders?limit=1", "", "", {{"Authorization", "Basic " + erp}});
    EXPECT_EQ(basic.status, 401);
    EXPECT_NE(basic.body.find("Bearer <key>"), std::string::npos) << basic.body;

    const CliRun listed = keys("list --json");
    ASSERT_EQ(listed.exitCode, 0) << listed.err;
    const std::string id = erp.substr(4, 12);
    EXPECT_NE(listed.out.find("\"id\":\"" + id + "\""), std::string::npos) << listed.out;
    EXPECT_EQ(listed.out.find(erp.substr(17)), std::string::npos) << "the secret is never shown again";
    EXPECT_EQ(readFile(fs::path(folder_) / "cli.out").find("secret"), std::string::npos);

    const CliRun revoked = keys("revoke " + id);
    ASSERT_EQ(revoked.exitCode, 0) << revoked.err;
    EXPECT_EQ(keys("revoke " + id).exitCode, 65) << "a key is revoked once";
    int status = 200;
    for (int i = 0; i < 40 && status != 401; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        status = call("GET", "/v1/orders?limit=1", erp).status;
    }
    EXPECT_EQ(status, 401) << "a revoked key is refused within 2 s (api/ApiKeyCache.h)";
    // With no active key left, the host still wants one: keys were required once.
    EXPECT_EQ(call("GET", "/v1/orders?limit=1", "").status, 401);
    EXPECT_NE(keys("list").out.find(id), std::string::npos);
    EXPECT_EQ(keys("create --name x --role superuser").exitCode, 65);
    EXPECT_EQ(keys("create --role erp").exitCode, 64);
    EXPECT_EQ(keys("create --name x --role erp --chains ''").exitCode, 64) << "no key for every chain by mistake";
}

TEST_P(ApiKeysE2ETest, AKeyLimitedToAChainSeesAndActsOnThatChainOnly) {
    startHost();
    const std::string all = createKey("erp-all", "erp");
    const std::string limited = createKey("shop-b", "erp", "place-order");
    const std::string other = placeWith(all, "L-1", "quick");
    const std::string own = placeWith(limited, "L-2");  // chains.default is place-order

    const HttpReply refused = call("POST", "/v1/orders", limited, order("L-3", "quick"));
    EXPECT_EQ(refused.status, 403);
    EXPECT_NE(refused.body.find("limited to the chains place-order"), std::string::npos) << refused.body;
    EXPECT_EQ(call("GET", "/v1/orders?order_ref=L-3", all).status, 404) << "nothing was stored";

    EXPECT_EQ(call("GET", "/v1/orders/" + own, limited).status, 200);
    // Another chain's order is answered as a missing one, word for word.
    const std::string missing = "00000000-0000-4000-8000-000000000000";
    for (const std::string& tail : {std::string(), std::string("/events")}) {
        const HttpReply hidden = call("GET", "/v1/orders/" + other + tail, limited);
        const HttpReply absent = call("GET", "/v1/orders/" + missing + tail, limited);
        EXPECT_EQ(hidden.status, 404) << tail;
        EXPECT_EQ(absent.status, 404) << tail;
        std::string masked = hidden.body;
        masked.replace(masked.find("'") + 1, other.size(), missing);
        EXPECT_EQ(masked, absent.body) << "a 404 that differs tells the order exists";
    }
    EXPECT_EQ(call("POST", "/v1/orders/" + other + "/cancel", limited, "{}").status, 404);
    // Nor do the checks before the lookup tell: a wrong method, a malformed body, a bad signal.
    for (const auto& [verb, tail, body] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {"DELETE", "", ""}, {"POST", "/cancel", "[]"}, {"POST", "/signals/Not%20A%20Name", "{}"}}) {
        const HttpReply hidden = call(verb, "/v1/orders/" + other + tail, limited, body);
        const HttpReply absent = call(verb, "/v1/orders/" + missing + tail, limited, body);
        EXPECT_EQ(hidden.status, absent.status) << verb << " " << tail << ": " << hidden.body << " / " << absent.body;
    }
    // Bytes that are not UTF-8 never reach SQL (on PostgreSQL they failed the chain check: 503).
    EXPECT_EQ(call("GET", "/v1/orders/%FF", limited).status, 404);
    EXPECT_EQ(call("GET", "/v1/orders?order_ref=%FF", limited).status, 404);
    EXPECT_EQ(call("DELETE", "/v1/orders/%FF", limited).status, 405);
    const HttpReply byRef = call("GET", "/v1/orders?order_ref=L-1", limited);
    EXPECT_EQ(byRef.status, 404);
    std::string absentRef = call("GET", "/v1/orders?order_ref=L-9", limited).body;
    ASSERT_NE(absentRef.find("L-9"), std::string::npos) << absentRef;
    EXPECT_EQ(byRef.body, absentRef.replace(absentRef.find("L-9"), 3, "L-1"));
    const HttpReply taken = call("POST", "/v1/orders", limited, order("L-1", "place-order"));
    EXPECT_EQ(taken.status, 409) << taken.body;
    EXPECT_EQ(taken.body.find(other), std::string::npos) << "the conflict names the other chain's order";
    EXPECT_EQ(call("GET", "/v1/orders?order_ref=L-2", limited).status, 200);
    EXPECT_EQ(call("GET", "/v1/orders?chain=quick", limited).status, 403);
    EXPECT_EQ(call("GET", "/v1/events", limited).status, 403);
    EXPECT_EQ(call("GET", "/metrics", limited).status, 403) << "it counts every chain's orders";
    EXPECT_EQ(call("GET", "/metrics", all).status, 200);
    EXPECT_EQ(call("GET", "/v1/events", all).status, 200);

    // A search without chain= is limited to the key's one chain.
    const HttpReply search = call("GET", "/v1/orders?customer=C-100", limited);
    ASSERT_EQ(search.status, 200) << search.body;
    EXPECT_NE(search.body.find(own), std::string::npos);
    EXPECT_EQ(search.body.find(other), std::string::npos) << search.body;

    // Cancelled, the order runs on cancel-order, and is still the key's: it was placed on its chain.
    const HttpReply cancelled = call("POST", "/v1/orders/" + own + "/cancel", limited, "{}");
    EXPECT_EQ(cancelled.status, 200) << cancelled.body;
    EXPECT_EQ(call("GET", "/v1/orders/" + own, limited).status, 200);
}

// The key commands read the config but not the TLS files: an administrator who may not read
// the host's 0600 private key (or a config copied without it) still manages keys. serve and
// `config show` do load them.
TEST_P(ApiKeysE2ETest, KeyCommandsDoNotNeedTheTlsFilesButConfigShowChecksThem) {
    startHost();
    const fs::path config = host_->folder() / "orderhost.properties";
    std::ofstream(config, std::ios::app) << "\napi.tls.certificate = /nowhere/chain.pem\n"
                                            "api.tls.private_key = /nowhere/key.pem\n";
    const std::string key = createKey("without-tls-files", "viewer");
    EXPECT_NE(keys("list").out.find(key.substr(4, 12)), std::string::npos);
    const std::string show = std::string(ORDERHOST_BINARY) + " config show --config '" + config.string() + "' 2>&1";
    std::string output;
    if (FILE* pipe = ::popen(show.c_str(), "r")) {
        char buffer[4096];
        while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
        const int status = ::pclose(pipe);
        EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 78) << output;
    }
    EXPECT_NE(output.find("setting api.tls.certificate: /nowhere/chain.pem does not exist"), std::string::npos)
        << output;
}

TEST_P(ApiKeysE2ETest, AHostBeyondLoopbackRefusesToStartWithoutAKey) {
    options_.extraSettings["http.address"] = "0.0.0.0";
    try {
        startHost();
        FAIL() << "the host started on 0.0.0.0 without a key";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("refusing to listen on 0.0.0.0 (beyond loopback) without an API key"),
                  std::string::npos)
            << e.what();
        // A configuration error (78): the package's unit does not restart it every 2 s (69 would).
        EXPECT_NE(std::string(e.what()).find("with status 78:"), std::string::npos) << e.what();
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiKeysE2ETest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::testing::api_keys_e2e_test
