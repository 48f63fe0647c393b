/*
 * orderhost/testkit.h — unit-test a step plugin without a host (C API; C++: testkit.hpp).
 *
 * A test kit is a fake host for ONE plugin file. It loads the plugin's real built .so through
 * orderhost_plugin_entry, as the host does, and hands it the full services table of the ABI
 * it pretends to speak (1.2, 1.1, or 1.0 to test a plugin's fallback). It holds:
 *   - an order document and a step config (JSON text you set),
 *   - a clock you control (now_ms), and an optional timeout that becomes the call's deadline,
 *   - "orderhost.db/1" on SQLite, in a temporary file, with the plugin's
 *     "orderhost.migrations/1" migrations applied when the kit is made,
 *   - "orderhost.events/1" (from the 1.1 level on),
 * and it captures what the plugin reports: the outcome, report_error() messages, log lines
 * (log and log_plugin) and emitted events.
 *
 * Every run() or compensate() is one attempt as the host makes it: the document changes,
 * the SQL statements and the events of the call are kept only when the host would keep the
 * step's result (CONTINUE, REJECT, SUSPEND from run(); CONTINUE from compensate()), and are
 * rolled back otherwise, exactly like the step's transaction in the host.
 *
 *   oh_testkit *kit = oh_testkit_new("build/acme-fraud.so", OH_TESTKIT_HOST_1_1);
 *   if (oh_testkit_setup_error(kit)[0] != '\0') { puts(oh_testkit_setup_error(kit)); return 1; }
 *   oh_testkit_set_config(kit, "{\"max_minor\": 100000}");
 *   oh_testkit_set_order(kit, "{\"totals\": {\"net\": 250000}}");
 *   oh_testkit_create(kit, "screen");
 *   oh_testkit_run(kit, 1);
 *   assert(oh_testkit_last_result(kit)->kind == OH_OUTCOME_REJECT);
 *   oh_testkit_free(kit);
 *
 * As the host does, it refuses a text with a NULL pointer and a length, cleans an outcome's
 * code, signal and message, fails a SUSPEND on a signal name the API could not deliver
 * (invalid_signal) and an unreadable outcome (unreadable_outcome), and keeps the order
 * document within 4 MiB and 64 levels.
 *
 * Differences from the real host, on purpose: the database is SQLite only (write portable SQL
 * and test PostgreSQL-specific migrations in an integration test); named datasources do not
 * exist (OH_STATUS_NOT_FOUND); calls run on the test's thread, and a deadline is only checked
 * against the kit's clock (advance it, or let every now_ms() advance it, see set_clock_step).
 * Not checked by the kit, so test them with the host (`orderhost plugins inspect`, a chain run):
 * the loader's manifest checks beyond the entry and its step kinds, the statement rules that
 * protect the host's own tables (the kit's database has none of them), and the log's
 * 16 KiB line cut.
 *
 * Thread contract: one kit is used from one test thread. The plugin may call services from
 * threads it starts inside a call, and log_plugin from any thread: the kit serialises them.
 * Different kits are independent, also on different threads.
 *
 * Strings the kit returns (const char *) stay valid until the next call on the same kit that
 * is not a getter (set_*, create, run, compensate, sql, query, free).
 */
#ifndef ORDERHOST_TESTKIT_H
#define ORDERHOST_TESTKIT_H

#include <orderhost/plugin_api.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define OH_TESTKIT_API __attribute__((visibility("default")))
#else
#define OH_TESTKIT_API
#endif

typedef struct oh_testkit oh_testkit;

/* The host level a kit pretends to be: the abi_minor it offers and the size of the services
 * table, oh_step_call and extensions it hands out. At OH_TESTKIT_HOST_1_0 the 1.1 services
 * (get_bool, get_key, remove_value, is_abandoned, log_plugin) are absent, oh_step_call ends
 * before deadline_ms, and "orderhost.events/1" is not offered. At OH_TESTKIT_HOST_1_1
 * oh_step_call ends before mode, and oh_testkit_quote() is refused. */
#define OH_TESTKIT_HOST_1_0 0
#define OH_TESTKIT_HOST_1_1 1
#define OH_TESTKIT_HOST_1_2 2 /* since the 1.2 kit */

/* ---- the kit ---------------------------------------------------------------------------- */

/* Loads `plugin_path` (once per process and host level: a second level loads a private copy,
 * so the plugin's static state never mixes two services tables), makes a fresh SQLite
 * database in a temporary file and applies the plugin's migrations. Returns NULL only when
 * out of memory; check oh_testkit_setup_error() for a refused plugin or migration. */
