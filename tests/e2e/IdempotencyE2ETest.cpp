// Idempotency-Key over real HTTP on SQLite and PostgreSQL (issue 13 item 2): the same key and
// body replay the original reply (status, body, Location) with Idempotent-Replayed, another
// request with the key is a 422 naming it, keys expire after http.idempotency_ttl_s, 50
// parallel requests with one key run once, and a replay after a host restart (SIGKILL) still
// returns the original reply. Every exchange is validated against docs/openapi.yaml.
#include "ContractRecorder.h"
#include "HostProcess.h"
#include "RawConnection.h"
#include "tests/support/TestDatabase.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Thread.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

namespace orderhost::testing::idempotency_e2e_test {
namespace {

Poco::JSON::Object::Ptr json(const std::string& body) {
    return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
}

std::string order(const std::string& ref, const std::string& customer = "C-100") {
    return R"({"order_ref":")" + ref + R"(","currency":"EUR","customer":{"id":")" + customer +
           R"("},"lines":[{"sku":"SKU-1","quantity":1}]})";
}

std::map<std::string, std::string> key(const std::string& value) { return {{"Idempotency-Key", value}}; }

bool replayed(const HttpReply& reply) {
    const auto header = reply.headers.find("Idempotent-Replayed");
    return header != reply.headers.end() && header->second == "true";
}

class IdempotencyE2ETest : public ::testing::TestWithParam<TestBackend> {
protected:
    void SetUp() override {
        folder_ = makeTempDir("orderhost-idempotency-e2e");
        database_ = std::make_unique<TestDatabase>(GetParam(), folder_);
        contract_ = std::make_unique<ContractRecorder>(std::filesystem::path(folder_) / "exchanges.jsonl");
    }
    void TearDown() override {
        if (host_) {
            const ContractVerdict verdict = contract_->validate();
            EXPECT_TRUE(verdict.passed) << verdict.report;
        }
        host_.reset();
        database_.reset();
        std::filesystem::remove_all(folder_);
    }
    void startHost(const std::map<std::string, std::string>& settings = {}) {
        HostOptions options;
        options.databaseConnection = database_->connectionString();
        options.chainsFolder = ORDERHOST_CONTRACT_CHAINS;
        options.extraSettings = settings;
        host_ = std::make_unique<HostProcess>(options);
    }
    HttpReply post(const std::string& target, const std::string& body, const std::string& idempotencyKey) {
        return contract_->post(*host_, target, body, key(idempotencyKey));
    }

    std::string folder_;
    std::unique_ptr<TestDatabase> database_;
    std::unique_ptr<HostProcess> host_;
    std::unique_ptr<ContractRecorder> contract_;
};

