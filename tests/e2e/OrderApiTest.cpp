// The ERP's view: real orderhost process, real HTTP over loopback, real plugins, real SQLite
// through ODBC. Each test reads replies as JSON and checks what an ERP would rely on.
#include "HostProcess.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <string>

namespace orderhost::testing::order_api_test {
namespace {

Poco::JSON::Object::Ptr json(const HttpReply& reply) {
    return Poco::JSON::Parser().parse(reply.body).extract<Poco::JSON::Object::Ptr>();
}

std::string order(
    const std::string& ref, const std::string& customer = "C-1",
    const std::string& lines = R"([{"sku":"SKU-1","quantity":2},{"sku":"SKU-2","quantity":4,"unit_price":250}])") {
    return R"({"order_ref":")" + ref + R"(","currency":"EUR","customer":{"id":")" + customer +
           R"(","email":"ada@example.com"},"lines":)" + lines + "}";
}

class OrderApiTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { host_ = new HostProcess(); }
    static void TearDownTestSuite() { delete host_; }
    static HostProcess* host_;
};
HostProcess* OrderApiTest::host_ = nullptr;

TEST_F(OrderApiTest, APostedOrderRunsTheWholeChainAndReadsBack) {
    const HttpReply created = host_->post("/v1/orders", order("E2E-1"));
    ASSERT_EQ(created.status, 201) << created.body;
    auto body = json(created);
    EXPECT_EQ(body->getValue<std::string>("state"), "completed");
    EXPECT_EQ(body->getValue<std::string>("chain"), "place-order");
    EXPECT_EQ(body->getValue<int>("chain_version"), 3);
    const std::string id = body->getValue<std::string>("id");
    EXPECT_EQ(created.headers.at("Location"), "/v1/orders/" + id);

    const HttpReply read = host_->get("/v1/orders/" + id);
    ASSERT_EQ(read.status, 200) << read.body;
    auto stored = json(read);
    auto doc = stored->getObject("document");
    EXPECT_EQ(doc->getObject("totals")->getValue<long>("net"), 2 * 1000 + 4 * 250);
    // The notification plugin (record channel here) appended the confirmation with the step's
    // idempotency key and the event.
    auto note = doc->getArray("notifications")->getObject(0);
    EXPECT_EQ(note->getValue<std::string>("to"), "ada@example.com");
    EXPECT_EQ(note->getValue<std::string>("idempotency_key"), id + "/confirm:order-confirmation");
    auto steps = stored->getArray("steps");
    ASSERT_EQ(steps->size(), 3u);
    EXPECT_EQ(steps->getObject(0)->getValue<std::string>("step"), "validate");
    EXPECT_EQ(steps->getObject(1)->getValue<std::string>("step"), "credit");
    EXPECT_EQ(steps->getObject(2)->getValue<std::string>("plugin"), "orderhost.notification");
    for (unsigned i = 0; i < 3; ++i) EXPECT_EQ(steps->getObject(i)->getValue<std::string>("outcome"), "continue");
}

TEST_F(OrderApiTest, OverTheCreditLimitTheOrderIsHeldBeforeConfirmation) {
    const HttpReply reply = host_->post("/v1/orders", order("E2E-HOLD", "C-SMALL"));
    ASSERT_EQ(reply.status, 201) << reply.body;
    auto body = json(reply);
    EXPECT_EQ(body->getValue<std::string>("state"), "on_hold");
    auto steps = body->getArray("steps");
    ASSERT_EQ(steps->size(), 2u);
    EXPECT_EQ(steps->getObject(1)->getValue<std::string>("outcome"), "suspend");
    EXPECT_EQ(steps->getObject(1)->getValue<std::string>("code"), "credit_limit_exceeded");
    EXPECT_FALSE(body->getObject("document")->has("notifications"));
}