OH_TESTKIT_API oh_testkit* oh_testkit_new(const char* plugin_path, int host_level);

/* Destroys the step instance (destroy()), closes and deletes the database. NULL is fine.
 * The plugin library itself stays loaded (the host never unloads a plugin that ran). */
OH_TESTKIT_API void oh_testkit_free(oh_testkit* kit);

/* What went wrong in the kit itself — loading, migrations, a bad JSON argument, SQL of
 * oh_testkit_sql — as one line naming the file, field or statement; "" when nothing did.
 * Reset by every call that can set it. */
OH_TESTKIT_API const char* oh_testkit_setup_error(const oh_testkit* kit);

/* The plugin's own answer to the negotiation (id, version, step kinds). NULL when refused. */
OH_TESTKIT_API const oh_plugin_info* oh_testkit_plugin(const oh_testkit* kit);

/* The table-name prefix the plugin's tables should use, derived from its id (see the plugin
 * author guide, "Naming your tables"): "com.acme.fraud" -> "acme_fraud_". The kit logs a
 * warning (level OH_LOG_WARN, from "testkit") for each table a migration created without it. */
OH_TESTKIT_API const char* oh_testkit_table_prefix(const oh_testkit* kit);

/* ---- inputs ----------------------------------------------------------------------------- */

/* The order document (a JSON object) and the step's config (a JSON object, "{}" by default).
 * Return 0, or -1 with oh_testkit_setup_error() saying why the JSON was refused. The config
 * is read by the next oh_testkit_create(). */
OH_TESTKIT_API int oh_testkit_set_order(oh_testkit* kit, const char* json);
OH_TESTKIT_API int oh_testkit_set_config(oh_testkit* kit, const char* json);

/* The order id handed to the plugin ("order-1" by default). The idempotency key is
 * "<order id>/<step name>", like the host's, and the step name is the step kind's name. */
OH_TESTKIT_API void oh_testkit_set_order_id(oh_testkit* kit, const char* order_id);

/* The clock now_ms() reads (1767225600000, 2026-01-01T00:00:00Z, by default). */
OH_TESTKIT_API void oh_testkit_set_now(oh_testkit* kit, int64_t now_ms);
OH_TESTKIT_API void oh_testkit_advance(oh_testkit* kit, int64_t ms);
OH_TESTKIT_API int64_t oh_testkit_now(const oh_testkit* kit);
/* Every now_ms() the plugin calls advances the clock by `ms` first (0, the default: never),
 * so a long step sees time pass and reaches its deadline. */
OH_TESTKIT_API void oh_testkit_set_clock_step(oh_testkit* kit, int64_t ms);

/* The step's timeout: each run/compensate gets deadline_ms = now + timeout_ms (1.1 level);
 * 0 (the default) means no deadline. Once now >= deadline the call is abandoned:
 * is_abandoned() says 1, services return OH_STATUS_ABANDONED, and the attempt ends as a
 * RETRY with code "timeout" whose changes are dropped, as in the host. */
OH_TESTKIT_API void oh_testkit_set_timeout(oh_testkit* kit, uint64_t timeout_ms);

/* ---- calls ------------------------------------------------------------------------------ */

/* Creates an instance of step kind `step_kind` with the current config (destroying the
 * previous instance). Returns create()'s status; a refusal's report_error() message is in
 * oh_testkit_reported_error(). OH_STATUS_NOT_FOUND when the plugin has no such kind. */
OH_TESTKIT_API oh_status oh_testkit_create(oh_testkit* kit, const char* step_kind);

/* Runs / compensates the current instance on the order with attempt number `attempt`
 * (1 = first attempt). Returns the status the plugin returned (OH_STATUS_INVALID_ARGUMENT
 * without an instance); what the host makes of it is oh_testkit_last_result(). compensate() of a
 * step kind without compensate is OH_STATUS_OK with a CONTINUE result, as in the host. */
OH_TESTKIT_API oh_status oh_testkit_run(oh_testkit* kit, uint32_t attempt);
OH_TESTKIT_API oh_status oh_testkit_compensate(oh_testkit* kit, uint32_t attempt);

