// Services.cpp — the C services table a test kit hands to the plugin, at the 1.1 and the 1.0
// level, and the host extensions orderhost.db/1 and orderhost.events/1.
#include "KitState.hpp"
#include "KitText.hpp"
#include "PluginLoader.hpp"

#include <orderhost/ext/events.h>

#include <algorithm>
#include <cstring>
#include <set>

namespace orderhost::testkit {
namespace {

oh_testkit& kitOf(oh_context* ctx) { return *reinterpret_cast<oh_testkit*>(ctx); }

oh_str handOut(oh_testkit& kit, std::string value) {
  const std::string& kept = kit.handedOut.emplace_back(std::move(value));
  return oh_str{kept.data(), kept.size()};
}

// The document a service reads, or nullptr with the status to return.
const Json* documentFor(oh_testkit& kit, oh_document doc, oh_status& status) {
  status = OH_STATUS_OK;
  if (callAbandoned(kit))
    status = OH_STATUS_ABANDONED;
  else if (doc == OH_DOC_CONFIG)
    return &kit.config;
  else if (doc != OH_DOC_ORDER)
    status = OH_STATUS_INVALID_ARGUMENT;
  else if (!kit.inStep)
    status = OH_STATUS_UNAVAILABLE;
  else
    return &kit.order;
  return nullptr;
}

// The shape every reader shares: lock, find the document, find the value, convert it.
template <typename Convert>
oh_status read(oh_context* ctx, oh_document doc, oh_str path, const void* out, Convert convert) {
  if (ctx == nullptr || out == nullptr || !isReadable(path)) return OH_STATUS_INVALID_ARGUMENT;
  oh_testkit& kit = kitOf(ctx);
  std::lock_guard<std::mutex> lock(kit.mutex);
  oh_status status;
  const Json* document = documentFor(kit, doc, status);
  if (document == nullptr) return status;
  const Json* value = nullptr;
  status = findValue(*document, text(path), value);
  return status == OH_STATUS_OK ? convert(kit, *value) : status;
}

void logLine(oh_context* ctx, oh_log_level level, oh_str message) {
  if (ctx == nullptr) return;
  oh_testkit& kit = kitOf(ctx);
  std::lock_guard<std::mutex> lock(kit.mutex);
  kit.logs.push_back({level, text(message)});
}

int64_t nowMs(oh_context* ctx) {
  if (ctx == nullptr) return 0;
  oh_testkit& kit = kitOf(ctx);
  std::lock_guard<std::mutex> lock(kit.mutex);
  kit.now += kit.clockStep;
  return kit.now;
}

oh_status getJson(oh_context* ctx, oh_document doc, oh_str path, oh_str* out) {
  return read(ctx, doc, path, out, [&](oh_testkit& kit, const Json& v) {
    *out = handOut(kit, dumpJson(v));
    return OH_STATUS_OK;
  });
}

oh_status getString(oh_context* ctx, oh_document doc, oh_str path, oh_str* out) {
  return read(ctx, doc, path, out, [&](oh_testkit& kit, const Json& v) {
    if (!v.is_string()) return OH_STATUS_TYPE_MISMATCH;
    *out = handOut(kit, v.get<std::string>());
    return OH_STATUS_OK;
  });
}

oh_status getInt(oh_context* ctx, oh_document doc, oh_str path, int64_t* out) {
  return read(ctx, doc, path, out, [&](oh_testkit&, const Json& v) {
    if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<std::uint64_t>() > INT64_MAX))
      return OH_STATUS_TYPE_MISMATCH;
    *out = v.get<std::int64_t>();
    return OH_STATUS_OK;
  });
}

oh_status getSize(oh_context* ctx, oh_document doc, oh_str path, size_t* out) {
  return read(ctx, doc, path, out, [&](oh_testkit&, const Json& v) {
    if (!v.is_object() && !v.is_array()) return OH_STATUS_TYPE_MISMATCH;
    *out = v.size();
    return OH_STATUS_OK;
  });
}

