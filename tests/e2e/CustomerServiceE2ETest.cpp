// Customer service over real HTTP on SQLite and PostgreSQL (issue 11 item 4): order search
// with filters and keyset pagination while orders keep arriving, the 400s that name a bad
// parameter, inquiries (open, answer, the order's timeline, their events on the feed), and
// the chain's cancellable_until guard (refused after its step, allowed before).
#include "HostProcess.h"
#include "tests/support/TestDatabase.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Thread.h>
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <set>
#include <vector>

namespace orderhost::testing::customer_service_e2e_test {
namespace {

Poco::JSON::Object::Ptr json(const std::string& body) {
    return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
}

std::string order(const std::string& ref, const std::string& customer, const std::string& chain = "place-order") {
    return R"({"order_ref":")" + ref + R"(","chain":")" + chain + R"(","currency":"EUR","customer":{"id":")" +
           customer + R"(","email":"buyer@example.com"},"lines":[{"sku":"BOLT","quantity":3,"unit_price":1234}]})";
}

std::string rfc3339(std::int64_t ms) {
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[40];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    return std::string(text) + "." + std::to_string(1000 + ms % 1000).substr(1) + "Z";
}

class CustomerServiceE2ETest : public ::testing::TestWithParam<TestBackend> {
protected:
    void SetUp() override {
        folder_ = makeTempDir("orderhost-service-e2e");
        database_ = std::make_unique<TestDatabase>(GetParam(), folder_);
        HostOptions options;
        options.databaseConnection = database_->connectionString();
        options.pluginFolders = std::string(ORDERHOST_PLUGIN_DIR) + "," + ORDERHOST_SCRIPTED_PLUGIN_DIR;
        options.chainsFolder = ORDERHOST_SERVICE_CHAINS;
        host_ = std::make_unique<HostProcess>(options);
    }
    void TearDown() override {
        host_.reset();
        database_.reset();
        std::filesystem::remove_all(folder_);
    }

    Poco::JSON::Object::Ptr place(const std::string& ref, const std::string& customer,
                                  const std::string& chain = "place-order") {
        const HttpReply reply = host_->post("/v1/orders", order(ref, customer, chain));
        EXPECT_EQ(reply.status, 201) << reply.body;
        return json(reply.body);
    }
    // The order refs a search returns, in order; `cursor` gets next_cursor ("" on the last page).
    std::vector<std::string> refs(const std::string& query, std::string* cursor = nullptr) {
        const HttpReply reply = host_->get(query.empty() ? "/v1/orders" : "/v1/orders?" + query);
        EXPECT_EQ(reply.status, 200) << query << ": " << reply.body;
        std::vector<std::string> found;
        if (reply.status != 200) return found;
        const auto body = json(reply.body);
        const auto orders = body->getArray("orders");
        for (std::size_t i = 0; i < orders->size(); ++i)
            found.push_back(orders->getObject(i)->getValue<std::string>("order_ref"));
        if (cursor) *cursor = body->has("next_cursor") ? body->getValue<std::string>("next_cursor") : "";
        return found;
    }
    std::string badRequest(const std::string& query) {
        const HttpReply reply = host_->get("/v1/orders?" + query);
        EXPECT_EQ(reply.status, 400) << query << ": " << reply.body;
        return reply.status == 400 ? json(reply.body)->getValue<std::string>("detail") : reply.body;
    }
    // The feed's events of `type` (within 5 s: PostgreSQL's feed holds back the newest ids briefly).
    std::vector<Poco::JSON::Object::Ptr> events(const std::string& type, std::size_t expected) {
        std::vector<Poco::JSON::Object::Ptr> found;
        for (int attempt = 0; attempt < 600 && found.size() < expected; ++attempt) {  // 30 s
            if (attempt > 0) Poco::Thread::sleep(50);
            found.clear();
            const auto all = json(host_->get("/v1/events?after=0&limit=1000").body)->getArray("events");
            for (std::size_t i = 0; i < all->size(); ++i)
                if (all->getObject(i)->getValue<std::string>("type") == type) found.push_back(all->getObject(i));
        }
        return found;
    }

