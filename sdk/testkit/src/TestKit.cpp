// TestKit.cpp — the C API of orderhost/testkit.h: making a kit, inputs, calls and results.
#include "KitState.hpp"
#include "KitText.hpp"
#include "PluginLoader.hpp"

#include <orderhost/testkit.h>

#include <cctype>
#include <cstring>
#include <new>

using orderhost::testkit::Json;
namespace kit_ns = orderhost::testkit;

namespace {

std::string orEmpty(const char* s) { return s ? s : ""; }

const char* keep(oh_testkit* kit, std::string value) {
  return kit->returned.emplace_back(std::move(value)).c_str();
}

// "com.acme.fraud" -> "acme_fraud_": the id without its first label, '.' and '-' as '_'.
std::string tablePrefixOf(const std::string& id) {
  const std::size_t dot = id.find('.');
  std::string prefix = dot == std::string::npos ? id : id.substr(dot + 1);
  for (char& c : prefix)
    c = std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
  return prefix + "_";
}

void applyMigrations(oh_testkit* kit) {
  const auto* migrations =
      kit->plugin->get_extension
          ? static_cast<const oh_migrations_ext*>(kit->plugin->get_extension(OH_EXT_MIGRATIONS))
          : nullptr;
  if (migrations == nullptr) return;
  const std::string id = kit_ns::text(kit->plugin->id);
  const std::string error = kit->db->applyMigrations(id, *migrations);
  if (!error.empty()) {
    kit->setupError = "plugin " + kit->pluginPath + " (" + id + "): " + error;
    return;
  }
  std::lock_guard<std::mutex> lock(kit->mutex);
  for (const std::string& table : kit->db->tableNames())
    if (table.rfind(kit->tablePrefix, 0) != 0)
      kit->logs.push_back({OH_LOG_WARN, "testkit: table " + table + " does not start with " +
                                            kit->tablePrefix +
                                            ", the prefix derived from the plugin id " + id});
}

// Clears what one call reports; the caller holds no lock (no plugin call is running).
void startCall(oh_testkit* kit) {
  kit->setupError.clear();
  kit->reported.reset();
  kit->reportedError.clear();
  kit->callEvents.clear();
  kit->handedOut.clear();
  kit->returned.clear();
  kit->abandoned = false;
}

void setResult(oh_testkit* kit, oh_outcome_kind kind, std::string code, std::string message) {
  kit_ns::ResultText& r = kit->result;
  r = kit_ns::ResultText{};
  r.code = std::move(code);
  r.message = std::move(message);
  r.view.kind = kind;
}

// Turns the plugin's status and report into the result the host records (see testkit.h).
void decide(oh_testkit* kit, oh_status status, bool compensating, const char* name) {
  const bool retryable = status == OH_STATUS_RETRYABLE && kit->level >= OH_TESTKIT_HOST_1_1;
  if (kit->abandoned) {
    setResult(kit, OH_OUTCOME_RETRY, "timeout",
              "no answer within timeout_ms = " + std::to_string(kit->timeoutMs));
  } else if (status != OH_STATUS_OK) {
    setResult(kit, retryable ? OH_OUTCOME_RETRY : OH_OUTCOME_FAIL,
              retryable ? "plugin_retryable" : "plugin_error",
              kit->reportedError.empty()
                  ? std::string(name) + " returned status " + std::to_string(status)
                  : kit->reportedError);
  } else if (!kit->reported) {
    setResult(kit, OH_OUTCOME_CONTINUE, "", "");
  } else if (kit->reported->unreadable) {
    setResult(kit, OH_OUTCOME_FAIL, "unreadable_outcome", kit->reported->message);
  } else if (kit->reported->kind < OH_OUTCOME_CONTINUE || kit->reported->kind > OH_OUTCOME_FAIL) {
    setResult(kit, OH_OUTCOME_FAIL, "unknown_outcome",
              "the plugin reported outcome kind " + std::to_string(kit->reported->kind));
  } else if (compensating && (kit->reported->kind == OH_OUTCOME_REJECT ||
                              kit->reported->kind == OH_OUTCOME_SUSPEND)) {
    setResult(kit, OH_OUTCOME_FAIL, "invalid_compensation",
              "compensate() may not REJECT or SUSPEND: " + kit->reported->message);
  } else if (kit->reported->kind == OH_OUTCOME_SUSPEND && !kit->reported->signal.empty() &&
             !kit_ns::isValidSignalName(kit->reported->signal)) {
    // The host's rule: nobody could ever deliver it through the API.
    setResult(kit, OH_OUTCOME_FAIL, "invalid_signal",
              "suspended on an invalid signal name '" + kit->reported->signal + "'");
  } else {
    const kit_ns::ReportedOutcome& o = *kit->reported;
    setResult(kit, o.kind, o.code, o.message);
    kit->result.signal = o.signal;
    kit->result.view.retry_after_ms = o.retryAfterMs;
    kit->result.view.timeout_ms = o.timeoutMs;
  }
  kit_ns::ResultText& r = kit->result;
  r.view.code = r.code.c_str();
  r.view.message = r.message.c_str();
  r.view.signal = r.signal.c_str();
  r.view.reported = kit->reported ? 1 : 0;
  r.view.abandoned = kit->abandoned ? 1 : 0;
  const oh_outcome_kind kind = r.view.kind;
  r.view.kept = kind == OH_OUTCOME_CONTINUE ||
                (!compensating && (kind == OH_OUTCOME_REJECT || kind == OH_OUTCOME_SUSPEND));
}

// The size of oh_step_call a host of the kit's level hands out.
uint32_t stepCallSize(int level) {
  if (level == OH_TESTKIT_HOST_1_0) return static_cast<uint32_t>(OH_SIZE_1_0_STEP_CALL);
  if (level == OH_TESTKIT_HOST_1_1) return static_cast<uint32_t>(OH_SIZE_1_1_STEP_CALL);
  return static_cast<uint32_t>(OH_SIZE_1_2_STEP_CALL);
}

oh_status stepCall(oh_testkit* kit, bool compensating, uint32_t attempt, bool quoting = false) {
  startCall(kit);
  if (kit->instance == nullptr) {
    kit->setupError = "no step instance: call oh_testkit_create() first (or it failed)";
    return OH_STATUS_INVALID_ARGUMENT;
  }
  auto function = compensating ? kit->kind->compensate : kit->kind->run;
  const std::string key = kit->orderId + "/" + kit->stepName;
  Json before = kit->order;
  kit->db->begin();
  kit->deadline = kit->level >= OH_TESTKIT_HOST_1_1 && kit->timeoutMs > 0
                      ? kit->now + static_cast<std::int64_t>(kit->timeoutMs)
                      : 0;
  const oh_step_call call{stepCallSize(kit->level),
                          reinterpret_cast<oh_context*>(kit),
                          {kit->orderId.data(), kit->orderId.size()},
                          OH_STR("test-chain"),
                          {kit->stepName.data(), kit->stepName.size()},
                          attempt,
                          {key.data(), key.size()},
                          kit->deadline,
                          quoting ? OH_CALL_QUOTE : OH_CALL_RUN};
  {
    std::lock_guard<std::mutex> lock(kit->mutex);
    kit->inStep = true;
  }
  const oh_status status = function ? function(kit->instance, &call) : OH_STATUS_OK;
  {
    std::lock_guard<std::mutex> lock(kit->mutex);
    kit_ns::callAbandoned(*kit);
    kit->inStep = false;
  }
  decide(kit, status, compensating, compensating ? "compensate()" : "run()");
  const bool kept =
      kit->result.view.kept != 0 || (quoting && kit->result.view.kind == OH_OUTCOME_SUSPEND);
  kit->db->finish(kept && !quoting);  // a quote never keeps its statements
  if (quoting) {
    if (!kept) kit->order = std::move(before);
    kit->result.view.kept = 0;  // nothing of a quote is kept but the answer in the document
    return status;              // and its events are dropped
  }
  if (!kept)
    kit->order = std::move(before);
  else
    kit->events.insert(kit->events.end(), kit->callEvents.begin(), kit->callEvents.end());
  return status;
}

int setDocument(oh_testkit* kit, const char* json, Json& target, const char* what) {
  kit->setupError.clear();
  kit->returned.clear();
  std::string error;
  std::optional<Json> parsed = kit_ns::parseJson(orEmpty(json), error);
  if (!parsed || !parsed->is_object()) {
    kit->setupError =
        std::string(what) + " is not a JSON object" + (error.empty() ? "" : ": " + error);
    return -1;
  }
  target = std::move(*parsed);
  return 0;
}

}  // namespace