TEST_P(IdempotencyE2ETest, TheSameKeyAndBodyReplayTheOriginalReplyOnEveryPost) {
    startHost();
    const HttpReply placed = post("/v1/orders", order("I-1", "C-SMALL"), "place-1");
    ASSERT_EQ(placed.status, 201) << placed.body;
    EXPECT_FALSE(replayed(placed));
    const HttpReply again = post("/v1/orders", order("I-1", "C-SMALL"), "place-1");
    EXPECT_EQ(again.status, 201);  // without the key a repeat is a 200: this is the first reply
    EXPECT_TRUE(replayed(again));
    EXPECT_EQ(again.body, placed.body);
    EXPECT_EQ(again.headers.at("Location"), placed.headers.at("Location"));

    const std::string id = json(placed.body)->getValue<std::string>("id");
    const std::string signal = "/v1/orders/" + id + "/signals/credit_approval";
    const HttpReply approved = post(signal, R"({"approved":true})", "signal-1");
    ASSERT_EQ(approved.status, 200) << approved.body;
    EXPECT_EQ(json(approved.body)->getValue<std::string>("state"), "completed");
    const HttpReply approvedAgain = post(signal, R"({"approved":true})", "signal-1");
    EXPECT_EQ(approvedAgain.status, 200);  // without the key: 409, the order no longer waits
    EXPECT_TRUE(replayed(approvedAgain));
    EXPECT_EQ(approvedAgain.body, approved.body);
    EXPECT_EQ(contract_->post(*host_, signal, R"({"approved":true})").status, 409);
    // A 409 is not kept: it refused the request for the order's state at that moment.
    const HttpReply refused = post(signal, R"({"approved":true})", "signal-late");
    EXPECT_EQ(refused.status, 409);
    EXPECT_FALSE(replayed(refused));
    const HttpReply refusedAgain = post(signal, R"({"approved":true})", "signal-late");
    EXPECT_EQ(refusedAgain.status, 409);
    EXPECT_FALSE(replayed(refusedAgain)) << "asked again, not replayed";

    const std::string inquiries = "/v1/orders/" + id + "/inquiries";
    const std::string question = R"({"question":"Where is it?","channel":"chat"})";
    const HttpReply opened = post(inquiries, question, "inquiry-1");
    ASSERT_EQ(opened.status, 201) << opened.body;
    EXPECT_EQ(post(inquiries, question, "inquiry-1").body, opened.body);
    EXPECT_EQ(json(contract_->get(*host_, inquiries).body)->getArray("inquiries")->size(), 1u);
    const std::string answer = inquiries + "/" + json(opened.body)->getValue<std::string>("id") + "/answer";
    const HttpReply answered = post(answer, R"({"answer":"Tomorrow.","by":"agent-1"})", "answer-1");
    ASSERT_EQ(answered.status, 200) << answered.body;
    EXPECT_TRUE(replayed(post(answer, R"({"answer":"Tomorrow.","by":"agent-1"})", "answer-1")));

    const HttpReply cancelled = post("/v1/orders/" + id + "/cancel", R"({"reason":"changed mind"})", "cancel-1");
    ASSERT_EQ(cancelled.status, 200) << cancelled.body;
    const HttpReply cancelledAgain = post("/v1/orders/" + id + "/cancel", R"({"reason":"changed mind"})", "cancel-1");
    EXPECT_TRUE(replayed(cancelledAgain));
    EXPECT_EQ(cancelledAgain.body, cancelled.body);

    const HttpReply other = contract_->post(*host_, "/v1/orders", order("I-2"));
    const std::string returning = "/v1/orders/" + json(other.body)->getValue<std::string>("id") + "/return";
    const HttpReply returned = post(returning, R"({"return_ref":"RET-1"})", "return-1");
    ASSERT_EQ(returned.status, 200) << returned.body;
    EXPECT_EQ(post(returning, R"({"return_ref":"RET-1"})", "return-1").body, returned.body);
}