    std::string folder_;
    std::unique_ptr<TestDatabase> database_;
    std::unique_ptr<HostProcess> host_;
};

TEST_P(CustomerServiceE2ETest, SearchFiltersByCustomerReferenceStateChainAndCreationTime) {
    const auto first = place("S-A1", "C-A");
    place("S-A2", "C-A");
    place("S-B1", "C-B");
    const auto held = place("S-A3", "C-A", "wait-then-ship");
    ASSERT_EQ(held->getValue<std::string>("state"), "on_hold");

    EXPECT_EQ(refs("customer=C-A"), (std::vector<std::string>{"S-A1", "S-A2", "S-A3"}));
    EXPECT_EQ(refs("customer=C-B"), std::vector<std::string>{"S-B1"});
    EXPECT_EQ(refs("customer=C-NOBODY"), std::vector<std::string>{});
    EXPECT_EQ(refs("state=on_hold"), std::vector<std::string>{"S-A3"});
    EXPECT_EQ(refs("customer=C-A&state=completed"), (std::vector<std::string>{"S-A1", "S-A2"}));
    EXPECT_EQ(refs("chain=wait-then-ship"), std::vector<std::string>{"S-A3"});
    EXPECT_EQ(refs("order_ref=S-A2&customer=C-A"), std::vector<std::string>{"S-A2"});
    EXPECT_EQ(refs(""), (std::vector<std::string>{"S-A1", "S-A2", "S-B1", "S-A3"}));
    const std::int64_t created = first->getValue<std::int64_t>("created_at");
    EXPECT_EQ(refs("created_from=" + rfc3339(created)).size(), 4u);
    EXPECT_EQ(refs("created_to=" + rfc3339(created)).size(), 0u) << "created_to is exclusive";
    EXPECT_EQ(refs("created_from=" + rfc3339(created + 3600000)).size(), 0u);
    // An offset names the same instant: one hour ahead of UTC ('+' sent as %2B), or behind.
    EXPECT_EQ(refs("created_from=" + rfc3339(created + 3600000).substr(0, 23) + "%2B01:00").size(), 4u);
    EXPECT_EQ(refs("created_from=" + rfc3339(created - 3600000 + 1).substr(0, 23) + "-01:00").size(), 3u);

    // order_ref alone keeps answering with the one order's full view.
    const HttpReply single = host_->get("/v1/orders?order_ref=S-B1");
    ASSERT_EQ(single.status, 200);
    EXPECT_TRUE(json(single.body)->has("document")) << single.body;
    const auto summary = json(host_->get("/v1/orders?customer=C-B").body)->getArray("orders")->getObject(0);
    EXPECT_EQ(summary->getValue<std::string>("customer_id"), "C-B");
    EXPECT_FALSE(summary->has("document")) << "a search lists summaries";
}

TEST_P(CustomerServiceE2ETest, PagesStayStableWhileOrdersArrive) {
    std::vector<std::string> before;
    for (int i = 0; i < 7; ++i) {
        before.push_back("P-" + std::to_string(i));
        place(before.back(), "C-PAGE");
    }
    std::vector<std::string> seen;
    std::string cursor;
    auto page = refs("customer=C-PAGE&limit=3", &cursor);
    seen.insert(seen.end(), page.begin(), page.end());
    place("P-NEW-1", "C-PAGE");  // arrive between pages
    place("P-NEW-2", "C-PAGE");
    int pages = 1;
    while (!cursor.empty() && pages < 10) {
        page = refs("customer=C-PAGE&limit=3&cursor=" + cursor, &cursor);
        EXPECT_LE(page.size(), 3u);
        seen.insert(seen.end(), page.begin(), page.end());
        ++pages;
    }
    std::vector<std::string> expected = before;
    expected.push_back("P-NEW-1");
    expected.push_back("P-NEW-2");
    EXPECT_EQ(seen, expected) << "every order once, in creation order, the new ones at the end";
    EXPECT_EQ(pages, 3);
    EXPECT_EQ(refs("customer=C-PAGE&limit=500").size(), 9u);
}

