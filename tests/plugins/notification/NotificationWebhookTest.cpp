// orderhost.notification's webhook channel against a real HTTP receiver on loopback: the body
// is signed with HMAC-SHA256 (checked here with Poco's HMAC, independently of the plugin),
// 5xx retries, and the record channel (the old fake channel) sends nothing.
#include "NotifyFixture.h"
#include "tests/host/events/WebhookReceiver.h"

#include <Poco/DigestEngine.h>
#include <Poco/HMACEngine.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/SHA2Engine.h>
#include <gtest/gtest.h>

#include <string>

namespace orderhost::testing {
namespace {

using orderhost::testkit::FakeHost;

class Sha256 : public Poco::SHA2Engine {
public:
    enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
    Sha256() : Poco::SHA2Engine(Poco::SHA2Engine::SHA_256) {}
};

std::string hmacHex(const std::string& key, const std::string& body) {
    Poco::HMACEngine<Sha256> hmac(key);
    hmac.update(body);
    return Poco::DigestEngine::digestToHex(hmac.digest());
}

std::string webhookConfig(const std::string& url) {
    return R"({"event":"order-shipped","channel":"webhook","templates_dir":")" ORDERHOST_TEMPLATES_DIR
           R"(","webhook":{"url":")" +
           url + R"(","secret":"whsec-test","timeout_ms":5000}})";
}

TEST(NotificationWebhook, PostsTheRenderedMessageSignedWithTheSecret) {
    WebhookReceiver receiver;
    FakeHost host(ORDERHOST_TEST_PLUGIN_SO);
    std::string order = notifyOrder("de");
    order.insert(order.size() - 1, R"(,"shipping":{"tracking_number":"TRK-1"})");
    host.config(webhookConfig(receiver.url("/notify"))).order(order).orderId("o-1");
    ASSERT_EQ(host.create("notify"), OH_STATUS_OK) << host.reportedError();
    host.run();
    EXPECT_EQ(host.result().kind, OH_OUTCOME_CONTINUE) << host.result().message;
    ASSERT_TRUE(receiver.waitFor(1));
    const ReceivedRequest request = receiver.requests().at(0);
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.path, "/notify");
    // t=<unix seconds>,v1=HMAC(secret, "t.body"): the scheme of the host's event webhooks.
    const std::string signature = request.headers.at("X-Orderhost-Signature");
    ASSERT_EQ(signature.compare(0, 2, "t="), 0) << signature;
    const std::string stamp = signature.substr(2, signature.find(',') - 2);
    EXPECT_EQ(signature, "t=" + stamp + ",v1=" + hmacHex("whsec-test", stamp + "." + request.body));
    EXPECT_NE(signature, "t=" + stamp + ",v1=" + hmacHex("another-secret", stamp + "." + request.body));
    EXPECT_EQ(request.headers.at("Idempotency-Key"), "o-1/notify:order-shipped");
    EXPECT_EQ(request.headers.at("X-Orderhost-Event"), "order-shipped");
    const auto body = Poco::JSON::Parser().parse(request.body).extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(body->getValue<std::string>("event"), "order-shipped");
    EXPECT_EQ(body->getValue<std::string>("order_id"), "o-1");
    EXPECT_EQ(body->getValue<std::string>("language"), "de");
    EXPECT_EQ(body->getValue<std::string>("subject"), "Bestellung ERP-7 ist versandt");
    EXPECT_NE(body->getValue<std::string>("body").find("Sendungsnummer: TRK-1"), std::string::npos);
    EXPECT_EQ(host.orderString("/notifications/0/channel"), "webhook");
    EXPECT_EQ(host.queryInt("SELECT COUNT(*) FROM notification_deliveries WHERE channel = 'webhook'"), 1);
}

TEST(NotificationWebhook, A503RetriesAndA400Fails) {
    WebhookReceiver receiver;
    receiver.answerNext({503, 400});
    FakeHost host(ORDERHOST_TEST_PLUGIN_SO);
    host.config(webhookConfig(receiver.url())).order(notifyOrder());
    ASSERT_EQ(host.create("notify"), OH_STATUS_OK) << host.reportedError();
    host.run(1);
    EXPECT_EQ(host.result().kind, OH_OUTCOME_RETRY);
    EXPECT_EQ(host.result().code, "webhook_http_503");
    host.run(2);
    EXPECT_EQ(host.result().kind, OH_OUTCOME_FAIL);
    EXPECT_EQ(host.result().code, "webhook_http_400");
    EXPECT_EQ(host.queryInt("SELECT COUNT(*) FROM notification_deliveries"), 0);
}

