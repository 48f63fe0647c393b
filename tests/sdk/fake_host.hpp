// fake_host.hpp — a test-only host: the oh_host_services table over two in-memory JSON
// documents (Poco::JSON), recording everything a plugin reports.
//
// services() is a 1.0-level table (the 1.1 services absent), services11() a 1.1 table with
// get_bool, get_key, remove_value, is_abandoned, log_plugin and orderhost.events/1, so the
// SDK is tested on both kinds of host.
//
// One FakeHost is one plugin call context: its address is the oh_context*. createArgs()
// puts it in create() mode (the order is UNAVAILABLE, as in the real host); stepCall() in
// run() mode. Strings it hands out stay valid for the FakeHost's lifetime.
#ifndef ORDERHOST_TESTS_SDK_FAKE_HOST_HPP
#define ORDERHOST_TESTS_SDK_FAKE_HOST_HPP

#include <orderhost/plugin_api.h>

#include <Poco/Dynamic/Var.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace orderhost::testing {

struct RecordedOutcome {
    oh_outcome_kind kind = OH_OUTCOME_CONTINUE;
    std::string code;
    std::string message;
    std::string signal;
    std::uint64_t retry_after_ms = 0;
    std::uint64_t timeout_ms = 0;
};

class FakeHost {
public:
    explicit FakeHost(const std::string& order_json = "{}", const std::string& config_json = "{}");

    static const oh_host_services& services();
    static const oh_host_services& services11();
    // What log_plugin received (it has no context, hence static): plugin info and line.
    static std::vector<std::pair<const oh_plugin_info*, std::string>>& pluginLogs();
    // What the host passes to orderhost_plugin_entry; abi_major may be changed to test refusal.
    oh_host_info hostInfo(std::uint16_t abi_major = OH_ABI_MAJOR) const;
    oh_context* context() { return reinterpret_cast<oh_context*>(this); }

    oh_create_args createArgs();
    oh_step_call stepCall(std::uint32_t attempt = 1);

    // The order's value at `path` as JSON text; std::nullopt when absent.
    std::optional<std::string> orderJson(const std::string& path = "") const;

    std::int64_t now_ms = 1700000000000;
    bool creating = false;
    std::vector<std::pair<oh_log_level, std::string>> logs;
    std::vector<std::string> errors;
    std::vector<RecordedOutcome> outcomes;
    bool abandoned = false;                                   // what is_abandoned answers
    std::vector<std::pair<std::string, std::string>> events;  // orderhost.events/1: type, payload
    std::int64_t deadline_ms = 0;                             // put into stepCall()

    // Service implementations (public so the static C callbacks can reach them).
    oh_status getValue(oh_document doc, const std::string& path, Poco::Dynamic::Var& out) const;
    oh_status setValue(const std::string& path, const std::string& json);
    oh_status removeValue(const std::string& path);
    oh_str keep(std::string text);

private:
    Poco::Dynamic::Var order_;
    Poco::Dynamic::Var config_;
    std::string config_text_;
    std::deque<std::string> kept_;  // deque: growing it never moves the strings handed out
};

// A value's JSON text ("null" for an empty Var).
std::string toJson(const Poco::Dynamic::Var& value);

}  // namespace orderhost::testing

#endif  // ORDERHOST_TESTS_SDK_FAKE_HOST_HPP
