// A RabbitMQ broker of the test's own (Debian's rabbitmq-server, started as a private node on
// free loopback ports in a temporary folder, with its own epmd), so AMQP tests need no setup
// and never touch a system broker. Starting takes a few seconds: share one per test suite.
// stop() and start() keep its data folder, as a broker restart would (durable queues and
// persistent messages survive).
#pragma once

#include <string>

namespace orderhost::testing {

// With TLS files the broker also listens for amqps:// (TLS, no client certificates asked).
struct BrokerTls {
    std::string ca, certificate, key;  // PEM files
};

class RabbitMqBroker {
public:
    // Starts it; throws std::runtime_error with its log when it does not come up.
    explicit RabbitMqBroker(const BrokerTls& tls = {});
    ~RabbitMqBroker();
    RabbitMqBroker(const RabbitMqBroker&) = delete;
    RabbitMqBroker& operator=(const RabbitMqBroker&) = delete;

    void start();
    void stop();
    // amqp://guest:guest@127.0.0.1:<port>/%2F (guest may log in over loopback).
    std::string url() const;
    unsigned short port() const { return amqpPort_; }
    // amqps://guest:guest@<host>:<tls port>/%2F (with BrokerTls only).
    std::string tlsUrl(const std::string& host = "localhost") const;
    std::string log() const;

private:
    std::string environment() const;  // the VAR=value prefix of every rabbitmq command

    std::string folder_, node_;
    unsigned short amqpPort_ = 0, tlsPort_ = 0, distPort_ = 0, epmdPort_ = 0;
    bool running_ = false;
};

}  // namespace orderhost::testing
