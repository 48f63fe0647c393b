// The webhook relay against real databases (SQLite, and PostgreSQL when configured) and a real
// HTTP receiver on loopback. Most tests drive WebhookSubscription::deliverDue() with a fake
// clock, so backoff and leases are checked without sleeping; the threaded tests use the
// real clock.
#include "host/events/OutboxRelay.h"
#include "host/events/WebhookSignature.h"
#include "host/store/DeadLetters.h"

#include "tests/host/events/WebhookReceiver.h"
#include "tests/support/TestDatabase.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include <atomic>
#include <filesystem>
#include <thread>

using namespace Poco::Data::Keywords;

namespace orderhost::events {
namespace {
using orderhost::testing::ReceivedRequest;
using orderhost::testing::TestBackend;
using orderhost::testing::WebhookReceiver;

// HMAC-SHA256 in hex by OpenSSL: a second implementation to check the host's (libsodium) against.
std::string opensslHmacHex(const std::string& key, const std::string& message) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
         message.size(), mac, &length);
    static const char* digits = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) {
        hex += digits[mac[i] >> 4];
        hex += digits[mac[i] & 15];
    }
    return hex;
}

std::vector<std::int64_t> eventIds(const std::vector<ReceivedRequest>& requests) {
    std::vector<std::int64_t> ids;
    for (const auto& r : requests) ids.push_back(std::stoll(r.headers.at("Idempotency-Key")));
    return ids;
}

class OutboxRelayTest : public ::testing::TestWithParam<TestBackend> {
protected:
    void SetUp() override {
        dir_ = orderhost::testing::makeTempDir("orderhost-events");
        database_ = std::make_unique<orderhost::testing::TestDatabase>(GetParam(), dir_);
        db_ = std::make_unique<store::Database>(database_->connectionString());
        options_.owner = "host-a";
        options_.retryMin = std::chrono::milliseconds(100);
        options_.retryMax = std::chrono::milliseconds(400);
        options_.pollInterval = std::chrono::milliseconds(20);
        options_.clock = [this] { return clock_.load(); };
    }
    void TearDown() override {
        db_.reset();
        database_.reset();
        std::filesystem::remove_all(dir_);
    }
    // Appends one event per type (order "o-<i>") in one transaction; returns their ids.
    std::vector<std::int64_t> append(int count) {
        db_->withTransaction("append", [&](Poco::Data::Session& s) {
            std::vector<store::OutboxEvent> events;
            for (int i = 0; i < count; ++i) {
                const std::string order = "o-" + std::to_string(appended_ + i);
                events.push_back({0, order, "order.received", R"({"order_id":")" + order + R"("})", 1764000000000});
            }
            store::appendOutboxEvents(s, *db_, events);
        });
        appended_ += count;
        return orderhost::testing::visibleOutboxIds(*db_, static_cast<std::size_t>(appended_));
    }
    std::unique_ptr<WebhookSubscription> subscription(const std::string& owner = "host-a") {
        RelayOptions options = options_;
        options.owner = owner;
        return std::make_unique<WebhookSubscription>(*db_, receiver_.url(), options);
    }
    CursorState cursorRow() {
        CursorState c;
        db_->session() << "SELECT last_event_id, failures, retry_at FROM relay_cursors", into(c.lastEventId),
            into(c.failures), into(c.retryAtMs), now;
        return c;
    }

    std::string dir_;
    std::unique_ptr<orderhost::testing::TestDatabase> database_;
    std::unique_ptr<store::Database> db_;
    WebhookReceiver receiver_;
    RelayOptions options_;
    std::atomic<std::int64_t> clock_{1764000000000};
    int appended_ = 0;
};

TEST_P(OutboxRelayTest, DeliversEveryEventInOrderAsJsonWithItsIdempotencyKey) {
    const auto ids = append(5);
    auto relay = subscription();
    EXPECT_EQ(relay->deliverDue(), 5u);
    const auto requests = receiver_.requests();
    ASSERT_EQ(requests.size(), 5u);
    EXPECT_EQ(eventIds(requests), ids);
    const ReceivedRequest& first = requests[0];
    EXPECT_EQ(first.method, "POST");
    EXPECT_EQ(first.path, "/hooks");
    EXPECT_EQ(first.headers.at("Content-Type"), "application/json");
    EXPECT_EQ(first.headers.at("X-Orderhost-Event-Id"), std::to_string(ids[0]));
    EXPECT_EQ(first.headers.at("X-Orderhost-Event-Type"), "order.received");
    auto body = Poco::JSON::Parser().parse(first.body).extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(body->getValue<std::int64_t>("id"), ids[0]);
    EXPECT_EQ(body->getValue<std::string>("type"), "order.received");
    EXPECT_EQ(body->getObject("payload")->getValue<std::string>("order_id"), "o-0");
    EXPECT_EQ(cursorRow().lastEventId, ids.back());
    EXPECT_EQ(relay->deliverDue(), 0u) << "nothing new: nothing sent again";
    EXPECT_EQ(receiver_.requests().size(), 5u);
}

