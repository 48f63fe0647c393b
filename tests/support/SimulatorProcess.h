// A simulator of an outside system (scripts/simulators/*.py) as a process a test starts and
// stops: a free loopback port (the script's --port 0, read from its first line "... listening
// on 127.0.0.1:PORT"), its ledger in a SQLite file of its own folder, its stderr in a log, and
// JSON requests to its API. GatewaySimulator and CarrierSimulator add typed access to their
// ledgers. No manual setup: every test that needs a simulator starts its own.
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/Process.h>

#include <memory>
#include <string>

namespace orderhost::testing {

class SimulatorProcess {
public:
    // `script`: the simulator's path; `name`: for messages and the log; `extraArgs`: appended to
    // its command line as they are (e.g. "--callback-interval-ms 100").
    SimulatorProcess(const std::string& script, const std::string& name, const std::string& extraArgs = "");
    ~SimulatorProcess();
    SimulatorProcess(const SimulatorProcess&) = delete;
    SimulatorProcess& operator=(const SimulatorProcess&) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    unsigned short port() const { return port_; }

    // Any request; returns the status and puts the body into `body`. `headers`: "Name: value"
    // lines joined by '\n' (e.g. an Idempotency-Key).
    int request(const std::string& method, const std::string& path, const std::string& json, std::string& body,
                const std::string& headers = "") const;
    // GET `path`, parsed; throws std::runtime_error when the answer is not 200.
    Poco::JSON::Object::Ptr getJson(const std::string& path) const;
    // POST /admin/faults with this JSON object, e.g. {"lose_response_count": 1}.
    void setFaults(const std::string& json) const;
    // How often an idempotency key reached the simulator (1 = once; 2 = once more, answered
    // from its record); 0 when never.
    int uses(const std::string& idempotencyKey) const;
    std::string log() const;

private:
    std::string name_;
    std::string folder_;
    unsigned short port_ = 0;
    std::unique_ptr<Poco::ProcessHandle> process_;
};

}  // namespace orderhost::testing
