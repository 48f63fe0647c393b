// Notification and publication end to end: the real host over HTTP with the real plugins, the
// SMTP listener (scripts/simulators/smtp_sink.py) and a webhook receiver as the outside world,
// on SQLite and PostgreSQL. The listener's record is what the customer got: exactly one
// confirmation, also when the server refused the first try; the events feed is what the
// subscribing systems get.
#include "HostObservation.h"
#include "HostProcess.h"
#include "tests/host/events/WebhookReceiver.h"
#include "tests/support/SmtpSink.h"
#include "tests/support/TestDatabase.h"

#include <Poco/Data/ODBC/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/DigestEngine.h>
#include <Poco/HMACEngine.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/SHA2Engine.h>
#include <Poco/Thread.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace orderhost::testing::notification_e2e_test {
namespace {

using Poco::JSON::Object;

Object::Ptr parse(const std::string& body) { return Poco::JSON::Parser().parse(body).extract<Object::Ptr>(); }

// Copies tests/e2e/notify-chains into `folder`, filling in the ports and paths of this test.
void writeChains(const std::string& folder, const std::map<std::string, std::string>& values) {
    for (const auto& entry : std::filesystem::directory_iterator(ORDERHOST_NOTIFY_CHAINS)) {
        std::ifstream in(entry.path());
        std::stringstream text;
        text << in.rdbuf();
        std::string chain = text.str();
        for (const auto& [name, value] : values)
            for (std::size_t at = chain.find(name); at != std::string::npos; at = chain.find(name, at + value.size()))
                chain.replace(at, name.size(), value);
        std::ofstream(folder + "/" + entry.path().filename().string()) << chain;
    }
}

// The customer's language at /customer/language (the schema accepts it); /attributes/language,
// the older place, says "en": the plugin prefers the customer's.
std::string order(const std::string& ref, const std::string& chain, const std::string& language) {
    return R"({"order_ref":")" + ref + R"(","chain":")" + chain +
           R"(","currency":"EUR","customer":{"id":"C-1","name":"Ada Lovelace","email":"ada@example.com","language":")" +
           language +
           R"("},)"
           R"("lines":[{"sku":"SKU-1","quantity":2,"unit_price":1250}],)"
           R"("shipping_address":{"name":"Ada","line1":"1 Main St","city":"Berlin","postal_code":"10115","country":"DE"},)"
           R"("attributes":{"language":"en"}})";
}

class NotificationE2ETest : public ::testing::TestWithParam<TestBackend> {
protected:
    void SetUp() override {
        folder_ = makeTempDir("orderhost-notify");
        std::filesystem::create_directories(folder_ + "/chains");
        writeChains(folder_ + "/chains", {{"@SMTP_PORT@", std::to_string(sink_.smtpPort())},
                                          {"@TEMPLATES_DIR@", ORDERHOST_TEMPLATES_DIR},
                                          {"@WEBHOOK_URL@", receiver_.url("/notify")}});
        database_ = std::make_unique<TestDatabase>(GetParam(), folder_);
        HostOptions options;
        options.databaseConnection = database_->connectionString();
        options.pluginFolders = std::string(ORDERHOST_PLUGIN_DIR) + "," + ORDERHOST_SCRIPTED_PLUGIN_DIR;
        options.chainsFolder = folder_ + "/chains";
        options.extraSettings["engine.retry_poll_ms"] = "50";
        host_ = std::make_unique<HostProcess>(options);
    }
    void TearDown() override {
        host_.reset();
        database_.reset();
        std::filesystem::remove_all(folder_);
    }

    Object::Ptr waitFor(const std::string& ref, const std::string& state) const {
        return waitForState(*host_, ref, state, 20000);
    }

    int deliveries(const std::string& orderId) const {
        Poco::Data::ODBC::Connector::registerConnector();
        Poco::Data::Session session("ODBC", database_->connectionString());
        int count = 0;
        std::string id = orderId;
        session << "SELECT COUNT(*) FROM notification_deliveries WHERE order_id = ?", Poco::Data::Keywords::use(id),
            Poco::Data::Keywords::into(count), Poco::Data::Keywords::now;
        return count;
    }

    std::vector<Object::Ptr> events(const std::string& orderId, const std::string& type,
                                    std::size_t expected = 1) const {
        return feedEvents(*host_, orderId, type, expected);
    }

    static int retries(const Object::Ptr& order) {
        int count = 0;
        const Poco::JSON::Array::Ptr steps = order->getArray("steps");
        for (unsigned i = 0; i < steps->size(); ++i)
            count += steps->getObject(i)->getValue<std::string>("outcome") == "retry";
        return count;
    }

    SmtpSink sink_;
    WebhookReceiver receiver_;
    std::string folder_;
    std::unique_ptr<TestDatabase> database_;
    std::unique_ptr<HostProcess> host_;
};

