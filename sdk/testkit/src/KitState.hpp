// KitState.hpp — what one test kit holds. The kit's address is the oh_context* handed to the
// plugin, so every service finds its kit without a lookup.
#ifndef ORDERHOST_TESTKIT_KIT_STATE_HPP
#define ORDERHOST_TESTKIT_KIT_STATE_HPP

#include <orderhost/testkit.h>

#include "KitDatabase.hpp"
#include "KitDocument.hpp"

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace orderhost::testkit {

struct LogLine {
  oh_log_level level;
  std::string message;
};

struct Event {
  std::string type;
  std::string payload;
};

// A copy of what report_outcome() received, with owned strings.
struct ReportedOutcome {
  oh_outcome_kind kind = OH_OUTCOME_CONTINUE;
  std::string code, message, signal;
  std::uint64_t retryAfterMs = 0, timeoutMs = 0;
  bool unreadable = false;  // struct_size below its 1.0 form
};

// The last call's result as oh_testkit_result exposes it (the C struct points into these).
struct ResultText {
  std::string code, message, signal;
  oh_testkit_result view{OH_OUTCOME_CONTINUE, "", "", "", 0, 0, 0, 0, 0};
};

}  // namespace orderhost::testkit

struct oh_testkit {
  int level = OH_TESTKIT_HOST_1_2;
  std::string pluginPath;
  const oh_plugin_info* plugin = nullptr;
  std::string setupError;
  std::string tablePrefix;
  std::unique_ptr<orderhost::testkit::KitDatabase> db;

  // Inputs.
  orderhost::testkit::Json order = orderhost::testkit::Json::object();
  orderhost::testkit::Json config = orderhost::testkit::Json::object();
  std::string configText = "{}";
  std::string orderId = "order-1";
  std::int64_t now = 1767225600000;  // 2026-01-01T00:00:00Z
  std::int64_t clockStep = 0;
  std::uint64_t timeoutMs = 0;

  // The step instance.
  const oh_step_kind* kind = nullptr;
  void* instance = nullptr;
  std::string stepName;

  // The current call. The services lock `mutex`: a plugin may call them from its threads.
  mutable std::mutex mutex;
  bool inCreate = false;
  bool inStep = false;
  bool abandoned = false;
  std::int64_t deadline = 0;
  std::optional<orderhost::testkit::ReportedOutcome> reported;
  std::string reportedError;
  std::vector<orderhost::testkit::Event> callEvents;
  std::deque<std::string> handedOut;  // strings given to the plugin, valid until the next call

  // Captures for the test. Deques: appending never moves the strings already handed out.
  std::deque<orderhost::testkit::LogLine> logs;
  std::deque<orderhost::testkit::Event> events;
  orderhost::testkit::ResultText result;
  std::deque<std::string> returned;  // strings given to the test, valid until the next setter
};

namespace orderhost::testkit {

// The services table, host_info and extensions of a host level (Services.cpp).
const oh_host_info& hostInfo(int level);
// log_plugin() reaches the kits that loaded the plugin through this registry.
void registerKit(oh_testkit* kit);
void unregisterKit(oh_testkit* kit);
// True when the current call passed its deadline (sticky for the call). Caller holds mutex.
bool callAbandoned(oh_testkit& kit);

}  // namespace orderhost::testkit

#endif  // ORDERHOST_TESTKIT_KIT_STATE_HPP