TEST_P(OutboxRelayTest, AFailedDeliveryIsRetriedAfterABackoffAndTheCursorWaits) {
    const auto ids = append(3);
    receiver_.answerNext({500, 503});
    auto relay = subscription();
    EXPECT_EQ(relay->deliverDue(), 0u);
    CursorState row = cursorRow();
    EXPECT_EQ(row.lastEventId, 0);
    EXPECT_EQ(row.failures, 1);
    EXPECT_EQ(row.retryAtMs, clock_ + 100);
    EXPECT_EQ(relay->deliverDue(), 0u) << "still backing off";
    EXPECT_EQ(receiver_.requests().size(), 1u);

    clock_ += 100;
    EXPECT_EQ(relay->deliverDue(), 0u);
    row = cursorRow();
    EXPECT_EQ(row.failures, 2);
    EXPECT_EQ(row.retryAtMs, clock_ + 200) << "the delay doubles";

    clock_ += 200;
    EXPECT_EQ(relay->deliverDue(), 3u);
    EXPECT_EQ(eventIds(receiver_.requests()), (std::vector<std::int64_t>{ids[0], ids[0], ids[0], ids[1], ids[2]}));
    row = cursorRow();
    EXPECT_EQ(row.lastEventId, ids.back());
    EXPECT_EQ(row.failures, 0);
}

// Issue 13: with events.webhook_max_attempts an event refused that often is set aside (a dead
// letter) and the events after it flow; a replay delivers it once more, before new events.
TEST_P(OutboxRelayTest, AnEventRefusedMaxAttemptsTimesBecomesADeadLetterAndCanBeReplayed) {
    const auto ids = append(3);
    receiver_.answerNext({500, 422});
    options_.maxAttempts = 2;
    auto relay = subscription();
    EXPECT_EQ(relay->deliverDue(), 0u);
    clock_ += 100;
    EXPECT_EQ(relay->deliverDue(), 0u) << "the second refusal sets it aside";
    EXPECT_EQ(cursorRow().lastEventId, ids[0]);
    EXPECT_EQ(cursorRow().failures, 0);
    store::DeadLetters letters(*db_);
    auto dead = letters.list("", 10);
    ASSERT_EQ(dead.size(), 1u);
    EXPECT_EQ(dead[0].eventId, ids[0]);
    EXPECT_EQ(dead[0].attempts, 2);
    EXPECT_EQ(dead[0].state, "dead");
    EXPECT_EQ(dead[0].eventType, "order.received");
    EXPECT_NE(dead[0].lastError.find("422"), std::string::npos) << dead[0].lastError;

    EXPECT_EQ(relay->deliverDue(), 2u) << "the events after it flow";
    EXPECT_EQ(letters.requestReplay(dead[0].id), store::ReplayRequest::Requested);
    EXPECT_EQ(letters.requestReplay(dead[0].id), store::ReplayRequest::AlreadyRequested);
    EXPECT_EQ(letters.requestReplay(dead[0].id + 1000), store::ReplayRequest::Unknown);
    EXPECT_EQ(relay->deliverDue(), 0u);  // nothing new; the replay went out first
    EXPECT_EQ(eventIds(receiver_.requests()), (std::vector<std::int64_t>{ids[0], ids[0], ids[1], ids[2], ids[0]}));
    dead = letters.list("", 10);
    EXPECT_EQ(dead[0].state, "replayed");
    EXPECT_GT(dead[0].replayedAtMs, 0);
    EXPECT_EQ(letters.requestReplay(dead[0].id), store::ReplayRequest::AlreadyReplayed);
    EXPECT_EQ(relay->deliverDue(), 0u);
    EXPECT_EQ(receiver_.requests().size(), 5u) << "a replayed letter is not delivered again";
}