TEST_P(NotificationE2ETest, AnOrderSendsExactlyOneConfirmationInItsLanguage) {
    ASSERT_EQ(host_->post("/v1/orders", order("MAIL-1", "notify-order", "de")).status, 201);
    const Object::Ptr done = waitFor("MAIL-1", "completed");
    ASSERT_EQ(sink_.count(), 1u);
    const Object::Ptr mail = sink_.message(0);
    EXPECT_EQ(mail->getArray("rcpt_tos")->getElement<std::string>(0), "ada@example.com");
    EXPECT_EQ(mail->getValue<std::string>("subject"), "Bestellung MAIL-1 bestätigt");
    EXPECT_EQ(mail->getValue<std::string>("content_language"), "de");
    const std::string body = mail->getValue<std::string>("body");
    EXPECT_NE(body.find("Hallo Ada Lovelace"), std::string::npos) << body;
    EXPECT_NE(body.find("2 x SKU-1  25.00 EUR"), std::string::npos) << body;
    const Object::Ptr note = done->getObject("document")->getArray("notifications")->getObject(0);
    EXPECT_EQ(note->getValue<std::string>("status"), "sent");
    EXPECT_EQ(note->getValue<std::string>("message_id"), mail->getValue<std::string>("message_id"));
    EXPECT_EQ(deliveries(done->getValue<std::string>("id")), 1);
    // A language that is no language tag is refused at the door, naming the field.
    const HttpReply refused = host_->post("/v1/orders", order("MAIL-BAD", "notify-order", "German"));
    EXPECT_EQ(refused.status, 422) << refused.body;
    EXPECT_NE(refused.body.find("/customer/language"), std::string::npos) << refused.body;
}

TEST_P(NotificationE2ETest, AStepRetriedAfterA4xxSendsOnce) {
    sink_.refuseNext(1, 451);
    host_->post("/v1/orders", order("MAIL-4XX", "notify-order", "en"));
    const Object::Ptr done = waitFor("MAIL-4XX", "completed");
    EXPECT_EQ(retries(done), 1);
    EXPECT_EQ(sink_.refused(), 1);
    ASSERT_EQ(sink_.count(), 1u);
    EXPECT_EQ(sink_.message(0)->getValue<std::string>("subject"), "Order MAIL-4XX confirmed");
    EXPECT_EQ(deliveries(done->getValue<std::string>("id")), 1);
}

TEST_P(NotificationE2ETest, TheWebhookChannelSignsItsBody) {
    host_->post("/v1/orders", order("HOOK-1", "webhook-order", "en"));
    const Object::Ptr done = waitFor("HOOK-1", "completed");
    ASSERT_EQ(receiver_.requests().size(), 1u);
    const ReceivedRequest request = receiver_.requests().at(0);
    class Sha256 : public Poco::SHA2Engine {
    public:
        enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
        Sha256() : Poco::SHA2Engine(Poco::SHA2Engine::SHA_256) {}
    };
    const std::string signature = request.headers.at("X-Orderhost-Signature");
    ASSERT_EQ(signature.compare(0, 2, "t="), 0) << signature;
    const std::string stamp = signature.substr(2, signature.find(',') - 2);
    Poco::HMACEngine<Sha256> hmac(std::string("e2e-secret"));
    hmac.update(stamp + "." + request.body);
    EXPECT_EQ(signature, "t=" + stamp + ",v1=" + Poco::DigestEngine::digestToHex(hmac.digest()));
    EXPECT_EQ(request.headers.at("Idempotency-Key"), done->getValue<std::string>("id") + "/confirm:order-confirmation");
    EXPECT_EQ(parse(request.body)->getValue<std::string>("subject"), "Order HOOK-1 confirmed");
}

TEST_P(NotificationE2ETest, PublishedViewsAppearOnTheEventFeed) {
    host_->post("/v1/orders", order("PUB-1", "publish-order", "en"));
    const Object::Ptr done = waitFor("PUB-1", "completed");
    const std::string id = done->getValue<std::string>("id");
    const auto inventory = events(id, "sales_order.for_inventory");
    ASSERT_EQ(inventory.size(), 1u);
    const Object::Ptr payload = inventory[0]->getObject("payload");
    EXPECT_EQ(payload->getValue<std::string>("plugin_id"), "orderhost.publication");
    EXPECT_EQ(payload->getValue<std::string>("step"), "publish");
    const Object::Ptr data = payload->getObject("data");
    EXPECT_EQ(data->getValue<std::string>("order_ref"), "PUB-1");
    EXPECT_EQ(data->getArray("lines")->getObject(0)->getValue<std::string>("sku"), "SKU-1");
    EXPECT_EQ(data->getArray("lines")->getObject(0)->getValue<int>("quantity"), 2);
    EXPECT_EQ(events(id, "sales_order.for_billing")
                  .at(0)
                  ->getObject("payload")
                  ->getObject("data")
                  ->getValue<std::string>("customer"),
              "C-1");
    EXPECT_EQ(events(id, "sales_order.for_supply_chain")
                  .at(0)
                  ->getObject("payload")
                  ->getObject("data")
                  ->getValue<std::string>("ship_to"),
              "DE");
    EXPECT_EQ(done->getObject("document")->getObject("publication")->getArray("published")->size(), 3u);
}

TEST_P(NotificationE2ETest, AFailureAfterPublicationWithdrawsItOnce) {
    host_->post("/v1/orders", order("PUB-FAIL", "publish-then-fail", "en"));
    const Object::Ptr failed = waitFor("PUB-FAIL", "failed");
    const std::string id = failed->getValue<std::string>("id");
    EXPECT_EQ(events(id, "sales_order.for_inventory").size(), 1u);
    const auto withdrawn = events(id, "sales_order.withdrawn");
    ASSERT_EQ(withdrawn.size(), 1u);
    EXPECT_EQ(withdrawn[0]->getObject("payload")->getObject("data")->getArray("withdrawn")->getElement<std::string>(0),
              "sales_order.for_inventory");
    EXPECT_TRUE(failed->getObject("document")->getObject("publication")->getValue<bool>("withdrawn"));
}

INSTANTIATE_TEST_SUITE_P(Backends, NotificationE2ETest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::testing::notification_e2e_test