oh_status getBool(oh_context* ctx, oh_document doc, oh_str path, int32_t* out) {
  return read(ctx, doc, path, out, [&](oh_testkit&, const Json& v) {
    if (!v.is_boolean()) return OH_STATUS_TYPE_MISMATCH;
    *out = v.get<bool>() ? 1 : 0;
    return OH_STATUS_OK;
  });
}

oh_status getKey(oh_context* ctx, oh_document doc, oh_str path, size_t index, oh_str* out) {
  return read(ctx, doc, path, out, [&](oh_testkit& kit, const Json& v) {
    if (!v.is_object()) return OH_STATUS_TYPE_MISMATCH;
    if (index >= v.size()) return OH_STATUS_NOT_FOUND;
    *out = handOut(kit, std::next(v.items().begin(), static_cast<std::ptrdiff_t>(index)).key());
    return OH_STATUS_OK;
  });
}

// set_json and remove_value: only on the order, only inside run()/compensate().
template <typename Write>
oh_status write(oh_context* ctx, Write change) {
  if (ctx == nullptr) return OH_STATUS_INVALID_ARGUMENT;
  oh_testkit& kit = kitOf(ctx);
  std::lock_guard<std::mutex> lock(kit.mutex);
  if (callAbandoned(kit)) return OH_STATUS_ABANDONED;
  if (!kit.inStep) return OH_STATUS_UNAVAILABLE;
  return change(kit.order);
}

oh_status setJson(oh_context* ctx, oh_str path, oh_str json) {
  if (!isReadable(path) || !isReadable(json)) return OH_STATUS_INVALID_ARGUMENT;
  return write(ctx, [&](Json& order) { return setValue(order, text(path), text(json)); });
}

oh_status removeJson(oh_context* ctx, oh_str path) {
  if (!isReadable(path)) return OH_STATUS_INVALID_ARGUMENT;
  return write(ctx, [&](Json& order) { return removeValue(order, text(path)); });
}

// As the host keeps it: NULL or too small to read is unreadable (the step fails), and so is a
// text with a NULL pointer and a length; the texts are cleaned (KitText.hpp).
void reportOutcome(oh_context* ctx, const oh_outcome* outcome) {
  if (ctx == nullptr) return;
  oh_testkit& kit = kitOf(ctx);
  std::lock_guard<std::mutex> lock(kit.mutex);
  ReportedOutcome copy;
  copy.unreadable = true;
  if (outcome == nullptr) {
    copy.message = "report_outcome() was given NULL";
  } else if (!OH_HAS_FIELD(outcome, oh_outcome, timeout_ms)) {
    copy.message = "oh_outcome.struct_size " + std::to_string(outcome->struct_size) +
                   " is below its 1.0 size " + std::to_string(OH_SIZE_1_0_OUTCOME);
  } else if (!isReadable(outcome->code) || !isReadable(outcome->message) ||
             !isReadable(outcome->signal)) {
    const bool code = !isReadable(outcome->code), message = !isReadable(outcome->message);
    const oh_str bad = code ? outcome->code : message ? outcome->message : outcome->signal;
    copy.message = "report_outcome(): the oh_outcome's " + unreadableText(code      ? "code"
                                                                          : message ? "message"
                                                                                    : "signal",
                                                                          bad);
  } else {
    copy.unreadable = false;
    copy.kind = outcome->kind;
    copy.code = cleanCode(text(outcome->code));
    copy.message = cleanMessage(text(outcome->message));
    copy.signal = cleanCode(text(outcome->signal));
    copy.retryAfterMs = outcome->retry_after_ms;
    copy.timeoutMs = outcome->timeout_ms;
  }
  kit.reported = std::move(copy);
}

void reportError(oh_context* ctx, oh_str message) {
  if (ctx == nullptr) return;
  oh_testkit& kit = kitOf(ctx);
  std::lock_guard<std::mutex> lock(kit.mutex);
  kit.reportedError = isReadable(message)
                          ? cleanMessage(text(message))
                          : "report_error(): " + unreadableText("the message", message);
}