// An outage (5xx, no answer) is retried for as long as it lasts: only a refusal makes a dead
// letter, so a receiver that is down does not get its events set aside one after another.
TEST_P(OutboxRelayTest, AnOutageNeverMakesDeadLetters) {
    const auto ids = append(1);
    receiver_.answerNext({503, 503, 503});
    options_.maxAttempts = 2;
    auto relay = subscription();
    for (int attempt = 0; attempt < 3; ++attempt) {
        EXPECT_EQ(relay->deliverDue(), 0u);
        clock_ += 1000;
    }
    EXPECT_EQ(store::DeadLetters(*db_).list("", 10).size(), 0u);
    EXPECT_EQ(cursorRow().failures, 3);
    EXPECT_EQ(relay->deliverDue(), 1u) << "back: delivered in order";
    EXPECT_EQ(cursorRow().lastEventId, ids.back());
}

TEST_P(OutboxRelayTest, AReceiverThatIsDownCountsAsAFailure) {
    append(1);
    RelayOptions options = options_;
    options.timeouts.connect = std::chrono::milliseconds(500);
    WebhookSubscription relay(*db_, "http://127.0.0.1:1/hooks", options);  // nothing listens on port 1
    EXPECT_EQ(relay.deliverDue(), 0u);
    EXPECT_EQ(cursorRow().failures, 1);
    EXPECT_EQ(cursorRow().lastEventId, 0);
}

TEST_P(OutboxRelayTest, TheCursorSurvivesARestart) {
    const auto first = append(3);
    subscription()->deliverDue();
    db_ = std::make_unique<store::Database>(database_->connectionString());  // as after a restart
    const auto all = append(2);
    EXPECT_EQ(subscription()->deliverDue(), 2u);
    EXPECT_EQ(eventIds(receiver_.requests()), all);
}

TEST_P(OutboxRelayTest, AnotherHostTakesOverOnlyWhenTheLeaseIsGivenUpOrExpired) {
    append(2);
    auto a = subscription("host-a");
    auto b = subscription("host-b");
    EXPECT_EQ(a->deliverDue(), 2u);
    append(1);
    EXPECT_EQ(b->deliverDue(), 0u) << "host-a holds the lease";
    clock_ += 30001;  // host-a stopped renewing: as if it died
    EXPECT_EQ(b->deliverDue(), 1u);
    append(1);
    EXPECT_EQ(a->deliverDue(), 0u) << "now host-b holds it";
    EXPECT_EQ(receiver_.requests().size(), 3u);
}

TEST_P(OutboxRelayTest, AnIdleRelayRenewsItsLeaseOnlyWhenHalfOfItIsGone) {
    auto relay = subscription();
    auto leaseUntil = [&] {
        Poco::Int64 until = 0;
        db_->session() << "SELECT lease_until FROM relay_cursors", into(until), now;
        return until;
    };
    const std::int64_t start = clock_;
    relay->deliverDue();
    EXPECT_EQ(leaseUntil(), start + 30000);
    clock_ += 14000;
    relay->deliverDue();
    EXPECT_EQ(leaseUntil(), start + 30000) << "no write while idle";
    clock_ += 2000;
    relay->deliverDue();
    EXPECT_EQ(leaseUntil(), clock_ + 30000);
}

TEST_P(OutboxRelayTest, TwoRunningRelaysDeliverEachEventOnceInOrder) {
    const auto ids = append(40);
    options_.clock = nullptr;  // real time: threads
    OutboxRelay a(*db_, {receiver_.url()}, [&] {
        auto o = options_;
        o.owner = "host-a";
        return o;
    }());
    OutboxRelay b(*db_, {receiver_.url()}, [&] {
        auto o = options_;
        o.owner = "host-b";
        return o;
    }());
    a.start();
    b.start();
    ASSERT_TRUE(receiver_.waitFor(ids.size()));
    a.stop();  // host-b takes over the subscriber at once
    const auto all = append(5);
    ASSERT_TRUE(receiver_.waitFor(all.size()));
    b.stop();
    EXPECT_EQ(eventIds(receiver_.requests()), all);
}

