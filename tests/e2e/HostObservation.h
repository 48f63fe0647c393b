// What an end-to-end test watches a HostProcess do, shared by the e2e tests instead of each
// keeping its own copy: polling the order view until it reaches a state (signals, retries and
// timers run on their own), the events feed, and the rows plugins wrote to the host's database
// (read over ODBC with the host's own connection string, so on every backend).
#pragma once

#include "HostProcess.h"

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace orderhost::testing {

Poco::JSON::Object::Ptr parseObject(const std::string& json);

// Polls GET /v1/orders?order_ref=REF every 50 ms until `done` holds for the order view, and
// returns it; after `timeoutMs` a test failure naming `what` and the last state (the view is
// returned as it was, or null when the order never appeared).
Poco::JSON::Object::Ptr waitForOrder(const HostProcess& host, const std::string& ref,
                                     const std::function<bool(const Poco::JSON::Object::Ptr&)>& done,
                                     const std::string& what, int timeoutMs = 30000);
// Until the order's state is `state`.
Poco::JSON::Object::Ptr waitForState(const HostProcess& host, const std::string& ref, const std::string& state,
                                     int timeoutMs = 30000);
// Until the order is on hold at step `step`, waiting for `signal`.
Poco::JSON::Object::Ptr waitHeldAt(const HostProcess& host, const std::string& ref, const std::string& step,
                                   const std::string& signal, int timeoutMs = 30000);

// The order's events of `type` on the feed (GET /v1/events), oldest first, once at least
// `expected` are there (or after 30 s): on PostgreSQL the feed shows an event only once no
// earlier outbox id can still commit — other tests' writing transactions on the same server
// hold it back too.
std::vector<Poco::JSON::Object::Ptr> feedEvents(const HostProcess& host, const std::string& orderId,
                                                const std::string& type, std::size_t expected = 1);

// Reads the host's database through `connection` (an ODBC connection string).
class DatabaseRows {
public:
    explicit DatabaseRows(std::string connection) : connection_(std::move(connection)) {}
    // The first column of every row of `sql`, as text; each '?' is bound to `parameter`.
    std::vector<std::string> column(const std::string& sql, const std::string& parameter = "") const;
    // The first column of the single row of `sql` as an integer (COUNT, SUM); fails the test
    // and answers -1 when there is no row.
    std::int64_t number(const std::string& sql, const std::string& parameter = "") const;

private:
    std::string connection_;
};

}  // namespace orderhost::testing
