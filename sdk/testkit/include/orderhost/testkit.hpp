// orderhost/testkit.hpp — the test kit for C++ tests: a thin RAII wrapper over testkit.h.
//
// FakeHost owns one oh_testkit: it loads your plugin's built .so, applies its migrations to a
// temporary SQLite database, and runs create/run/compensate like the host, capturing the
// outcome, errors, log lines and events. It throws std::runtime_error only for mistakes in
// the test's own setup (a plugin that does not load, JSON that does not parse, bad SQL);
// everything the plugin does is returned for you to check. Works with any test framework.
//
// Example (GoogleTest):
//   orderhost::testkit::FakeHost host(PLUGIN_PATH);
//   host.config(R"({"minimum_minor": 5000})").create("check-minimum");
//   host.order(R"({"totals": {"net": 1200, "currency": "EUR"}})");
//   host.run();
//   EXPECT_EQ(host.result().kind, OH_OUTCOME_REJECT);
//   EXPECT_EQ(host.result().code, "below_minimum");
//   EXPECT_EQ(host.queryInt("SELECT COUNT(*) FROM acme_minimum_order_checks"), 1);
//
// Thread contract: like oh_testkit, one FakeHost per test thread.
#ifndef ORDERHOST_TESTKIT_HPP
#define ORDERHOST_TESTKIT_HPP

#include <orderhost/testkit.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace orderhost::testkit {

// The host level FakeHost pretends to be (see OH_TESTKIT_HOST_*).
enum class HostLevel {
  v1_0 = OH_TESTKIT_HOST_1_0,
  v1_1 = OH_TESTKIT_HOST_1_1,
  v1_2 = OH_TESTKIT_HOST_1_2
};

// What the host records for the last run()/compensate() (see oh_testkit_last_result).
struct Result {
  oh_outcome_kind kind = OH_OUTCOME_CONTINUE;
  std::string code;
  std::string message;
  std::string signal;
  std::uint64_t retry_after_ms = 0;
  std::uint64_t timeout_ms = 0;
  bool reported = false;
  bool kept = false;
  bool abandoned = false;
};

struct LogLine {
  oh_log_level level;
  std::string message;
};

struct Event {
  std::string type;
  std::string payload;  // JSON object text
};

class FakeHost {
 public:
  explicit FakeHost(const std::string& plugin_path, HostLevel level = HostLevel::v1_2)
      : kit_(oh_testkit_new(plugin_path.c_str(), static_cast<int>(level))) {
    if (kit_ == nullptr) throw std::runtime_error("test kit: out of memory");
    if (*oh_testkit_setup_error(kit_) != '\0') {
      std::string error = oh_testkit_setup_error(kit_);
      oh_testkit_free(kit_);
      throw std::runtime_error(error);
    }
  }
  ~FakeHost() { oh_testkit_free(kit_); }
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;
  FakeHost(FakeHost&& other) noexcept : kit_(other.kit_) { other.kit_ = nullptr; }
  FakeHost& operator=(FakeHost&& other) noexcept {
    std::swap(kit_, other.kit_);
    return *this;
  }

  oh_testkit* get() const noexcept { return kit_; }
  const oh_plugin_info& plugin() const { return *oh_testkit_plugin(kit_); }
  std::string tablePrefix() const { return oh_testkit_table_prefix(kit_); }

  // ---- inputs (chainable) ----
  FakeHost& order(const std::string& json) {
    return check(oh_testkit_set_order(kit_, json.c_str()));
  }
  FakeHost& config(const std::string& json) {
    return check(oh_testkit_set_config(kit_, json.c_str()));
  }
  FakeHost& orderId(const std::string& id) {
    oh_testkit_set_order_id(kit_, id.c_str());
    return *this;
  }
  FakeHost& now(std::int64_t ms) {
    oh_testkit_set_now(kit_, ms);
    return *this;
  }
  FakeHost& advance(std::int64_t ms) {
    oh_testkit_advance(kit_, ms);
    return *this;
  }
  FakeHost& clockStep(std::int64_t ms) {
    oh_testkit_set_clock_step(kit_, ms);
    return *this;
  }
  FakeHost& timeout(std::uint64_t ms) {
    oh_testkit_set_timeout(kit_, ms);
    return *this;
  }
  std::int64_t now() const { return oh_testkit_now(kit_); }

