// The payment gateway simulator (scripts/simulators/payment_gateway.py) as a process a test
// starts and stops: a free loopback port, its ledger in a SQLite file of its own folder, and
// typed access to its admin endpoint (fault injection) and ledger (what the outside world
// saw). No manual setup: every test that needs a gateway starts its own.
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/Process.h>

#include <cstdint>
#include <memory>
#include <string>

namespace orderhost::testing {

class GatewaySimulator {
public:
    GatewaySimulator();
    ~GatewaySimulator();
    GatewaySimulator(const GatewaySimulator&) = delete;
    GatewaySimulator& operator=(const GatewaySimulator&) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    unsigned short port() const { return port_; }

    // POST /admin/faults with this JSON object, e.g. {"lose_response_count": 1}.
    void setFaults(const std::string& json) const;
    // Any request; returns the status and puts the body into `body`.
    int request(const std::string& method, const std::string& path, const std::string& json, std::string& body) const;
    Poco::JSON::Object::Ptr getJson(const std::string& path) const;

    // Successful ledger entries of one operation ("authorization", "capture", "void", "refund").
    int count(const std::string& operation) const;
    // Captured minus refunded, in minor units: what the customer was charged in the end.
    std::int64_t netCaptured() const;
    // How often a key reached the gateway (1 = once; 2 = once more, answered from the record).
    int uses(const std::string& idempotencyKey) const;
    // The idempotency key of the first ledger entry of `operation` ("" when none).
    std::string keyOf(const std::string& operation) const;
    std::string log() const;

private:
    std::string folder_;
    unsigned short port_ = 0;
    std::unique_ptr<Poco::ProcessHandle> process_;
};

}  // namespace orderhost::testing
