// The events feed and the webhook relay through the real binary: events are written into the
// host's own SQLite database the way a step's checkpoint writes them (appendOutboxEvents in a
// transaction), then read back over HTTP and received by a webhook receiver on loopback.
// Whatever events the engine itself emits for posted orders may be interleaved; the tests look
// for their own markers only.
#include "HostProcess.h"

#include "host/store/Database.h"
#include "host/store/Outbox.h"
#include "tests/host/events/WebhookReceiver.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

namespace orderhost::testing::events_feed_test {
namespace {

const std::map<std::string, std::string> kAuth{{"Authorization", "Bearer s3cret"}};

Poco::JSON::Object::Ptr json(const HttpReply& reply) {
    return Poco::JSON::Parser().parse(reply.body).extract<Poco::JSON::Object::Ptr>();
}

// Appends events of `type` for `orderId` into the host's database, one transaction each.
void appendEvents(const HostProcess& host, const std::string& orderId, const std::string& type, int count) {
    store::Database db("Driver=SQLite3;Database=" + (host.folder() / "orderhost.db").string() + ";");
    for (int i = 0; i < count; ++i) {
        db.withTransaction("append test events", [&](Poco::Data::Session& s) {
            const std::string payload = R"({"order_id":")" + orderId + R"(","n":)" + std::to_string(i) + "}";
            store::appendOutboxEvents(s, db, {{0, orderId, type, payload, 1764000000000 + i}});
        });
    }
}

class EventsFeedTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { host_ = new HostProcess(HostOptions{"", "", "", "s3cret", {}}); }
    static void TearDownTestSuite() { delete host_; }
    static HttpReply get(const std::string& path) { return host_->request("GET", path, "", "", kAuth); }
    static HostProcess* host_;
};
HostProcess* EventsFeedTest::host_ = nullptr;

TEST_F(EventsFeedTest, PagingFromNextAfterReturnsEveryEventOnceInOrder) {
    appendEvents(*host_, "feed-order", "test.paging", 5);
    std::vector<long> ns, ids;
    long after = 0;
    for (int page = 0; page < 100; ++page) {
        const HttpReply reply = get("/v1/events?after=" + std::to_string(after) + "&limit=2");
        ASSERT_EQ(reply.status, 200) << reply.body;
        EXPECT_EQ(reply.headers.at("Content-Type"), "application/json");
        auto body = json(reply);
        auto events = body->getArray("events");
        if (events->size() == 0) {
            EXPECT_EQ(body->getValue<long>("next_after"), after) << "an empty page keeps the position";
            break;
        }
        ASSERT_LE(events->size(), 2u);
        for (unsigned i = 0; i < events->size(); ++i) {
            auto event = events->getObject(i);
            ids.push_back(event->getValue<long>("id"));
            if (event->getValue<std::string>("type") != "test.paging") continue;
            EXPECT_EQ(event->getValue<std::string>("order_id"), "feed-order");
            ns.push_back(event->getObject("payload")->getValue<long>("n"));
        }
        EXPECT_EQ(body->getValue<long>("next_after"), ids.back());
        after = ids.back();
    }
    EXPECT_EQ(ns, (std::vector<long>{0, 1, 2, 3, 4}));
    for (std::size_t i = 1; i < ids.size(); ++i) EXPECT_LT(ids[i - 1], ids[i]) << "SQLite: id order";
}

TEST_F(EventsFeedTest, MalformedQueriesAreRefusedNamingTheParameter) {
    const std::vector<std::pair<std::string, std::string>> cases = {{"after=-1", "'after'"},
                                                                    {"after=abc", "'after'"},
                                                                    {"after=1.5", "'after'"},
                                                                    {"after=99999999999999999999", "'after'"},
                                                                    {"after=424242", "no event 424242"},
                                                                    {"limit=0", "'limit'"},
                                                                    {"limit=1001", "'limit'"},
                                                                    {"limit=", "'limit'"},
                                                                    {"afer=1", "unknown query parameter 'afer'"},
                                                                    {"after=1&after=2", "more than once"},
                                                                    {"after=%zz", "malformed query string"}};
    for (const auto& [query, expected] : cases) {
        HttpReply reply = get("/v1/events?" + query);
        EXPECT_EQ(reply.status, 400) << query << ": " << reply.body;
        EXPECT_EQ(reply.headers["Content-Type"], "application/problem+json") << query;
        EXPECT_NE(reply.body.find(expected), std::string::npos) << query << ": " << reply.body;
    }
    EXPECT_EQ(get("/v1/events?limit=1000").status, 200);
    EXPECT_EQ(host_->request("POST", "/v1/events", "{}", "application/json", kAuth).status, 405);
}

// Issue 13: long-poll. A consumer at the end of the feed asks with wait_ms and gets the next
// events as soon as they are committed, instead of an empty page.
TEST_F(EventsFeedTest, ALongPollReturnsAsSoonAsEventsArriveAndAnEmptyPageWhenNoneDo) {
    long end = 0;
    for (auto page = json(get("/v1/events?limit=1000")); page->getArray("events")->size() > 0;
         page = json(get("/v1/events?limit=1000&after=" + std::to_string(end))))
        end = page->getValue<long>("next_after");
    HttpReply waited;
    std::thread poll([&] { waited = get("/v1/events?after=" + std::to_string(end) + "&wait_ms=4000"); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    appendEvents(*host_, "long-poll", "test.long_poll", 1);
    poll.join();
    ASSERT_EQ(waited.status, 200) << waited.body;
    auto events = json(waited)->getArray("events");
    ASSERT_EQ(events->size(), 1u) << waited.body;
    EXPECT_EQ(events->getObject(0)->getValue<std::string>("type"), "test.long_poll");
    const long next = json(waited)->getValue<long>("next_after");
    const HttpReply empty = get("/v1/events?after=" + std::to_string(next) + "&wait_ms=200");
    ASSERT_EQ(empty.status, 200) << empty.body;
    EXPECT_EQ(json(empty)->getArray("events")->size(), 0u);
    EXPECT_EQ(json(empty)->getValue<long>("next_after"), next);
    EXPECT_EQ(get("/v1/events?wait_ms=4001").status, 400);
}

TEST_F(EventsFeedTest, TheFeedNeedsTheBearerToken) {
    const HttpReply reply = host_->get("/v1/events");
    EXPECT_EQ(reply.status, 401) << reply.body;
    EXPECT_EQ(host_->get("/v1/orders/00000000-0000-0000-0000-000000000000/events").status, 401);
}

TEST_F(EventsFeedTest, AnOrdersEventsOldestFirst) {
    const std::string order = R"({"order_ref":"E2E-EVENTS","currency":"EUR","customer":{"id":"C-1"},)"
                              R"("lines":[{"sku":"SKU-1","quantity":1}]})";
    const HttpReply created = host_->request("POST", "/v1/orders", order, "application/json", kAuth);
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string id = json(created)->getValue<std::string>("id");
    appendEvents(*host_, id, "test.order", 2);
    const HttpReply reply = get("/v1/orders/" + id + "/events");
    ASSERT_EQ(reply.status, 200) << reply.body;
    auto body = json(reply);
    EXPECT_EQ(body->getValue<std::string>("order_id"), id);
    std::vector<long> ns;
    auto events = body->getArray("events");
    for (unsigned i = 0; i < events->size(); ++i) {
        EXPECT_EQ(events->getObject(i)->getValue<std::string>("order_id"), id);
        if (events->getObject(i)->getValue<std::string>("type") == "test.order")
            ns.push_back(events->getObject(i)->getObject("payload")->getValue<long>("n"));
    }
    EXPECT_EQ(ns, (std::vector<long>{0, 1}));
    EXPECT_EQ(get("/v1/orders/00000000-0000-0000-0000-000000000000/events").status, 404);
    EXPECT_EQ(get("/v1/orders/nope/events").status, 404);
}

TEST(WebhookRelayE2ETest, TheHostPostsEventsToTheConfiguredWebhookInOrder) {
    WebhookReceiver receiver;
    HostOptions options;
    options.extraSettings = {{"events.webhooks", receiver.url("/erp/events")}, {"events.relay_poll_ms", "50"}};
    HostProcess host(options);
    appendEvents(host, "hook-order", "test.webhook", 3);
    std::vector<long> ns;
    for (int wait = 0; wait < 100 && ns.size() < 3; ++wait) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        ns.clear();
        for (const auto& request : receiver.requests()) {
            auto body = Poco::JSON::Parser().parse(request.body).extract<Poco::JSON::Object::Ptr>();
            if (body->getValue<std::string>("type") != "test.webhook") continue;
            EXPECT_EQ(request.path, "/erp/events");
            EXPECT_EQ(request.headers.at("Idempotency-Key"), std::to_string(body->getValue<long>("id")));
            ns.push_back(body->getObject("payload")->getValue<long>("n"));
        }
    }
    EXPECT_EQ(ns, (std::vector<long>{0, 1, 2})) << host.log();
}

// The verification snippet docs/api.md#webhooks gives receivers, run as it is printed there
// (python3) against a real signed delivery: it accepts it, and refuses a changed body, another
// secret and an old timestamp.
TEST(WebhookRelayE2ETest, TheDocumentedVerificationAcceptsTheHostsSignature) {
    std::ifstream doc(ORDERHOST_SOURCE_DIR "/docs/api.md");
    const std::string text((std::istreambuf_iterator<char>(doc)), std::istreambuf_iterator<char>());
    const auto begin = text.find("```python\n", text.find("### Webhooks"));
    ASSERT_NE(begin, std::string::npos) << "docs/api.md has no python snippet under Webhooks";
    const auto end = text.find("```", begin + 10);
    std::string snippet = text.substr(begin + 10, end - begin - 10);
    for (std::size_t at = 0; (at = snippet.find("\n  ", at)) != std::string::npos; ++at) snippet.erase(at + 1, 2);
    if (snippet.compare(0, 2, "  ") == 0) snippet.erase(0, 2);

    WebhookReceiver receiver;
    HostOptions options;
    options.extraSettings = {{"events.webhooks", receiver.url("/erp/events")},
                             {"events.relay_poll_ms", "50"},
                             {"events.webhook_secret", "whsec-0123456789abcdef"}};
    HostProcess host(options);
    appendEvents(host, "signed-order", "test.signed", 1);
    ASSERT_TRUE(receiver.waitFor(1)) << host.log();
    const ReceivedRequest request = receiver.requests().at(0);
    const std::string folder = host.folder().string();
    std::ofstream(folder + "/body.bin", std::ios::binary) << request.body;
    std::ofstream(folder + "/check.py")
        << snippet << "\nimport sys\nbody = open(sys.argv[1], 'rb').read()\nheader = sys.argv[2]\n"
        << "print(verify(b'whsec-0123456789abcdef', header, body), verify(b'whsec-0123456789abcdef', header, body + b' "
           "'),"
        << " verify(b'another-secret-0123456', header, body),"
        << " verify(b'whsec-0123456789abcdef', header.replace('t=', 't=1', 1), body))\n";
    const std::string command = "python3 '" + folder + "/check.py' '" + folder + "/body.bin' '" +
                                request.headers.at("X-Orderhost-Signature") + "' 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    char buffer[512];
    std::string output;
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
    ::pclose(pipe);
    EXPECT_EQ(output, "True False False False\n") << snippet;
}

}  // namespace
}  // namespace orderhost::testing::events_feed_test