TEST(NotificationRecordChannel, TheOlderKindNameRecordsWithoutSending) {
    FakeHost host(ORDERHOST_TEST_PLUGIN_SO);
    host.config(R"({"template":"shipped","channel":"record"})")
        .order(R"({"customer":{"email":"o\"neil\\x@example.com"},"notifications":[{"old":1}]})");
    ASSERT_EQ(host.create("notify-customer"), OH_STATUS_OK) << host.reportedError();
    host.run();
    EXPECT_EQ(host.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(host.orderString("/notifications/1/to"), R"(o"neil\x@example.com)");
    EXPECT_EQ(host.orderString("/notifications/1/channel"), "record");
    EXPECT_EQ(host.orderString("/notifications/1/template"), "shipped");
    EXPECT_EQ(host.orderString("/notifications/1/status"), "recorded");
    EXPECT_EQ(host.orderInt("/notifications/1/at"), host.now());
    EXPECT_EQ(host.orderString("/notifications/1/idempotency_key"), "order-1/notify-customer:shipped");
    EXPECT_EQ(host.orderJson("/notifications/0"), R"({"old":1})");
}

TEST(NotificationRecordKind, RecordsLikeTheRecordChannelWithoutNamingIt) {
    FakeHost host(ORDERHOST_TEST_PLUGIN_SO);
    host.config(R"({"event":"order-shipped"})").order(R"({"customer":{"email":"ada@example.com"}})");
    ASSERT_EQ(host.create("record"), OH_STATUS_OK) << host.reportedError();
    host.run();
    EXPECT_EQ(host.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(host.orderString("/notifications/0/channel"), "record");
    EXPECT_EQ(host.orderString("/notifications/0/status"), "recorded");
    EXPECT_EQ(host.orderString("/notifications/0/to"), "ada@example.com");
    EXPECT_EQ(host.queryInt("SELECT COUNT(*) FROM notification_deliveries WHERE channel = 'record'"), 1);
    // Run again with the first run committed (a chain replayed from an earlier checkpoint): the
    // delivery row is found, the step continues and records nothing more.
    host.run();
    EXPECT_EQ(host.result().kind, OH_OUTCOME_CONTINUE) << host.result().message;
    EXPECT_EQ(host.queryInt("SELECT COUNT(*) FROM notification_deliveries"), 1);
    EXPECT_TRUE(host.orderJson("/notifications/0").has_value());
    EXPECT_FALSE(host.orderJson("/notifications/1").has_value()) << "a second record was appended";
}

TEST(NotificationRecordKind, RefusesAChannelThatSends) {
    for (const char* channel : {"email", "webhook"}) {
        FakeHost host(ORDERHOST_TEST_PLUGIN_SO);
        host.config(std::string(R"({"channel":")") + channel +
                    R"(","smtp":{"host":"127.0.0.1","from":"a@b.example"},"templates_dir":")" ORDERHOST_TEMPLATES_DIR
                    R"("})");
        EXPECT_EQ(host.create("record"), OH_STATUS_INVALID_CONFIG) << channel;
        EXPECT_NE(host.reportedError().find("channel"), std::string::npos) << host.reportedError();
        EXPECT_NE(host.reportedError().find("must be record"), std::string::npos) << host.reportedError();
    }
}

TEST(NotificationRecordChannel, HasNothingToCompensate) {
    FakeHost host(ORDERHOST_TEST_PLUGIN_SO);
    host.config(R"({"channel":"record"})").order(R"({"a":1})");
    ASSERT_EQ(host.create("notify"), OH_STATUS_OK);
    EXPECT_EQ(host.compensate(), OH_STATUS_OK);
    EXPECT_EQ(host.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(host.orderJson(), R"({"a":1})");
}

}  // namespace
}  // namespace orderhost::testing
