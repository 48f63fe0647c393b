// Records real HTTP exchanges with a host and checks them against docs/openapi.yaml, so that
// the API description cannot drift from what the host answers (issue 13 item 1).
//
//   ContractRecorder contract(folder / "exchanges.jsonl");
//   HttpReply reply = contract.send(host, "POST", "/v1/orders", body);
//   ...
//   const ContractVerdict verdict = contract.validate();   // runs tests/tools/validate-responses.mjs
//   EXPECT_TRUE(verdict.passed) << verdict.report;
//
// The validator is a node script over ajv (JSON Schema 2020-12), installed with the pinned
// tools by scripts/install-test-tools.sh. Thread-safe: send() may be called from many threads.
#pragma once

#include "HostProcess.h"

#include <filesystem>
#include <map>
#include <mutex>
#include <string>

namespace orderhost::testing {

struct ContractVerdict {
    bool passed = false;
    std::string report;  // what the validator printed: every violation, then a summary line
};

class ContractRecorder {
public:
    // `headers` go with every request (e.g. the bearer token), under those send() is given.
    explicit ContractRecorder(std::filesystem::path file, std::map<std::string, std::string> headers = {});

    // Sends the request like HostProcess::request and appends the exchange to the file.
    HttpReply send(const HostProcess& host, const std::string& method, const std::string& target,
                   const std::string& body = "", const std::string& contentType = "application/json",
                   const std::map<std::string, std::string>& headers = {});
    HttpReply get(const HostProcess& host, const std::string& target) { return send(host, "GET", target); }
    HttpReply post(const HostProcess& host, const std::string& target, const std::string& body,
                   const std::map<std::string, std::string>& headers = {}) {
        return send(host, "POST", target, body, "application/json", headers);
    }

    // Validates every exchange recorded so far. `expectCoverage`: every described operation
    // must also have been answered with a 2xx at least once.
    ContractVerdict validate(bool expectCoverage = false) const;

    // Appends an exchange as if the host had answered `reply` (the validator's own tests).
    void record(const std::string& method, const std::string& target, const HttpReply& reply);

private:
    std::filesystem::path file_;
    std::map<std::string, std::string> headers_;
    std::mutex mutex_;
};

}  // namespace orderhost::testing