TEST_P(CustomerServiceE2ETest, BadParametersAreRefusedNamingTheParameter) {
    EXPECT_NE(badRequest("limit=0").find("'limit'"), std::string::npos);
    EXPECT_NE(badRequest("limit=501").find("1 to 500"), std::string::npos);
    EXPECT_NE(badRequest("limit=ten").find("'limit'"), std::string::npos);
    EXPECT_NE(badRequest("state=shipped").find("'state'"), std::string::npos);
    EXPECT_NE(badRequest("chain=Place_Order").find("'chain'"), std::string::npos);
    EXPECT_NE(badRequest("created_from=yesterday").find("'created_from'"), std::string::npos);
    EXPECT_NE(badRequest("created_to=2026-13-01T00:00:00Z").find("'created_to'"), std::string::npos);
    EXPECT_NE(badRequest("created_to=2026-11-30T10:00:00").find("RFC 3339"), std::string::npos) << "no offset";
    EXPECT_NE(badRequest("created_from=2026-11-30T10:00:00Z&created_to=2026-11-30T09:00:00Z").find("'created_to'"),
              std::string::npos);
    EXPECT_NE(badRequest("cursor=bm90LWEtY3Vyc29y").find("'cursor'"), std::string::npos);
    EXPECT_NE(badRequest("customer=C-1&customer=C-2").find("more than once"), std::string::npos);
    EXPECT_NE(badRequest("custmer=C-1").find("'custmer'"), std::string::npos);
    EXPECT_NE(badRequest("customer=%01").find("'customer'"), std::string::npos);
}

TEST_P(CustomerServiceE2ETest, InquiriesAreAnsweredAndJoinTheTimelineAndTheFeed) {
    const std::string id = place("INQ-1", "C-INQ")->getValue<std::string>("id");
    const HttpReply opened = host_->post("/v1/orders/" + id + "/inquiries",
                                         R"({"question":"Where is my order?\nThanks","channel":"email"})");
    ASSERT_EQ(opened.status, 201) << opened.body;
    const std::string inquiry = json(opened.body)->getValue<std::string>("id");
    EXPECT_EQ(json(opened.body)->getValue<std::string>("status"), "open");
    EXPECT_EQ(opened.headers.at("Location"), "/v1/orders/" + id + "/inquiries/" + inquiry);

    const std::string answerPath = "/v1/orders/" + id + "/inquiries/" + inquiry + "/answer";
    const HttpReply answered = host_->post(answerPath, R"({"answer":"It ships today.","by":"agent-7"})");
    ASSERT_EQ(answered.status, 200) << answered.body;
    EXPECT_EQ(json(answered.body)->getValue<std::string>("status"), "answered");
    EXPECT_EQ(host_->post(answerPath, R"({"answer":"It ships today.","by":"agent-7"})").status, 200) << "a retry";
    EXPECT_EQ(host_->post(answerPath, R"({"answer":"Tomorrow.","by":"agent-8"})").status, 409);

    const auto list = json(host_->get("/v1/orders/" + id + "/inquiries").body)->getArray("inquiries");
    ASSERT_EQ(list->size(), 1u);
    EXPECT_EQ(list->getObject(0)->getValue<std::string>("answer"), "It ships today.");
    EXPECT_EQ(list->getObject(0)->getValue<std::string>("question"), "Where is my order?\nThanks");

    const auto timeline = json(host_->get("/v1/orders/" + id).body)->getArray("timeline");
    std::vector<std::string> types;
    for (std::size_t i = 0; i < timeline->size(); ++i)
        types.push_back(timeline->getObject(i)->getValue<std::string>("type"));
    EXPECT_EQ(types, (std::vector<std::string>{"step", "step", "step", "inquiry.opened", "inquiry.answered"}));

    const auto openedEvents = events("inquiry.opened", 1);
    const auto answeredEvents = events("inquiry.answered", 1);
    ASSERT_EQ(openedEvents.size(), 1u);
    ASSERT_EQ(answeredEvents.size(), 1u) << "the repeated answer wrote no second event";
    const auto payload = answeredEvents[0]->getObject("payload");
    EXPECT_EQ(payload->getValue<std::string>("id"), inquiry);
    EXPECT_EQ(payload->getValue<std::string>("answer"), "It ships today.");
    EXPECT_EQ(payload->getValue<std::string>("order_ref"), "INQ-1");
    EXPECT_EQ(payload->getObject("customer")->getValue<std::string>("email"), "buyer@example.com");
}