TEST_F(OrderApiTest, AnUnknownSkuIsRejectedWithTheLine) {
    const HttpReply reply = host_->post("/v1/orders", order("E2E-REJ", "C-1", R"([{"sku":"NOPE","quantity":1}])"));
    ASSERT_EQ(reply.status, 201) << reply.body;
    auto body = json(reply);
    EXPECT_EQ(body->getValue<std::string>("state"), "rejected");
    auto step = body->getArray("steps")->getObject(0);
    EXPECT_EQ(step->getValue<std::string>("code"), "unknown_sku");
    EXPECT_NE(step->getValue<std::string>("message").find("NOPE"), std::string::npos);
}

TEST_F(OrderApiTest, MalformedJsonIs400AndWritesNothing) {
    const HttpReply reply = host_->post("/v1/orders", R"({"order_ref":"E2E-BAD", "lines": [)");
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.headers.at("Content-Type"), "application/problem+json");
    EXPECT_NE(json(reply)->getValue<std::string>("detail").find("malformed JSON"), std::string::npos);
    EXPECT_EQ(host_->get("/v1/orders?order_ref=E2E-BAD").status, 404);
}

TEST_F(OrderApiTest, SchemaErrorsNameEveryField) {
    const HttpReply reply =
        host_->post("/v1/orders", R"({"order_ref":"E2E-SCHEMA","currency":"EUR","customer":{"id":"C-1"},)"
                                  R"("lines":[{"sku":"SKU-1","quantity":1.5,"colour":"red"}]})");
    ASSERT_EQ(reply.status, 422) << reply.body;
    const std::string body = reply.body;
    EXPECT_NE(body.find("/lines/0/colour"), std::string::npos) << body;
    EXPECT_NE(body.find("/lines/0/quantity"), std::string::npos) << body;
    EXPECT_EQ(host_->get("/v1/orders?order_ref=E2E-SCHEMA").status, 404);
}

TEST_F(OrderApiTest, RepeatingAnOrderReturnsTheSameOneAndAChangedRepeatConflicts) {
    const HttpReply first = host_->post("/v1/orders", order("E2E-REPEAT"));
    ASSERT_EQ(first.status, 201);
    // Same content, different spacing: the ERP retried a request whose reply it lost.
    std::string spaced = order("E2E-REPEAT");
    spaced.insert(1, "  ");
    const HttpReply again = host_->post("/v1/orders", spaced);
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(json(again)->getValue<std::string>("id"), json(first)->getValue<std::string>("id"));
    EXPECT_EQ(json(again)->getArray("steps")->size(), 3u);  // the chain did not run twice

    // The same members in another order: an ERP library that re-serializes on retry.
    const std::string reordered =
        R"({"lines":[{"quantity":2,"sku":"SKU-1"},{"unit_price":250,"sku":"SKU-2","quantity":4}],)"
        R"("customer":{"email":"ada@example.com","id":"C-1"},"currency":"EUR","order_ref":"E2E-REPEAT"})";
    const HttpReply shuffled = host_->post("/v1/orders", reordered);
    EXPECT_EQ(shuffled.status, 200) << shuffled.body;

    const HttpReply changed = host_->post("/v1/orders", order("E2E-REPEAT", "C-2"));
    EXPECT_EQ(changed.status, 409) << changed.body;
}

TEST_F(OrderApiTest, TheErpCanFindAnOrderByItsReference) {
    ASSERT_EQ(host_->post("/v1/orders", order("E2E-REF")).status, 201);
    const HttpReply found = host_->get("/v1/orders?order_ref=E2E-REF");
    ASSERT_EQ(found.status, 200);
    EXPECT_EQ(json(found)->getValue<std::string>("order_ref"), "E2E-REF");
}

TEST_F(OrderApiTest, AnOrderCanChooseAnotherChain) {
    const std::string body = R"({"order_ref":"E2E-QUICK","chain":"quick","currency":"EUR",)"
                             R"("customer":{"id":"C-1"},"lines":[{"sku":"X","quantity":1}]})";
    const HttpReply reply = host_->post("/v1/orders", body);
    ASSERT_EQ(reply.status, 201) << reply.body;
    EXPECT_EQ(json(reply)->getValue<std::string>("chain"), "quick");
    EXPECT_EQ(json(reply)->getValue<std::string>("state"), "completed");

    const HttpReply unknown =
        host_->post("/v1/orders", R"({"order_ref":"E2E-NOCHAIN","chain":"nope","currency":"EUR",)"
                                  R"("customer":{"id":"C-1"},"lines":[{"sku":"X","quantity":1}]})");
    EXPECT_EQ(unknown.status, 422);
    EXPECT_NE(unknown.body.find("chain 'nope'"), std::string::npos);
}