  // ---- calls: each returns the plugin's status; see result() for the outcome ----
  oh_status create(const std::string& step_kind) {
    return oh_testkit_create(kit_, step_kind.c_str());
  }
  oh_status run(std::uint32_t attempt = 1) { return oh_testkit_run(kit_, attempt); }
  oh_status compensate(std::uint32_t attempt = 1) { return oh_testkit_compensate(kit_, attempt); }
  // A what-if run for a quote (oh_testkit_quote): nothing in the database is kept.
  oh_status quote() { return oh_testkit_quote(kit_); }

  // ---- results ----
  Result result() const {
    const oh_testkit_result& r = *oh_testkit_last_result(kit_);
    return Result{r.kind,       r.code,          r.message,   r.signal,        r.retry_after_ms,
                  r.timeout_ms, r.reported != 0, r.kept != 0, r.abandoned != 0};
  }
  std::string reportedError() const { return oh_testkit_reported_error(kit_); }
  // What the kit itself refused last (a step kind it does not know, a call without create).
  std::string setupError() const { return oh_testkit_setup_error(kit_); }

  // The order's value at `pointer` as JSON text; std::nullopt when absent.
  std::optional<std::string> orderJson(const std::string& pointer = "") const {
    const char* json = oh_testkit_order_json(kit_, pointer.c_str());
    return json ? std::optional<std::string>(json) : std::nullopt;
  }
  std::optional<std::string> orderString(const std::string& pointer) const {
    const char* value = oh_testkit_order_string(kit_, pointer.c_str());
    return value ? std::optional<std::string>(value) : std::nullopt;
  }
  std::optional<std::int64_t> orderInt(const std::string& pointer) const {
    std::int64_t value = 0;
    return oh_testkit_order_int(kit_, pointer.c_str(), &value) == 0
               ? std::optional<std::int64_t>(value)
               : std::nullopt;
  }

  std::vector<LogLine> logs() const {
    std::vector<LogLine> lines;
    for (std::size_t i = 0; i < oh_testkit_log_count(kit_); ++i)
      lines.push_back({oh_testkit_log_level(kit_, i), oh_testkit_log_message(kit_, i)});
    return lines;
  }
  std::size_t logged(const std::string& text) const {
    return oh_testkit_logged(kit_, text.c_str());
  }

  std::vector<Event> events() const {
    std::vector<Event> all;
    for (std::size_t i = 0; i < oh_testkit_event_count(kit_); ++i)
      all.push_back({oh_testkit_event_type(kit_, i), oh_testkit_event_payload(kit_, i)});
    return all;
  }

  // ---- the database ----
  std::string databasePath() const { return oh_testkit_database_path(kit_); }
  FakeHost& sql(const std::string& statements) {
    return check(oh_testkit_sql(kit_, statements.c_str()));
  }
  // Rows as JSON text: [{"column": value, ...}, ...].
  std::string query(const std::string& sql) {
    const char* rows = oh_testkit_query(kit_, sql.c_str());
    if (rows == nullptr) throw std::runtime_error(oh_testkit_setup_error(kit_));
    return rows;
  }
  // The first column of the first row; throws when there is none or it is not an integer.
  std::int64_t queryInt(const std::string& sql) {
    std::int64_t value = 0;
    if (oh_testkit_query_int(kit_, sql.c_str(), &value) != 0)
      throw std::runtime_error("no integer from: " + sql + " " + oh_testkit_setup_error(kit_));
    return value;
  }

 private:
  FakeHost& check(int rc) {
    if (rc != 0) throw std::runtime_error(oh_testkit_setup_error(kit_));
    return *this;
  }

  oh_testkit* kit_;
};

}  // namespace orderhost::testkit

#endif  // ORDERHOST_TESTKIT_HPP
