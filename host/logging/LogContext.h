// Correlation fields for log lines: which HTTP request, order, step, plugin and event a line
// is about. They live in the thread that does the work; a LogScope sets some of them for as
// long as it exists, and both log formats (LogFormat.h) write them with every line.
//
//   LogScope request({.requestId = id});          // ApiRequestHandler, per request
//   LogScope order({.orderId = order.id, .chain = order.chain});  // ChainRunner, per run
//   spdlog::info("...");                           // carries request_id, order_id, chain
//
// Work handed to another thread takes the fields along: capture currentLogFields() and open
// a LogScope with them there (ChainRunner does so for plugin calls on step workers).
#pragma once

#include <string>

namespace orderhost::logging {

struct LogFields {
    std::string requestId;
    std::string orderId;
    std::string chain;
    std::string step;
    std::string plugin;
    std::string eventId;
};

// This thread's fields (empty ones are not written).
const LogFields& currentLogFields();

// This thread's fields with `step` and `plugin` set: what a plugin call on a worker logs with.
LogFields fieldsForStep(const std::string& step, const std::string& plugin);

// Sets the non-empty fields of `fields` until it is destroyed, then restores what was there.
class LogScope {
public:
    explicit LogScope(const LogFields& fields);
    ~LogScope();
    LogScope(const LogScope&) = delete;
    LogScope& operator=(const LogScope&) = delete;

private:
    LogFields previous_;  // only the fields this scope set (changed_) hold anything
    unsigned changed_ = 0;
};

// A request id for a request that came without a usable X-Request-Id: 32 random hex digits.
std::string newRequestId();
// A client's X-Request-Id is kept when it is 1 to 128 printable ASCII characters without space
// (it is echoed in a header and written to logs).
bool isUsableRequestId(const std::string& id);

}  // namespace orderhost::logging