TEST_F(OrderApiTest, TransportLevelMistakesGetPreciseStatuses) {
    EXPECT_EQ(host_->request("POST", "/v1/orders", order("E2E-TXT"), "text/plain").status, 415);
    EXPECT_EQ(host_->post("/v1/orders", std::string(2 * 1024 * 1024, ' ')).status, 413);
    EXPECT_EQ(host_->get("/v1/orders/00000000-0000-0000-0000-000000000000").status, 404);
    EXPECT_EQ(host_->get("/v1/orders/../../etc/passwd").status, 404);
    EXPECT_EQ(host_->request("DELETE", "/v1/orders").status, 405);
    EXPECT_EQ(host_->get("/v1/orders?limit=0").status, 400);  // without parameters it is a search (200)
    EXPECT_EQ(host_->get("/v2/anything").status, 404);
}

TEST_F(OrderApiTest, HostileJsonDoesNotHurtTheHost) {
    EXPECT_EQ(host_->post("/v1/orders", std::string(100000, '[')).status, 400);
    EXPECT_EQ(host_->post("/v1/orders", "{\"order_ref\":\"\xff\xfe\"}").status / 100, 4);
    EXPECT_EQ(host_->post("/v1/orders", "").status, 400);
    const HttpReply array = host_->post("/v1/orders", "[]");
    EXPECT_EQ(array.status, 400);
    EXPECT_NE(array.body.find("must be a JSON object"), std::string::npos) << array.body;
    EXPECT_EQ(host_->get("/v1/health").status, 200);
}

TEST_F(OrderApiTest, AdministratorsSeePluginsAndChains) {
    const HttpReply plugins = host_->get("/v1/plugins");
    ASSERT_EQ(plugins.status, 200);
    for (const char* id :
         {"orderhost.validation", "orderhost.credit", "orderhost.notification", "orderhost.noop", "orderhost.sourcing",
          "orderhost.billing", "orderhost.payment", "orderhost.provisioning", "orderhost.preparation",
          "orderhost.manufacturing", "orderhost.returns", "orderhost.publication", "orderhost.shipping"}) {
        EXPECT_NE(plugins.body.find(id), std::string::npos) << id;
    }
    auto health = json(host_->get("/v1/health"));
    EXPECT_EQ(health->getValue<std::string>("status"), "ok");
    EXPECT_EQ(health->getValue<int>("chains"), 3);
    EXPECT_EQ(health->getValue<int>("plugins"), 13);
    EXPECT_EQ(health->getValue<int>("problems"), 0);

    const HttpReply chains = host_->get("/v1/chains");
    ASSERT_EQ(chains.status, 200);
    EXPECT_NE(chains.body.find("\"place-order\""), std::string::npos);
    EXPECT_NE(chains.body.find("\"quick\""), std::string::npos);
}

}  // namespace
}  // namespace orderhost::testing::order_api_test

#include "tests/support/TestDatabase.h"

#include <filesystem>