int32_t isAbandoned(oh_context* ctx) {
  if (ctx == nullptr) return 0;
  oh_testkit& kit = kitOf(ctx);
  std::lock_guard<std::mutex> lock(kit.mutex);
  return callAbandoned(kit) ? 1 : 0;
}

std::mutex registryMutex;
std::set<oh_testkit*> liveKits;

void logPlugin(const oh_plugin_info* plugin, oh_log_level level, oh_str message) {
  std::lock_guard<std::mutex> lock(registryMutex);
  const bool known = std::any_of(liveKits.begin(), liveKits.end(),
                                 [&](oh_testkit* k) { return k->plugin == plugin; });
  for (oh_testkit* kit : liveKits) {
    if (known && kit->plugin != plugin) continue;
    std::lock_guard<std::mutex> kitLock(kit->mutex);
    kit->logs.push_back({level, (known ? "" : "unknown plugin: ") + text(message)});
  }
}

// ---- orderhost.db/1 ----

oh_status dbExecute(oh_context* ctx, oh_str datasource, oh_str sql, oh_str params, oh_str* outRows,
                    int64_t* outChanged, oh_str* outError) {
  if (outError) *outError = OH_STR("");
  if (ctx == nullptr || outRows == nullptr) return OH_STATUS_INVALID_ARGUMENT;
  oh_testkit& kit = kitOf(ctx);
  std::lock_guard<std::mutex> lock(kit.mutex);
  StatementResult result;
  const std::string source = text(datasource);
  if (callAbandoned(kit)) return OH_STATUS_ABANDONED;
  if (!isReadable(datasource) || !isReadable(sql) || !isReadable(params)) {
    result.status = OH_STATUS_INVALID_ARGUMENT;
    result.error = "orderhost.db: " + (!isReadable(datasource)
                                           ? unreadableText("the datasource name", datasource)
                                       : !isReadable(sql) ? unreadableText("sql", sql)
                                                          : unreadableText("params_json", params));
  } else if (!kit.inStep) {
    result.status = OH_STATUS_UNAVAILABLE;
    result.error = "orderhost.db/1 is available only inside run() and compensate()";
  } else if (!source.empty() && source != OH_DB_HOST_DATASOURCE) {
    result.status = OH_STATUS_NOT_FOUND;
    result.error = "orderhost.db/1: unknown datasource '" + source +
                   "' (the test kit has only the host database)";
  } else {
    result = kit.db->execute(text(sql), text(params));
  }
  if (result.status != OH_STATUS_OK) {
    kit.reportedError = result.error;
    if (outError) *outError = handOut(kit, result.error);
    return result.status;
  }
  *outRows = handOut(kit, result.rows);
  if (outChanged) *outChanged = result.changed;
  return OH_STATUS_OK;
}

// The kit enforces the header's default limits (KitDatabase.cpp) and says so in the table.
const oh_db_ext databaseExtension = {sizeof(oh_db_ext), dbExecute, OH_DB_MAX_ROWS,
                                     OH_DB_MAX_RESULT_BYTES};

// ---- orderhost.events/1 ----

std::string eventTypeProblem(const std::string& type) {
  if (type.empty() || type.size() > OH_EVENTS_MAX_TYPE_BYTES) return "must have 1 to 64 bytes";
  if (type[0] < 'a' || type[0] > 'z') return "must start with a lower-case letter";
  for (char c : type)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
      return "may hold only a-z, 0-9, '.', '_' and '-'";
  if (type.rfind("order.", 0) == 0 || type.rfind("step.", 0) == 0)
    return "uses a prefix that belongs to the host (order., step.)";
  return "";
}