/* Runs the current instance in quote mode (oh_step_call.mode = OH_CALL_QUOTE), as the host
 * does for POST /v1/quotes: the call's database statements are always rolled back, its events
 * dropped, and its document changes kept when the host would keep them in a quote (CONTINUE,
 * SUSPEND: the quote goes on; REJECT: the quote's verdict), so the test can read the answer.
 * OH_STATUS_UNAVAILABLE (with oh_testkit_setup_error() saying why) below OH_TESTKIT_HOST_1_2,
 * and when the step kind does not set OH_STEP_ANSWERS_QUOTES: the host skips such a step. */
OH_TESTKIT_API oh_status oh_testkit_quote(oh_testkit* kit);

/* ---- results ---------------------------------------------------------------------------- */

/* The result of the last run/compensate, as the host would record it:
 *   - the plugin's status was not OK: FAIL, code "plugin_error" (OH_STATUS_RETRYABLE at the
 *     1.1 level: RETRY, code "plugin_retryable"), message = its report_error() text;
 *   - the call was abandoned: RETRY, code "timeout";
 *   - no outcome reported: CONTINUE (reported = 0);
 *   - an outcome too small to read: FAIL, code "unreadable_outcome";
 *   - an unknown kind: FAIL, code "unknown_outcome";
 *   - REJECT or SUSPEND from compensate(): FAIL, code "invalid_compensation";
 *   - otherwise the reported outcome.
 * Strings are "" when absent. Never NULL. */
typedef struct oh_testkit_result {
  oh_outcome_kind kind;
  const char* code;
  const char* message;
  const char* signal;
  uint64_t retry_after_ms;
  uint64_t timeout_ms;
  int reported;  /* 1 when the plugin called report_outcome() */
  int kept;      /* 1 when the host keeps the call's document, SQL and event changes */
  int abandoned; /* 1 when the call passed its deadline */
} oh_testkit_result;

OH_TESTKIT_API const oh_testkit_result* oh_testkit_last_result(const oh_testkit* kit);

/* The last report_error() message of the last create/run/compensate; "" when none. */
OH_TESTKIT_API const char* oh_testkit_reported_error(const oh_testkit* kit);

/* The order's value at `pointer` ("" = the whole document) as compact JSON text; NULL when
 * absent. _string: a string value unescaped, NULL when absent or not a string. _int: 0 and
 * *out set when the value is an integer, -1 otherwise. */
OH_TESTKIT_API const char* oh_testkit_order_json(oh_testkit* kit, const char* pointer);
OH_TESTKIT_API const char* oh_testkit_order_string(oh_testkit* kit, const char* pointer);
OH_TESTKIT_API int oh_testkit_order_int(oh_testkit* kit, const char* pointer, int64_t* out);

/* Captured log lines, in order, from log() and log_plugin() (and the kit's own warnings).
 * oh_testkit_logged counts the lines whose message contains `text`. */
OH_TESTKIT_API size_t oh_testkit_log_count(const oh_testkit* kit);
OH_TESTKIT_API oh_log_level oh_testkit_log_level(const oh_testkit* kit, size_t index);
OH_TESTKIT_API const char* oh_testkit_log_message(const oh_testkit* kit, size_t index);
OH_TESTKIT_API size_t oh_testkit_logged(const oh_testkit* kit, const char* text);

/* Events the plugin emitted through "orderhost.events/1" in calls whose result was kept. */
OH_TESTKIT_API size_t oh_testkit_event_count(const oh_testkit* kit);
OH_TESTKIT_API const char* oh_testkit_event_type(const oh_testkit* kit, size_t index);
OH_TESTKIT_API const char* oh_testkit_event_payload(const oh_testkit* kit, size_t index);

/* ---- the database ----------------------------------------------------------------------- */

/* The SQLite file (open it with sqlite3 if you like; the kit deletes it in oh_testkit_free). */
OH_TESTKIT_API const char* oh_testkit_database_path(const oh_testkit* kit);

/* Runs SQL outside any step (several statements separated by ';'), e.g. to load stock rows.
 * 0, or -1 with oh_testkit_setup_error() naming the statement and SQLite's message. */
OH_TESTKIT_API int oh_testkit_sql(oh_testkit* kit, const char* sql);

/* Runs one query and returns its rows as the orderhost.db/1 JSON text
 * ([{"column": value, ...}, ...]); NULL on error (see oh_testkit_setup_error()). */
OH_TESTKIT_API const char* oh_testkit_query(oh_testkit* kit, const char* sql);

/* The first column of the first row as an integer: 0 and *out set, or -1 (no row, NULL, not
 * an integer, SQL error). */
OH_TESTKIT_API int oh_testkit_query_int(oh_testkit* kit, const char* sql, int64_t* out);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ORDERHOST_TESTKIT_H */