namespace orderhost::testing::order_api_test {
namespace {

// The ERP's essential path on every backend: create, read back, repeat, conflict.
class OrderApiBackendTest : public ::testing::TestWithParam<TestBackend> {};

TEST_P(OrderApiBackendTest, CreateReadRepeatAndConflictBehaveTheSame) {
    const std::string folder = makeTempDir("orderhost-api");
    {
        TestDatabase database(GetParam(), folder);
        HostOptions options;
        options.databaseConnection = database.connectionString();
        HostProcess host(options);
        const HttpReply created = host.post("/v1/orders", order("BACKEND-1"));
        ASSERT_EQ(created.status, 201) << created.body;
        const std::string id = json(created)->getValue<std::string>("id");
        EXPECT_EQ(json(created)->getValue<std::string>("state"), "completed");
        const HttpReply read = host.get("/v1/orders/" + id);
        ASSERT_EQ(read.status, 200);
        EXPECT_EQ(json(read)->getArray("steps")->size(), 3u);
        EXPECT_EQ(json(read)->getObject("document")->getObject("totals")->getValue<long>("net"), 3000);
        EXPECT_EQ(host.post("/v1/orders", order("BACKEND-1")).status, 200);
        EXPECT_EQ(host.post("/v1/orders", order("BACKEND-1", "C-2")).status, 409);
        EXPECT_EQ(host.post("/v1/orders", order("BACKEND-2", "C-SMALL")).status, 201);
        EXPECT_EQ(json(host.get("/v1/orders?order_ref=BACKEND-2"))->getValue<std::string>("state"), "on_hold");
    }
    std::filesystem::remove_all(folder);
}

INSTANTIATE_TEST_SUITE_P(Backends, OrderApiBackendTest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::testing::order_api_test

namespace orderhost::testing::order_api_test {
namespace {

TEST_F(OrderApiTest, ACreditControllerReleasesOrRefusesAHeldOrderBySignal) {
    const std::string approvedId =
        json(host_->post("/v1/orders", order("E2E-APPROVE", "C-SMALL")))->getValue<std::string>("id");
    const std::string refusedId =
        json(host_->post("/v1/orders", order("E2E-REFUSE", "C-SMALL")))->getValue<std::string>("id");

    EXPECT_EQ(host_->post("/v1/orders/" + approvedId + "/signals/payment_received", "{}").status, 409);
    const HttpReply approved =
        host_->post("/v1/orders/" + approvedId + "/signals/credit_approval", R"({"approved":true,"by":"j.doe"})");
    ASSERT_EQ(approved.status, 200) << approved.body;
    auto body = json(approved);
    EXPECT_EQ(body->getValue<std::string>("state"), "completed");
    EXPECT_EQ(body->getObject("document")->getArray("notifications")->size(), 1u);  // confirmation sent
    EXPECT_EQ(host_->post("/v1/orders/" + approvedId + "/signals/credit_approval", "{}").status, 409);

    const HttpReply refused = host_->post("/v1/orders/" + refusedId + "/signals/credit_approval",
                                          R"({"approved":false,"note":"overdue invoices"})");
    ASSERT_EQ(refused.status, 200) << refused.body;
    EXPECT_EQ(json(refused)->getValue<std::string>("state"), "rejected");
    EXPECT_NE(refused.body.find("credit refused: overdue invoices"), std::string::npos) << refused.body;

    EXPECT_EQ(host_->post("/v1/orders/" + refusedId + "/signals/credit_approval", "not json").status, 400);
    EXPECT_EQ(host_->post("/v1/orders/00000000-0000-4000-8000-000000000000/signals/credit_approval", "{}").status, 404);
    EXPECT_EQ(host_->get("/v1/orders/" + approvedId + "/signals/credit_approval").status, 405);
}

// A carrier's webhooks retry anything but a 2xx: ?if_not_waiting=acknowledge lets it learn that
// an order that waits for nothing any more will never take the signal (its events after the
// order completed), while a 409 still says "not now" to an order that may wait for it later.
TEST_F(OrderApiTest, AWebhookSenderCanHaveASignalNoStepWillTakeAcknowledged) {
    const std::string id = json(host_->post("/v1/orders", order("E2E-ACK", "C-SMALL")))->getValue<std::string>("id");
    const std::string acknowledge = "/signals/shipment_tracking?if_not_waiting=acknowledge";
    const HttpReply held = host_->post("/v1/orders/" + id + acknowledge, R"({"event":"picked_up"})");
    EXPECT_EQ(held.status, 409) << held.body;  // on_hold for credit_approval: it may wait for this later
    const HttpReply badValue =
        host_->post("/v1/orders/" + id + "/signals/shipment_tracking?if_not_waiting=maybe", "{}");
    EXPECT_EQ(badValue.status, 400) << badValue.body;
    EXPECT_NE(badValue.body.find("if_not_waiting must be 'conflict' or 'acknowledge'"), std::string::npos);
    const HttpReply twice = host_->post(
        "/v1/orders/" + id + "/signals/shipment_tracking?if_not_waiting=conflict&if_not_waiting=acknowledge", "{}");
    EXPECT_EQ(twice.status, 400) << twice.body;
    EXPECT_NE(twice.body.find("if_not_waiting is given more than once"), std::string::npos) << twice.body;
    ASSERT_EQ(host_->post("/v1/orders/" + id + "/signals/credit_approval", R"({"approved":true})").status, 200);
    const auto before = json(host_->get("/v1/orders/" + id));
    ASSERT_EQ(before->getValue<std::string>("state"), "completed");

    const HttpReply acknowledged = host_->post("/v1/orders/" + id + acknowledge, R"({"event":"delivered"})");
    ASSERT_EQ(acknowledged.status, 202) << acknowledged.body;
    const auto answer = json(acknowledged);
    EXPECT_FALSE(answer->getValue<bool>("delivered"));
    EXPECT_EQ(answer->getValue<std::string>("order_id"), id);
    EXPECT_NE(answer->getValue<std::string>("detail").find("it is completed"), std::string::npos);
    EXPECT_EQ(host_->post("/v1/orders/" + id + acknowledge, "not json").status, 400);             // still validated
    EXPECT_EQ(host_->post("/v1/orders/" + id + "/signals/shipment_tracking", "{}").status, 409);  // the default
    EXPECT_EQ(host_->post("/v1/orders/" + id + "/signals/shipment_tracking?if_not_waiting=conflict", "{}").status, 409);
    const auto after = json(host_->get("/v1/orders/" + id));  // dropped: neither stored nor in the history
    EXPECT_EQ(after->getArray("steps")->size(), before->getArray("steps")->size());
    EXPECT_EQ(after->getObject("document")->has("signals") &&
                  after->getObject("document")->getObject("signals")->has("shipment_tracking"),
              false);
}

TEST_F(OrderApiTest, TheErpCanCancelAHeldOrderAndAskAgainSafely) {
    const std::string id = json(host_->post("/v1/orders", order("E2E-CANCEL", "C-SMALL")))->getValue<std::string>("id");
    EXPECT_EQ(host_->post("/v1/orders/" + id + "/cancel", R"({"reason":7})").status, 400);
    EXPECT_EQ(host_->get("/v1/orders/" + id + "/cancel").status, 405);
    const HttpReply cancelled = host_->post("/v1/orders/" + id + "/cancel", R"({"reason":"customer called"})");
    ASSERT_EQ(cancelled.status, 200) << cancelled.body;
    auto body = json(cancelled);
    EXPECT_EQ(body->getValue<std::string>("state"), "cancelled");
    EXPECT_EQ(body->getValue<std::string>("chain"), "cancel-order");
    auto doc = body->getObject("document");
    EXPECT_EQ(doc->getObject("cancellation")->getValue<std::string>("reason"), "customer called");
    EXPECT_EQ(doc->getArray("notifications")->getObject(0)->getValue<std::string>("template"), "order-cancelled");
    // A repeated request (the ERP lost the reply) answers with the order as it is.
    const HttpReply again = host_->post("/v1/orders/" + id + "/cancel", "{}");
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(json(again)->getObject("document")->getArray("notifications")->size(), 1u);
    EXPECT_EQ(host_->post("/v1/orders/" + id + "/return", "{}").status, 409);
    EXPECT_EQ(host_->post("/v1/orders/00000000-0000-4000-8000-000000000000/cancel", "{}").status, 404);
}

TEST_F(OrderApiTest, AReturnNeedsAReturnChain) {
    const std::string id = json(host_->post("/v1/orders", order("E2E-RETURN")))->getValue<std::string>("id");
    const HttpReply reply = host_->post("/v1/orders/" + id + "/return", R"({"lines":[{"sku":"SKU-1","quantity":1}]})");
    EXPECT_EQ(reply.status, 422) << reply.body;
    EXPECT_NE(reply.body.find("no chain with trigger return_order"), std::string::npos) << reply.body;
}

}  // namespace
}  // namespace orderhost::testing::order_api_test
