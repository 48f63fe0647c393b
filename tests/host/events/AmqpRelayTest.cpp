// AMQP publishing of outbox events (issue 13) against a real RabbitMQ broker started by the test
// (RabbitMqBroker.h), on SQLite and PostgreSQL: persistent messages with the event id as
// message_id, in order; an event no queue is bound for does not stop the stream; a broker
// that was down gets everything once it is back.
#include "host/events/AmqpPublisher.h"
#include "host/events/WebhookSubscription.h"

#include "tests/host/events/RabbitMqBroker.h"
#include "tests/support/TestCertificates.h"
#include "tests/support/TestDatabase.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <memory>

using namespace Poco::Data::Keywords;

namespace orderhost::events {
namespace {
using orderhost::testing::RabbitMqBroker;
using orderhost::testing::TestBackend;

struct Received {
    std::string messageId, type, contentType, body;
    int deliveryMode = 0;
};

// A consumer as a subscribing system would run it: a durable queue bound to the exchange.
class Consumer {
public:
    Consumer(unsigned short port, const std::string& exchange, const std::string& queue) : queue_(queue) {
        connection_ = amqp_new_connection();
        amqp_socket_t* socket = amqp_tcp_socket_new(connection_);
        if (amqp_socket_open(socket, "127.0.0.1", port) != AMQP_STATUS_OK)
            throw std::runtime_error("consumer: connect");
        expectOk(amqp_login(connection_, "/", 0, AMQP_DEFAULT_FRAME_SIZE, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest"));
        amqp_channel_open(connection_, 1);
        expectOk(amqp_get_rpc_reply(connection_));
        amqp_exchange_declare(connection_, 1, amqp_cstring_bytes(exchange.c_str()), amqp_cstring_bytes("topic"), 0, 1,
                              0, 0, amqp_empty_table);
        expectOk(amqp_get_rpc_reply(connection_));
        amqp_queue_declare(connection_, 1, amqp_cstring_bytes(queue.c_str()), 0, 1, 0, 0, amqp_empty_table);
        expectOk(amqp_get_rpc_reply(connection_));
        amqp_queue_bind(connection_, 1, amqp_cstring_bytes(queue.c_str()), amqp_cstring_bytes(exchange.c_str()),
                        amqp_cstring_bytes("#"), amqp_empty_table);
        expectOk(amqp_get_rpc_reply(connection_));
    }
    ~Consumer() {
        amqp_channel_close(connection_, 1, AMQP_REPLY_SUCCESS);
        amqp_connection_close(connection_, AMQP_REPLY_SUCCESS);
        amqp_destroy_connection(connection_);
    }
    // Every message waiting in the queue, acknowledged.
    std::vector<Received> drain() {
        std::vector<Received> messages;
        for (;;) {
            amqp_rpc_reply_t reply = amqp_basic_get(connection_, 1, amqp_cstring_bytes(queue_.c_str()), 1);
            expectOk(reply);
            if (reply.reply.id == AMQP_BASIC_GET_EMPTY_METHOD) return messages;
            amqp_message_t message;
            expectOk(amqp_read_message(connection_, 1, &message, 0));
            Received r;
            const auto text = [](amqp_bytes_t b) { return std::string(static_cast<const char*>(b.bytes), b.len); };
            r.messageId = text(message.properties.message_id);
            r.type = text(message.properties.type);
            r.contentType = text(message.properties.content_type);
            r.deliveryMode = message.properties.delivery_mode;
            r.body = text(message.body);
            amqp_destroy_message(&message);
            messages.push_back(r);
        }
    }

private:
    static void expectOk(const amqp_rpc_reply_t& reply) {
        if (reply.reply_type != AMQP_RESPONSE_NORMAL) throw std::runtime_error("consumer: AMQP call failed");
    }
    amqp_connection_state_t connection_;
    std::string queue_;
};

class AmqpRelayTest : public ::testing::TestWithParam<TestBackend> {
protected:
    // One broker for the suite, listening for amqp:// and amqps:// (certificates made now).
    static void SetUpTestSuite() {
        certificatesDir_ = orderhost::testing::makeTempDir("orderhost-amqp-tls");
        certificates_ = new orderhost::testing::TestCertificates(certificatesDir_);
        broker_ = new RabbitMqBroker({certificates_->ca, certificates_->serverCertificate, certificates_->serverKey});
    }
    static void TearDownTestSuite() {
        delete broker_;
        delete certificates_;
        std::filesystem::remove_all(certificatesDir_);
    }
    void SetUp() override {
        dir_ = orderhost::testing::makeTempDir("orderhost-amqp");
        database_ = std::make_unique<orderhost::testing::TestDatabase>(GetParam(), dir_);
        db_ = std::make_unique<store::Database>(database_->connectionString());
        options_.owner = "host-a";
        options_.retryMin = std::chrono::milliseconds(100);
        options_.retryMax = std::chrono::milliseconds(400);
        options_.clock = [this] { return clock_.load(); };
        exchange_ = "orderhost.events." + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
        for (char& c : exchange_)
            if (c == '/') c = '.';
    }
    void TearDown() override {
        // The cases share one broker (one ctest entry): a case that stopped it and failed before
        // starting it again must not leave it down for the cases after it. start() is a no-op
        // when it runs.
        broker_->start();
        db_.reset();
        database_.reset();
        std::filesystem::remove_all(dir_);
    }
    std::vector<std::int64_t> append(int count) {
        db_->withTransaction("append", [&](Poco::Data::Session& s) {
            std::vector<store::OutboxEvent> events;
            for (int i = 0; i < count; ++i)
                events.push_back({0, "o-" + std::to_string(i), "order.completed", R"({"n":)" + std::to_string(i) + "}",
                                  1764000000000});
            store::appendOutboxEvents(s, *db_, events);
        });
        appended_ += static_cast<std::size_t>(count);
        return orderhost::testing::visibleOutboxIds(*db_, appended_);
    }
    std::unique_ptr<WebhookSubscription> subscription(const std::string& url = "", const std::string& caFile = "") {
        auto publisher = std::make_unique<AmqpPublisher>(
            AmqpSettings{url.empty() ? broker_->url() : url, exchange_, std::chrono::seconds(5), caFile});
        const std::string name = publisher->describe();
        return std::make_unique<WebhookSubscription>(*db_, std::move(publisher), name, options_);
    }
    CursorState cursorRow() {
        CursorState c;
        db_->session() << "SELECT last_event_id, failures, retry_at FROM relay_cursors", into(c.lastEventId),
            into(c.failures), into(c.retryAtMs), now;
        return c;
    }

    static RabbitMqBroker* broker_;
    static orderhost::testing::TestCertificates* certificates_;
    static std::string certificatesDir_;
    std::string dir_, exchange_;
    std::unique_ptr<orderhost::testing::TestDatabase> database_;
    std::unique_ptr<store::Database> db_;
    RelayOptions options_;
    std::atomic<std::int64_t> clock_{1764000000000};
    std::size_t appended_ = 0;
};
RabbitMqBroker* AmqpRelayTest::broker_ = nullptr;
orderhost::testing::TestCertificates* AmqpRelayTest::certificates_ = nullptr;
std::string AmqpRelayTest::certificatesDir_;

TEST_P(AmqpRelayTest, EventsArePublishedPersistentlyWithTheirIdAndTypeInOrder) {
    Consumer erp(broker_->port(), exchange_, exchange_ + ".erp");
    const auto ids = append(3);
    EXPECT_EQ(subscription()->deliverDue(), 3u);
    const auto messages = erp.drain();
    ASSERT_EQ(messages.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(messages[i].messageId, std::to_string(ids[i]));
        EXPECT_EQ(messages[i].type, "order.completed");
        EXPECT_EQ(messages[i].contentType, "application/json");
        EXPECT_EQ(messages[i].deliveryMode, 2) << "persistent";
        auto body = Poco::JSON::Parser().parse(messages[i].body).extract<Poco::JSON::Object::Ptr>();
        EXPECT_EQ(body->getValue<std::int64_t>("id"), ids[i]);
        EXPECT_EQ(body->getObject("payload")->getValue<int>("n"), static_cast<int>(i));
    }
    EXPECT_EQ(cursorRow().lastEventId, ids.back());
}

// A topic exchange drops what nobody bound: the stream goes on, and a queue bound later gets
// the events from then on (a mandatory publish would have stalled every subscriber).
TEST_P(AmqpRelayTest, AnEventNoQueueIsBoundForDoesNotStopTheStream) {
    append(1);
    auto relay = subscription();
    EXPECT_EQ(relay->deliverDue(), 1u);
    EXPECT_EQ(cursorRow().failures, 0);
    Consumer late(broker_->port(), exchange_, exchange_ + ".late");
    const auto ids = append(1);
    EXPECT_EQ(relay->deliverDue(), 1u);
    const auto messages = late.drain();
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(messages[0].messageId, std::to_string(ids.back()));
}

TEST_P(AmqpRelayTest, ABrokerThatWasDownGetsEverythingOncePerIdWhenItIsBack) {
    auto erp = std::make_unique<Consumer>(broker_->port(), exchange_, exchange_ + ".erp");
    const auto first = append(1);
    auto relay = subscription();
    EXPECT_EQ(relay->deliverDue(), 1u);
    erp.reset();
    broker_->stop();
    const auto all = append(2);
    EXPECT_EQ(relay->deliverDue(), 0u);
    EXPECT_EQ(cursorRow().failures, 1);
    broker_->start();
    clock_ += 1000;
    EXPECT_EQ(relay->deliverDue(), 2u);
    erp = std::make_unique<Consumer>(broker_->port(), exchange_, exchange_ + ".erp");
    std::vector<std::string> ids;
    for (const auto& m : erp->drain()) ids.push_back(m.messageId);
    // The first event survived the restart in the durable queue; the other two came after it.
    EXPECT_EQ(ids, (std::vector<std::string>{std::to_string(all[0]), std::to_string(all[1]), std::to_string(all[2])}));
    EXPECT_EQ(first.front(), all.front());
}

// amqps://: the broker's certificate is verified against the configured CA (and names
// "localhost", the URL's host); the cursor's name carries no credentials.
TEST_P(AmqpRelayTest, OverAmqpsEventsArriveFromABrokerWhoseCertificateVerifies) {
    Consumer erp(broker_->port(), exchange_, exchange_ + ".erp");
    const auto ids = append(2);
    auto relay = subscription(broker_->tlsUrl(), certificates_->ca);
    EXPECT_EQ(relay->deliverDue(), 2u);
    const auto messages = erp.drain();
    ASSERT_EQ(messages.size(), 2u);
    EXPECT_EQ(messages[1].messageId, std::to_string(ids[1]));
    std::string cursor;
    db_->session() << "SELECT subscriber FROM relay_cursors", into(cursor), now;
    EXPECT_EQ(cursor.rfind("amqps://localhost:", 0), 0u) << cursor;
    EXPECT_EQ(cursor.find("guest"), std::string::npos) << cursor;
    // By its IP address, which the certificate names too.
    append(1);
    EXPECT_EQ(subscription(broker_->tlsUrl("127.0.0.1"), certificates_->ca)->deliverDue(), 3u);
    EXPECT_EQ(erp.drain().size(), 3u) << "a new cursor (another URL) starts from the first event";
}

TEST_P(AmqpRelayTest, AnAmqpsBrokerWhoseCertificateDoesNotVerifyGetsNothing) {
    Consumer erp(broker_->port(), exchange_, exchange_ + ".erp");
    append(1);
    EXPECT_EQ(subscription(broker_->tlsUrl(), certificates_->otherCa)->deliverDue(), 0u);
    EXPECT_EQ(cursorRow().failures, 1);
    EXPECT_TRUE(erp.drain().empty());
    EXPECT_EQ(subscription(broker_->tlsUrl(), "")->deliverDue(), 0u) << "the system's CAs do not know the test CA";
    EXPECT_TRUE(erp.drain().empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, AmqpRelayTest, ::testing::ValuesIn(orderhost::testing::testBackends()),
                         orderhost::testing::backendName);

}  // namespace
}  // namespace orderhost::events
