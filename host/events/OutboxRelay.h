// The outbox relay: delivers every outbox event to every webhook URL of `events.webhooks` and to
// the AMQP exchange of `events.amqp_url` (AmqpPublisher.h), each subscriber in its own thread (WebhookSubscription.h)
// so that a slow or failing receiver delays no other. It only reads the outbox and writes relay_cursors, on pooled
// sessions of its own: the engine never waits for it.
//
// Several hosts on one database each run a relay for the same URLs; a lease per subscriber
// (RelayCursor.h) lets one of them deliver at a time, another taking over when it stops.
//
//   events::RelayOptions options;
//   options.owner = hostId;
//   events::OutboxRelay relay(db, settings.webhookUrls, options);  // throws on a bad URL
//   relay.start();
//   …
//   relay.stop();
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "host/events/WebhookSubscription.h"

namespace orderhost::events {

class OutboxRelay {
public:
    // Throws std::invalid_argument naming the first unusable URL (or an empty owner), so a
    // host refuses to start rather than silently not delivering.
    OutboxRelay(store::Database& db, const std::vector<std::string>& urls, const RelayOptions& options);
    ~OutboxRelay();
    OutboxRelay(const OutboxRelay&) = delete;
    OutboxRelay& operator=(const OutboxRelay&) = delete;

    void start();
    void stop();  // waits for deliveries in flight and gives up the leases

    std::size_t subscriberCount() const { return subscriptions_.size(); }

private:
    std::vector<std::unique_ptr<WebhookSubscription>> subscriptions_;
};

}  // namespace orderhost::events