// Issue 13: webhooks were unsigned. A receiver verifies v1 = HMAC-SHA256(secret, "t.body") as
// docs/api.md#webhooks shows; two secrets (a rotation) give two v1 values.
TEST_P(OutboxRelayTest, SignedDeliveriesCarryAnHmacOverTheTimestampAndTheBody) {
    append(2);
    options_.signingSecrets = {"first-secret-0123456789", "second-secret-0123456789"};
    const auto before =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    EXPECT_EQ(subscription()->deliverDue(), 2u);
    const auto requests = receiver_.requests();
    ASSERT_EQ(requests.size(), 2u);
    for (const auto& request : requests) {
        const std::string header = request.headers.at("X-Orderhost-Signature");
        ASSERT_EQ(header.compare(0, 2, "t="), 0) << header;
        const auto comma = header.find(',');
        const std::string stamp = header.substr(2, comma - 2);
        EXPECT_GE(std::stoll(stamp), before);
        EXPECT_EQ(header.substr(comma),
                  ",v1=" + opensslHmacHex("first-secret-0123456789", stamp + "." + request.body) +
                      ",v1=" + opensslHmacHex("second-secret-0123456789", stamp + "." + request.body));
        // A changed body or timestamp does not verify.
        EXPECT_EQ(header.find(opensslHmacHex("first-secret-0123456789", stamp + "." + request.body + " ")),
                  std::string::npos);
    }
    // RFC 4231 test case 2, against the host's own function.
    EXPECT_EQ(hmacSha256Hex("Jefe", "what do ya want for nothing?"),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// Issue 13: https:// webhooks. The receiver's certificate is trusted only through
// events.webhook_ca_file; without it the delivery fails and the cursor waits.
TEST_P(OutboxRelayTest, HttpsWebhooksVerifyTheReceiversCertificate) {
    orderhost::testing::makeSelfSignedCertificate(dir_);
    WebhookReceiver secure(dir_ + "/cert.pem", dir_ + "/key.pem");
    const auto ids = append(2);
    RelayOptions untrusting = options_;
    WebhookSubscription refused(*db_, secure.url(), untrusting);
    EXPECT_EQ(refused.deliverDue(), 0u);
    EXPECT_TRUE(secure.requests().empty());
    EXPECT_EQ(cursorRow().failures, 1);
    EXPECT_EQ(cursorRow().lastEventId, 0);

    RelayOptions trusting = options_;
    trusting.tls.caFile = dir_ + "/cert.pem";
    trusting.owner = "host-b";
    clock_ += 3600 * 1000;  // past the backoff and host-a's lease
    WebhookSubscription relay(*db_, secure.url(), trusting);
    EXPECT_EQ(relay.deliverDue(), 2u);
    ASSERT_EQ(secure.requests().size(), 2u);
    EXPECT_EQ(eventIds(secure.requests()), ids);
    EXPECT_EQ(cursorRow().lastEventId, ids.back());
    EXPECT_THROW(WebhookSubscription(*db_, secure.url(),
                                     [&] {
                                         RelayOptions missing = options_;
                                         missing.tls.caFile = dir_ + "/no-such-ca.pem";
                                         return missing;
                                     }()),
                 std::invalid_argument);
}

// A trusted certificate that names another host is refused, also on 127.0.0.1 (Poco's
// VERIFY_RELAXED would skip the name there; the client uses VERIFY_STRICT).
TEST_P(OutboxRelayTest, AHttpsReceiverWhoseCertificateNamesAnotherHostGetsNothing) {
    orderhost::testing::makeSelfSignedCertificate(dir_, "elsewhere.example");
    WebhookReceiver secure(dir_ + "/cert.pem", dir_ + "/key.pem");
    append(1);
    RelayOptions trusting = options_;
    trusting.tls.caFile = dir_ + "/cert.pem";
    WebhookSubscription relay(*db_, secure.url(), trusting);
    EXPECT_EQ(relay.deliverDue(), 0u);
    EXPECT_TRUE(secure.requests().empty());
    EXPECT_EQ(cursorRow().failures, 1);
    EXPECT_EQ(cursorRow().lastEventId, 0);
}

TEST_P(OutboxRelayTest, UnsignedWithoutASecret) {
    append(1);
    EXPECT_EQ(subscription()->deliverDue(), 1u);
    ASSERT_EQ(receiver_.requests().size(), 1u);
    EXPECT_EQ(receiver_.requests()[0].headers.count("X-Orderhost-Signature"), 0u);
}

TEST_P(OutboxRelayTest, RefusesUrlsItCannotDeliverTo) {
    EXPECT_THROW(OutboxRelay(*db_, {"ftp://erp.example/hooks"}, options_), std::invalid_argument);
    EXPECT_THROW(OutboxRelay(*db_, {"hooks"}, options_), std::invalid_argument);
    EXPECT_THROW(OutboxRelay(*db_, {"http://[bad"}, options_), std::invalid_argument);
    RelayOptions anonymous = options_;
    anonymous.owner.clear();
    EXPECT_THROW(OutboxRelay(*db_, {receiver_.url()}, anonymous), std::invalid_argument);
    EXPECT_EQ(OutboxRelay(*db_, {receiver_.url(), receiver_.url()}, options_).subscriberCount(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, OutboxRelayTest, ::testing::ValuesIn(orderhost::testing::testBackends()),
                         orderhost::testing::backendName);

}  // namespace
}  // namespace orderhost::events