TEST_P(IdempotencyE2ETest, TheSameKeyWithAnotherRequestIsRefusedNamingTheKey) {
    startHost();
    ASSERT_EQ(post("/v1/orders", order("M-1"), "mixed-up").status, 201);
    const HttpReply refused = post("/v1/orders", order("M-2"), "mixed-up");
    EXPECT_EQ(refused.status, 422) << refused.body;
    EXPECT_NE(json(refused.body)->getValue<std::string>("detail").find("Idempotency-Key 'mixed-up'"), std::string::npos)
        << refused.body;
    EXPECT_EQ(contract_->get(*host_, "/v1/orders?order_ref=M-2").status, 404);  // nothing ran
    // Keys are scoped per route: the same key on another route is another key.
    const std::string id = json(contract_->get(*host_, "/v1/orders?order_ref=M-1").body)->getValue<std::string>("id");
    EXPECT_EQ(post("/v1/orders/" + id + "/cancel", "{}", "mixed-up").status, 200);
    // And a key that is no key.
    EXPECT_EQ(post("/v1/orders", order("M-3"), std::string(256, 'k')).status, 400);
    EXPECT_EQ(post("/v1/orders", order("M-3"), "two words").status, 400);
    EXPECT_EQ(post("/v1/orders", order("M-3"), "\"quoted-key\"").status, 201);
    // Two keys on one request: which one counts would be a guess.
    RawConnection raw(host_->port());
    const std::string body = order("M-4");
    raw.send(
        "POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nIdempotency-Key: a\r\n"
        "Idempotency-Key: b\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body);
    const std::string reply = raw.read(std::chrono::seconds(10), "}");
    EXPECT_EQ(statusOf(reply), 400) << reply;
    EXPECT_NE(bodyOf(reply).find("more than once"), std::string::npos) << reply;
}

TEST_P(IdempotencyE2ETest, KeysExpireAfterTheConfiguredTime) {
    // 3 s: the key's lifetime counts from the first request, and on a loaded machine its
    // chain can take more than a second before the second request arrives.
    startHost({{"http.idempotency_ttl_s", "3"}});
    ASSERT_EQ(post("/v1/orders", order("E-1"), "short-lived").status, 201);
    EXPECT_EQ(post("/v1/orders", order("E-2"), "short-lived").status, 422);
    Poco::Thread::sleep(3200);
    const HttpReply fresh = post("/v1/orders", order("E-2"), "short-lived");
    EXPECT_EQ(fresh.status, 201) << fresh.body;
    EXPECT_FALSE(replayed(fresh));
}

// 50 requests with one key at once, over 50 connections: one runs, 49 wait for its reply.
TEST_P(IdempotencyE2ETest, FiftyParallelRequestsWithOneKeyRunOnce) {
    startHost();
    auto burst = [&](const std::string& target, const std::string& body, const std::string& idempotencyKey) {
        std::vector<HttpReply> replies(50);
        std::vector<std::thread> threads;
        for (std::size_t i = 0; i < replies.size(); ++i)
            threads.emplace_back([&, i] { replies[i] = post(target, body, idempotencyKey); });
        for (auto& thread : threads) thread.join();
        int firstReplies = 0;
        for (const HttpReply& reply : replies) {
            EXPECT_EQ(reply.status, replies.front().status) << reply.body;
            EXPECT_EQ(reply.body, replies.front().body);
            firstReplies += replayed(reply) ? 0 : 1;
        }
        EXPECT_EQ(firstReplies, 1);
        return replies.front();
    };
    const HttpReply placed = burst("/v1/orders", order("P-1", "C-SMALL"), "burst-place");
    ASSERT_EQ(placed.status, 201) << placed.body;
    const std::string id = json(placed.body)->getValue<std::string>("id");
    EXPECT_EQ(json(placed.body)->getValue<std::string>("state"), "on_hold");

    const HttpReply approved =
        burst("/v1/orders/" + id + "/signals/credit_approval", R"({"approved":true})", "burst-signal");
    ASSERT_EQ(approved.status, 200) << approved.body;
    // One delivery in the history, one on_hold and one completed event: the signal ran once.
    const auto steps = json(contract_->get(*host_, "/v1/orders/" + id).body)->getArray("steps");
    int signals = 0;
    for (std::size_t i = 0; i < steps->size(); ++i)
        signals += steps->getObject(static_cast<unsigned>(i))->getValue<std::string>("outcome") == "signal" ? 1 : 0;
    EXPECT_EQ(signals, 1);
    const auto events = json(contract_->get(*host_, "/v1/orders/" + id + "/events").body)->getArray("events");
    int completed = 0;
    for (std::size_t i = 0; i < events->size(); ++i)
        completed += events->getObject(static_cast<unsigned>(i))->getValue<std::string>("type") == "order.completed";
    EXPECT_EQ(completed, 1);
}

TEST_P(IdempotencyE2ETest, AReplayAfterAHostRestartReturnsTheOriginalReply) {
    startHost();
    const HttpReply placed = post("/v1/orders", order("K-1"), "durable");
    ASSERT_EQ(placed.status, 201) << placed.body;
    host_->restart();  // SIGKILL, then a new process on the same database
    const HttpReply replay = post("/v1/orders", order("K-1"), "durable");
    EXPECT_EQ(replay.status, 201);
    EXPECT_TRUE(replayed(replay));
    EXPECT_EQ(replay.body, placed.body);
    EXPECT_EQ(post("/v1/orders", order("K-2"), "durable").status, 422);
}

INSTANTIATE_TEST_SUITE_P(Backends, IdempotencyE2ETest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::testing::idempotency_e2e_test
