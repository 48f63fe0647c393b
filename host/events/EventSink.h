// Where a relay subscription delivers outbox events: a webhook URL (WebhookClient.h) or an AMQP
// exchange (AmqpPublisher.h). The subscription (WebhookSubscription.h) keeps the cursor, the
// lease, the backoff and the dead letters; a sink only makes one delivery and says whether the
// receiver took it.
#pragma once

#include <string>

#include "host/store/Outbox.h"

namespace orderhost::events {

struct DeliveryResult {
    bool delivered = false;  // the receiver acknowledged it (HTTP 2xx, AMQP publisher confirm)
    int status = 0;          // the HTTP status; 0 when there was none
    std::string error;       // why it failed, for logs (never contains credentials)
    // The receiver answered and refused this event (HTTP 4xx but 408/429; AMQP nack): what
    // events.webhook_max_attempts counts. No answer, a timeout or a 5xx is an outage, retried
    // for as long as it lasts, so an outage never turns a run of events into dead letters.
    bool refused = false;
};

class EventSink {
public:
    virtual ~EventSink() = default;
    // One delivery; never throws: a failure is a result.
    virtual DeliveryResult deliver(const store::OutboxEvent& event) = 0;
    // The destination without credentials, for logs and metrics.
    virtual const std::string& describe() const = 0;
};

}  // namespace orderhost::events
