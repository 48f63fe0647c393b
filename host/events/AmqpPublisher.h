// Publishes outbox events to an AMQP 0-9-1 broker (RabbitMQ), with librabbitmq (Debian's
// librabbitmq-dev, the C client RabbitMQ's own docs list).
//
// Each event becomes one persistent message (delivery_mode 2) on a durable topic exchange
// (declared at connect), routing key = the event type ("order.completed"), message_id = the
// event id (consumers deduplicate by it: at least once), type = the event type, content_type
// application/json, the body the same JSON as the feed and the webhooks (EventJson.h). Publisher
// confirms make "delivered" mean "the broker took responsibility for it". Not mandatory: as on
// any topic exchange, an event no queue is bound for is dropped by the broker — subscribers
// bind the routing keys they want (a mandatory publish would stall the whole stream on the
// first event type nobody bound).
//
// amqps:// speaks TLS (1.2 or later) and verifies the broker's certificate and that it names the
// URL's host, against `caFile` or the system's CAs: the password never crosses in clear.
//
// The connection is kept between deliveries (heartbeats off: it idles between events) and
// opened again after any failure. A publish whose confirm was lost is published again on the
// retry: the consumer sees that message_id twice.
//
// Not thread-safe: one publisher per subscription worker.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "host/events/EventSink.h"

struct amqp_connection_state_t_;
struct amqp_socket_t_;

namespace orderhost::events {

struct AmqpSettings {
    std::string url;  // amqp[s]://user:password@host:port/vhost (amqp_parse_url)
    std::string exchange = "orderhost.events";
    std::chrono::milliseconds timeout{5000};  // connect, and each wait for the broker
    std::string caFile = "";  // amqps://: PEM CAs the broker's certificate must chain to; empty: the system's
};

class AmqpPublisher : public EventSink {
public:
    // Throws std::invalid_argument naming the problem when the URL or exchange is unusable.
    explicit AmqpPublisher(AmqpSettings settings);
    ~AmqpPublisher() override;
    AmqpPublisher(const AmqpPublisher&) = delete;
    AmqpPublisher& operator=(const AmqpPublisher&) = delete;

    DeliveryResult deliver(const store::OutboxEvent& event) override;
    // amqp[s]://host:port/vhost exchange <name>: no credentials. Also the subscription's cursor name.
    const std::string& describe() const override { return described_; }

private:
    void connect();  // throws std::runtime_error with the broker's or the socket's reason
    void disconnect();
    amqp_socket_t_* tlsSocket();  // amqps://: verifying the broker (throws std::runtime_error)
    DeliveryResult publish(const store::OutboxEvent& event);

    AmqpSettings settings_;
    std::string host_, user_, password_, vhost_;
    int port_ = 5672;
    bool tls_ = false;
    std::string described_;
    amqp_connection_state_t_* connection_ = nullptr;
    std::uint64_t published_ = 0;  // delivery tags on the channel: 1, 2, ... since the connect
};

}  // namespace orderhost::events
