// orderView: the JSON text of GET /v1/orders/{id} and of the order replies, written directly
// (not through a Poco tree), checked by reading it back with Poco.
#include "host/api/OrderView.h"

#include "host/document/JsonCodec.h"

#include <gtest/gtest.h>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

namespace orderhost::api {
namespace {

Poco::JSON::Object::Ptr parsed(const std::string& text) {
    document::JsonLimits limits;
    limits.maxBytes = 64 << 20;
    const document::JsonValueResult value = document::parseJsonValue(text, limits);
    EXPECT_TRUE(value.ok()) << text.substr(0, 300);
    return value.value.extract<Poco::JSON::Object::Ptr>();
}

store::OrderRecord anOrder(std::string document) {
    store::OrderRecord order;
    order.id = "0b7c6a8e-0000-4000-8000-000000000001";
    order.orderRef = "ERP-\"7\"";
    order.chain = "place-order";
    order.chainVersion = 3;
    order.state = "in_progress";
    order.currentStep = 2;
    order.document = std::move(document);
    order.createdAtMs = 1000;
    order.updatedAtMs = 2000;
    return order;
}

store::StepRunRecord aStep(int seq, std::string name, std::int64_t finishedAtMs) {
    store::StepRunRecord run;
    run.seq = seq;
    run.stepName = std::move(name);
    run.pluginId = "orderhost.validation";
    run.stepKind = "forward";
    run.outcome = "continue";
    run.startedAtMs = finishedAtMs - 5;
    run.finishedAtMs = finishedAtMs;
    return run;
}

TEST(OrderView, HoldsTheRecordTheStoredDocumentAndTheSteps) {
    const std::string document =
        R"({"zeta":1,"lines":[{"sku":"B\u00e9","quantity":2}],"note":"a\/b \u2028","alpha":null})";
    store::StepRunRecord failed = aStep(2, "credit", 1500);
    failed.chain = "place-order";
    failed.outcome = "retry";
    failed.code = "credit.unavailable";
    failed.message = "line one\nline \"two\"";
    const std::string text = orderView(anOrder(document), {aStep(1, "validate", 1200), failed});
    const auto view = parsed(text);
    EXPECT_EQ(text.substr(0, 48), R"({"id":"0b7c6a8e-0000-4000-8000-000000000001","or)");
    EXPECT_EQ(view->getValue<std::string>("order_ref"), "ERP-\"7\"");
    EXPECT_EQ(view->getValue<int>("chain_version"), 3);
    EXPECT_EQ(view->getValue<int>("current_step"), 2);
    EXPECT_FALSE(view->has("awaiting_signal"));
    EXPECT_FALSE(view->has("wake_at"));
    EXPECT_FALSE(view->has("compensate_to"));
    EXPECT_NE(text.find(R"("document":)" + document + ","), std::string::npos) << "the document as stored";
    const auto steps = view->getArray("steps");
    ASSERT_EQ(steps->size(), 2u);
    EXPECT_FALSE(steps->getObject(0)->has("code"));
    EXPECT_FALSE(steps->getObject(0)->has("chain"));
    EXPECT_EQ(steps->getObject(1)->getValue<std::string>("message"), "line one\nline \"two\"");
    EXPECT_EQ(steps->getObject(1)->getValue<std::string>("code"), "credit.unavailable");
    EXPECT_EQ(steps->getObject(1)->getValue<std::int64_t>("started_at"), 1495);
    EXPECT_EQ(view->getArray("timeline")->size(), 2u);
}

TEST(OrderView, TheTimelineMergesStepsInquiriesAndEndedReturnsInTimeOrder) {
    const std::string document =
        R"({"returns":[{"return_ref":"R-1","status":"returned","settled_at":1600}],)"
        R"("return":{"return_ref":"R-2","status":"failed","settled_at":1100,"failure":{"code":"x.y","message":"no"}}})";
    store::InquiryRecord inquiry;
    inquiry.id = "inq-1";
    inquiry.channel = "email";
    inquiry.question = "where?";
    inquiry.status = "answered";
    inquiry.answer = "here";
    inquiry.answeredBy = "agent";
    inquiry.createdAtMs = 1300;
    inquiry.answeredAtMs = 1700;
    const auto view =
        parsed(orderView(anOrder(document), {aStep(1, "validate", 1200), aStep(2, "ship", 1300)}, {inquiry}));
    const auto timeline = view->getArray("timeline");
    std::vector<std::string> types;
    for (std::size_t i = 0; i < timeline->size(); ++i)
        types.push_back(timeline->getObject(static_cast<unsigned>(i))->getValue<std::string>("type"));
    EXPECT_EQ(types, (std::vector<std::string>{"return.failed", "step", "step", "inquiry.opened", "return.returned",
                                               "inquiry.answered"}));
    EXPECT_EQ(timeline->getObject(0)->getValue<std::string>("code"), "x.y");
    EXPECT_EQ(timeline->getObject(0)->getValue<std::string>("return_ref"), "R-2");
    EXPECT_EQ(timeline->getObject(4)->getValue<std::string>("message"), "");
    EXPECT_EQ(timeline->getObject(5)->getValue<std::string>("by"), "agent");
    EXPECT_EQ(timeline->getObject(3)->getValue<std::string>("question"), "where?");
}

TEST(OrderView, TextThatIsNotUtf8BecomesAReplacementCharacter) {
    store::StepRunRecord run = aStep(1, "validate", 1200);
    run.message = "bad \xff byte";
    const std::string text = orderView(anOrder("{}"), {run});
    EXPECT_EQ(parsed(text)->getArray("steps")->getObject(0)->getValue<std::string>("message"), "bad \xEF\xBF\xBD byte");
}

// Stored documents may outgrow the intake's limits (4 MiB): the host's writing and plugins' set
// values add to them. The order must stay readable.
TEST(OrderView, AStoredDocumentLargerThanTheIntakeLimitIsStillShown) {
    const std::string big =
        R"({"return":{"status":"returned","settled_at":5},"pad":")" + std::string(5 << 20, 'x') + "\"}";
    const std::string text = orderView(anOrder(big), {});
    EXPECT_EQ(parsed(text)->getArray("timeline")->size(), 1u);
    EXPECT_NE(text.find(big), std::string::npos);
}

TEST(OrderView, AStoredDocumentThatIsNotJsonIsAnErrorNotABrokenReply) {
    EXPECT_THROW(orderView(anOrder(R"({"a":)"), {}), std::runtime_error);
}

}  // namespace
}  // namespace orderhost::api