extern "C" {

oh_testkit* oh_testkit_new(const char* plugin_path, int host_level) {
  oh_testkit* kit = new (std::nothrow) oh_testkit;
  if (kit == nullptr) return nullptr;
  kit->level = host_level == OH_TESTKIT_HOST_1_0 || host_level == OH_TESTKIT_HOST_1_1
                   ? host_level
                   : OH_TESTKIT_HOST_1_2;
  kit->pluginPath = orEmpty(plugin_path);
  kit_ns::registerKit(kit);
  try {
    kit->db = std::make_unique<kit_ns::KitDatabase>();
    kit->plugin = kit_ns::loadPlugin(kit->pluginPath, kit_ns::hostInfo(kit->level), kit->level,
                                     kit->setupError);
    if (kit->plugin != nullptr) {
      kit->tablePrefix = tablePrefixOf(kit_ns::text(kit->plugin->id));
      applyMigrations(kit);
    }
  } catch (const std::exception& e) {
    kit->setupError = std::string("test kit: ") + e.what();
  }
  return kit;
}

void oh_testkit_free(oh_testkit* kit) {
  if (kit == nullptr) return;
  if (kit->instance != nullptr) kit->kind->destroy(kit->instance);
  kit_ns::unregisterKit(kit);
  delete kit;
}

const char* oh_testkit_setup_error(const oh_testkit* kit) { return kit->setupError.c_str(); }
const oh_plugin_info* oh_testkit_plugin(const oh_testkit* kit) { return kit->plugin; }
const char* oh_testkit_table_prefix(const oh_testkit* kit) { return kit->tablePrefix.c_str(); }

int oh_testkit_set_order(oh_testkit* kit, const char* json) {
  return setDocument(kit, json, kit->order, "the order");
}

int oh_testkit_set_config(oh_testkit* kit, const char* json) {
  if (setDocument(kit, json, kit->config, "the config") != 0) return -1;
  kit->configText = orEmpty(json);
  return 0;
}

void oh_testkit_set_order_id(oh_testkit* kit, const char* order_id) {
  kit->orderId = orEmpty(order_id);
}
void oh_testkit_set_now(oh_testkit* kit, int64_t now_ms) { kit->now = now_ms; }
void oh_testkit_advance(oh_testkit* kit, int64_t ms) { kit->now += ms; }
int64_t oh_testkit_now(const oh_testkit* kit) { return kit->now; }
void oh_testkit_set_clock_step(oh_testkit* kit, int64_t ms) { kit->clockStep = ms; }
void oh_testkit_set_timeout(oh_testkit* kit, uint64_t timeout_ms) { kit->timeoutMs = timeout_ms; }

oh_status oh_testkit_create(oh_testkit* kit, const char* step_kind) {
  startCall(kit);
  if (kit->instance != nullptr) kit->kind->destroy(kit->instance);
  kit->instance = nullptr;
  if (kit->plugin == nullptr) {
    kit->setupError = "no plugin: " + kit->pluginPath + " was not loaded";
    return OH_STATUS_UNAVAILABLE;
  }
  kit->kind = kit_ns::findStepKind(*kit->plugin, orEmpty(step_kind));
  if (kit->kind == nullptr) {
    kit->setupError = "plugin " + kit_ns::text(kit->plugin->id) + " has no step kind '" +
                      orEmpty(step_kind) + "'";
    return OH_STATUS_NOT_FOUND;
  }
  kit->stepName = orEmpty(step_kind);
  const oh_create_args args{sizeof(oh_create_args),
                            reinterpret_cast<oh_context*>(kit),
                            OH_STR("test-chain"),
                            {kit->stepName.data(), kit->stepName.size()},
                            {kit->configText.data(), kit->configText.size()}};
  kit->inCreate = true;
  void* instance = nullptr;
  const oh_status status = kit->kind->create(&args, &instance);
  kit->inCreate = false;
  if (status == OH_STATUS_OK) kit->instance = instance;
  return status;
}

oh_status oh_testkit_run(oh_testkit* kit, uint32_t attempt) {
  return stepCall(kit, false, attempt);
}
oh_status oh_testkit_compensate(oh_testkit* kit, uint32_t attempt) {
  return stepCall(kit, true, attempt);
}

oh_status oh_testkit_quote(oh_testkit* kit) {
  if (kit->level < OH_TESTKIT_HOST_1_2) {
    startCall(kit);
    kit->setupError = "quotes need host level OH_TESTKIT_HOST_1_2 (ABI 1.2)";
    return OH_STATUS_UNAVAILABLE;
  }
  // As the host: the bit counts only from a plugin built against 1.2 or later.
  if (kit->kind != nullptr &&
      ((kit->kind->flags & OH_STEP_ANSWERS_QUOTES) == 0 || kit->plugin->abi_minor < 2)) {
    startCall(kit);
    kit->setupError = "step kind '" + kit->stepName +
                      "' does not set OH_STEP_ANSWERS_QUOTES: the host skips it in quotes";
    return OH_STATUS_UNAVAILABLE;
  }
  return stepCall(kit, false, 1, true);
}

const oh_testkit_result* oh_testkit_last_result(const oh_testkit* kit) { return &kit->result.view; }
const char* oh_testkit_reported_error(const oh_testkit* kit) { return kit->reportedError.c_str(); }

const char* oh_testkit_order_json(oh_testkit* kit, const char* pointer) {
  const Json* value = nullptr;
  if (kit_ns::findValue(kit->order, orEmpty(pointer), value) != OH_STATUS_OK) return nullptr;
  return keep(kit, kit_ns::dumpJson(*value));
}

const char* oh_testkit_order_string(oh_testkit* kit, const char* pointer) {
  const Json* value = nullptr;
  if (kit_ns::findValue(kit->order, orEmpty(pointer), value) != OH_STATUS_OK || !value->is_string())
    return nullptr;
  return keep(kit, value->get<std::string>());
}

int oh_testkit_order_int(oh_testkit* kit, const char* pointer, int64_t* out) {
  const Json* value = nullptr;
  if (kit_ns::findValue(kit->order, orEmpty(pointer), value) != OH_STATUS_OK ||
      !value->is_number_integer())
    return -1;
  if (out) *out = value->get<std::int64_t>();
  return 0;
}

// The log getters lock: a plugin may still log_plugin() from its own threads.
size_t oh_testkit_log_count(const oh_testkit* kit) {
  std::lock_guard<std::mutex> lock(kit->mutex);
  return kit->logs.size();
}

oh_log_level oh_testkit_log_level(const oh_testkit* kit, size_t i) {
  std::lock_guard<std::mutex> lock(kit->mutex);
  return i < kit->logs.size() ? kit->logs[i].level : OH_LOG_INFO;
}

const char* oh_testkit_log_message(const oh_testkit* kit, size_t i) {
  std::lock_guard<std::mutex> lock(kit->mutex);
  return i < kit->logs.size() ? kit->logs[i].message.c_str() : "";
}

size_t oh_testkit_logged(const oh_testkit* kit, const char* text) {
  std::lock_guard<std::mutex> lock(kit->mutex);
  size_t count = 0;
  for (const auto& line : kit->logs)
    count += line.message.find(orEmpty(text)) != std::string::npos ? 1 : 0;
  return count;
}

size_t oh_testkit_event_count(const oh_testkit* kit) { return kit->events.size(); }
const char* oh_testkit_event_type(const oh_testkit* kit, size_t i) {
  return i < kit->events.size() ? kit->events[i].type.c_str() : "";
}
const char* oh_testkit_event_payload(const oh_testkit* kit, size_t i) {
  return i < kit->events.size() ? kit->events[i].payload.c_str() : "";
}

const char* oh_testkit_database_path(const oh_testkit* kit) {
  return kit->db ? kit->db->path().c_str() : "";
}

int oh_testkit_sql(oh_testkit* kit, const char* sql) {
  kit->setupError = kit->db ? kit->db->script(orEmpty(sql)) : "no database";
  return kit->setupError.empty() ? 0 : -1;
}

const char* oh_testkit_query(oh_testkit* kit, const char* sql) {
  kit->setupError.clear();
  if (!kit->db) return nullptr;
  kit_ns::StatementResult result = kit->db->execute(orEmpty(sql), "");
  if (result.status != OH_STATUS_OK) {
    kit->setupError = result.error;
    return nullptr;
  }
  return keep(kit, result.rows);
}

int oh_testkit_query_int(oh_testkit* kit, const char* sql, int64_t* out) {
  const char* rows = oh_testkit_query(kit, sql);
  std::string ignored;
  std::optional<Json> parsed = kit_ns::parseJson(rows ? rows : "[]", ignored);
  if (!parsed || parsed->empty() || !(*parsed)[0].is_object() || (*parsed)[0].empty()) return -1;
  const Json& first = (*parsed)[0].begin().value();
  if (!first.is_number_integer()) return -1;
  if (out) *out = first.get<std::int64_t>();
  return 0;
}

}  // extern "C"
