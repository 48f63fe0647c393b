// One webhook subscriber: a thread that delivers outbox events to its URL one at a time, in
// outbox delivery order (Outbox.h), and moves the subscriber's durable cursor only after a 2xx.
//
// At-least-once: an event is delivered again when the host stops (or dies) between the 2xx and
// the cursor update, or when a relay lost its lease mid-delivery (a stall longer than the
// lease) and another host took over. Receivers deduplicate by the Idempotency-Key header.
// A failed delivery (no answer, timeout, any non-2xx) blocks the subscriber — later events wait,
// so order holds — and is retried after an exponential backoff kept in the database; with
// maxAttempts set, an event refused that often is set aside as a dead letter
// (store/DeadLetters.h) and the events after it flow. Dead letters an administrator asked to
// replay are delivered before new events.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "host/events/RelayCursor.h"
#include "host/events/WebhookClient.h"
#include "host/store/DeadLetters.h"
#include "host/store/Outbox.h"

namespace orderhost::events {

struct RelayOptions {
    std::string owner;  // who holds subscribers' leases: the host id, the same across restarts
    std::chrono::milliseconds pollInterval{500};  // how often to look for new events when idle
    std::chrono::milliseconds lease{30000};       // another host takes over this long after a stall
    std::chrono::milliseconds retryMin{1000};     // backoff after the first failure, doubling…
    std::chrono::milliseconds retryMax{300000};   // …up to this
    WebhookTimeouts timeouts;
    std::vector<std::string> signingSecrets;        // events.webhook_secret; empty: unsigned
    WebhookTls tls;                                 // events.webhook_ca_file
    int maxAttempts = 0;                            // events.webhook_max_attempts; 0: never set aside
    std::string amqpUrl;                            // events.amqp_url; empty: no AMQP subscriber
    std::string amqpExchange = "orderhost.events";  // events.amqp_exchange
    std::string amqpCaFile;                         // events.amqp_ca_file (amqps://); empty: the system's CAs
    std::size_t batch = 100;                        // events read per query
    std::function<std::int64_t()> clock;            // ms since the epoch; empty: the system clock
};

class WebhookSubscription {
public:
    // Throws std::invalid_argument for a URL the client cannot use.
    WebhookSubscription(store::Database& db, const std::string& url, const RelayOptions& options);
    // Any other sink (an AMQP exchange); `subscriber` names its cursor row (no credentials).
    WebhookSubscription(store::Database& db, std::unique_ptr<EventSink> sink, const std::string& subscriber,
                        const RelayOptions& options);
    ~WebhookSubscription();
    WebhookSubscription(const WebhookSubscription&) = delete;
    WebhookSubscription& operator=(const WebhookSubscription&) = delete;

    void start();
    // Waits for the delivery in flight (bounded by the client's timeouts), then gives up the lease.
    void stop();

    // One pass: claims the lease and delivers what is due. Returns how many events were
    // acknowledged. Tests call it directly; the thread calls it in a loop.
    std::size_t deliverDue();

private:
    void loop();
    bool stopping();
    std::int64_t now() const;
    std::int64_t backoffMs(int failures) const;
    std::optional<CursorState> holdLease();
    void fail(const store::OutboxEvent& event, const DeliveryResult& result);
    void deliverReplays();

    store::OutboxReader reader_;
    store::DeadLetters deadLetters_;
    RelayCursor cursor_;
    std::unique_ptr<EventSink> sink_;
    RelayOptions options_;
    // The cursor as this relay last wrote it, valid while it holds the lease (nobody else can
    // move it then). Spares an idle relay a write transaction per poll: it renews only when
    // half the lease is gone, which matters on SQLite, where every write takes the one lock.
    std::optional<CursorState> held_;
    std::int64_t heldUntilMs_ = 0;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace orderhost::events