TEST_P(CustomerServiceE2ETest, InquiryRequestsAreValidatedAtTheBoundary) {
    const std::string id = place("INQ-2", "C-INQ")->getValue<std::string>("id");
    const std::string path = "/v1/orders/" + id + "/inquiries";
    EXPECT_EQ(host_->post(path, R"({"question":"Hello?","channel":"fax"})").status, 400);
    EXPECT_EQ(host_->post(path, R"({"question":"Bell\u0007","channel":"chat"})").status, 400);
    EXPECT_EQ(host_->post(path, R"({"question":"Next\u0085line","channel":"chat"})").status, 400);
    // The host's strict parser, as for orders: a duplicate member is refused with where it is.
    const auto duplicate = host_->post(path, R"({"question":"one","question":"two","channel":"chat"})");
    EXPECT_EQ(duplicate.status, 400) << duplicate.body;
    EXPECT_NE(duplicate.body.find("line 1, column"), std::string::npos) << duplicate.body;
    EXPECT_EQ(host_->post(path, R"({"channel":"chat"})").status, 400);
    EXPECT_EQ(host_->post(path, R"({"question":"Hi","channel":"chat","priority":1})").status, 400);
    EXPECT_EQ(host_->post(path, R"({"question":")" + std::string(4001, 'q') + R"(","channel":"chat"})").status, 400);
    EXPECT_EQ(
        host_
            ->post("/v1/orders/00000000-0000-4000-8000-000000000000/inquiries", R"({"question":"Hi","channel":"chat"})")
            .status,
        404);
    EXPECT_EQ(host_->post(path + "/00000000-0000-4000-8000-000000000000/answer", R"({"answer":"x","by":"a"})").status,
              404);
    const HttpReply wrongMethod = host_->request("DELETE", path);
    EXPECT_EQ(wrongMethod.status, 405);
    EXPECT_EQ(wrongMethod.headers.count("Allow") ? wrongMethod.headers.at("Allow") : "", "POST, GET");
    EXPECT_EQ(json(host_->get(path).body)->getArray("inquiries")->size(), 0u) << "nothing was recorded";
}

TEST_P(CustomerServiceE2ETest, CancelIsRefusedOnceTheGuardStepCompleted) {
    const auto placed = place("SHIPPED-1", "C-G");
    ASSERT_EQ(placed->getValue<std::string>("state"), "completed");
    const std::string id = placed->getValue<std::string>("id");
    const HttpReply before = host_->get("/v1/orders/" + id);
    const HttpReply refused = host_->post("/v1/orders/" + id + "/cancel", R"({"reason":"too late"})");
    ASSERT_EQ(refused.status, 409) << refused.body;
    EXPECT_EQ(refused.headers.at("Content-Type"), "application/problem+json");
    EXPECT_EQ(json(refused.body)->getValue<std::string>("detail"),
              "order " + id +
                  " already passed step 'ship' (test.scripted undoable), its chain's cancellable_until, and is "
                  "completed after its last step 'ship' (test.scripted undoable): return it instead");
    EXPECT_EQ(host_->get("/v1/orders/" + id).body, before.body) << "nothing changed";
    EXPECT_NE(host_->get("/v1/chains").body.find(R"("cancellable_until":"ship")"), std::string::npos);
}

TEST_P(CustomerServiceE2ETest, CancelIsAllowedBeforeTheGuardStep) {
    const auto placed = place("HELD-1", "C-G", "wait-then-ship");
    ASSERT_EQ(placed->getValue<std::string>("state"), "on_hold");
    const HttpReply cancelled = host_->post("/v1/orders/" + placed->getValue<std::string>("id") + "/cancel", "");
    ASSERT_EQ(cancelled.status, 200) << cancelled.body;
    EXPECT_EQ(json(cancelled.body)->getValue<std::string>("state"), "cancelled");
}

INSTANTIATE_TEST_SUITE_P(Backends, CustomerServiceE2ETest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::testing::customer_service_e2e_test