oh_status emitEvent(oh_context* ctx, oh_str type, oh_str payload) {
  if (ctx == nullptr) return OH_STATUS_INVALID_ARGUMENT;
  oh_testkit& kit = kitOf(ctx);
  std::lock_guard<std::mutex> lock(kit.mutex);
  if (callAbandoned(kit)) return OH_STATUS_ABANDONED;
  if (!kit.inStep) return OH_STATUS_UNAVAILABLE;
  if (!isReadable(type) || !isReadable(payload)) {
    kit.reportedError =
        "orderhost.events/1: " + (isReadable(type) ? unreadableText("the payload", payload)
                                                   : unreadableText("the event type", type));
    return OH_STATUS_INVALID_ARGUMENT;
  }
  const std::string name = text(type);
  std::string problem = eventTypeProblem(name), parseError;
  std::optional<Json> body = parseJson(payload.len ? text(payload) : "{}", parseError);
  if (problem.empty() && (!body || !body->is_object())) problem = "payload is not a JSON object";
  if (problem.empty() && payload.len > OH_EVENTS_MAX_PAYLOAD_BYTES)
    problem = "payload above 64 KiB";
  if (problem.empty() && kit.callEvents.size() >= OH_EVENTS_MAX_PER_CALL)
    problem = "more than 100 events in one call";
  if (!problem.empty()) {
    kit.reportedError = "orderhost.events/1: event '" + name +
                        "' refused: " + (name.empty() ? "type " : "") + problem;
    return OH_STATUS_INVALID_ARGUMENT;
  }
  kit.callEvents.push_back({name, dumpJson(*body)});
  return OH_STATUS_OK;
}

const oh_events_ext eventsExtension = {sizeof(oh_events_ext), emitEvent};

const void* extension10(const char* id) {
  return id != nullptr && std::strcmp(id, OH_EXT_DB) == 0 ? &databaseExtension : nullptr;
}

const void* extension11(const char* id) {
  if (id != nullptr && std::strcmp(id, OH_EXT_EVENTS) == 0) return &eventsExtension;
  return extension10(id);
}

// A real 1.0 host's table ends after get_extension; NULLs make a plugin that ignores
// struct_size crash in its test instead of at a customer's.
const oh_host_services services10 = {OH_SIZE_1_0_HOST_SERVICES,
                                     logLine,
                                     nowMs,
                                     getJson,
                                     getString,
                                     getInt,
                                     getSize,
                                     setJson,
                                     reportOutcome,
                                     reportError,
                                     extension10,
                                     nullptr,
                                     nullptr,
                                     nullptr,
                                     nullptr,
                                     nullptr};
const oh_host_services services11 = {sizeof(oh_host_services),
                                     logLine,
                                     nowMs,
                                     getJson,
                                     getString,
                                     getInt,
                                     getSize,
                                     setJson,
                                     reportOutcome,
                                     reportError,
                                     extension11,
                                     getBool,
                                     getKey,
                                     removeJson,
                                     isAbandoned,
                                     logPlugin};

}  // namespace

const oh_host_info& hostInfo(int level) {
  static const oh_host_info info10 = {sizeof(oh_host_info),        OH_ABI_MAJOR,  0,
                                      OH_STR("orderhost-testkit"), OH_STR("1.0"), &services10};
  static const oh_host_info info11 = {sizeof(oh_host_info),        OH_ABI_MAJOR,  1,
                                      OH_STR("orderhost-testkit"), OH_STR("1.1"), &services11};
  static const oh_host_info info12 = {
      sizeof(oh_host_info),        OH_ABI_MAJOR,  2,
      OH_STR("orderhost-testkit"), OH_STR("1.2"), &services11};  // 1.2 added no service
  return level == OH_TESTKIT_HOST_1_0 ? info10 : level == OH_TESTKIT_HOST_1_1 ? info11 : info12;
}

void registerKit(oh_testkit* kit) {
  std::lock_guard<std::mutex> lock(registryMutex);
  liveKits.insert(kit);
}

void unregisterKit(oh_testkit* kit) {
  std::lock_guard<std::mutex> lock(registryMutex);
  liveKits.erase(kit);
}

bool callAbandoned(oh_testkit& kit) {
  if (kit.inStep && kit.deadline != 0 && kit.now >= kit.deadline) kit.abandoned = true;
  return kit.inStep && kit.abandoned;
}

}  // namespace orderhost::testkit
