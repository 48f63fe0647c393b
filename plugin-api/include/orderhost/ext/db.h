/*
 * orderhost extensions for databases:
 *   "orderhost.db/1"          host side:   run SQL on the host's database or a named datasource
 *   "orderhost.migrations/1"  plugin side: versioned schema changes the host applies at start
 *
 * Plain C99, like plugin_api.h, and governed by the same rules: every struct begins with
 * struct_size and only grows at the end; strings are oh_str; nothing crosses the boundary but
 * C types. See docs/plugin-author-guide.md, "Database access".
 *
 * Looking the database extension up (once, e.g. in the entry function or create()):
 *
 *   const oh_db_ext *db = (const oh_db_ext *)services->get_extension(OH_EXT_DB);
 *   if (db == NULL || !OH_HAS_FIELD(db, oh_db_ext, execute)) ... the host has no database ...
 *
 * and, inside run() or compensate():
 *
 *   static const oh_str host = OH_STR(""), params = OH_STR("[\"A-1\"]");
 *   static const oh_str sql = OH_STR("SELECT on_hand FROM stock WHERE sku = ?");
 *   oh_str rows; int64_t changed;
 *   oh_status st = db->execute(call->ctx, host, sql, params, &rows, &changed, NULL);
 *   rows is now e.g. [{"on_hand":12}]
 */
#ifndef ORDERHOST_EXT_DB_H
#define ORDERHOST_EXT_DB_H

#include <orderhost/plugin_api.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------- */
/* orderhost.db/1 — host extension                                                           */
/* ---------------------------------------------------------------------------------------- */

#define OH_EXT_DB "orderhost.db/1"

/* The datasource name of the host's own database. "" means the same. */
#define OH_DB_HOST_DATASOURCE "orderhost"

/* The host's DEFAULT bounds of one result, so that a plugin cannot exhaust the host's memory.
 * The limits a host actually applies are in oh_db_ext.max_rows and max_result_bytes (since
 * 1.1); these macros stay for source compatibility and describe a 1.0 host. A statement whose
 * result has more rows, or whose rows as JSON text exceed the bytes, fails with
 * OH_STATUS_INVALID_ARGUMENT and nothing is returned: page with LIMIT/OFFSET or keyset. */
#define OH_DB_MAX_ROWS 10000
#define OH_DB_MAX_RESULT_BYTES (4u * 1024u * 1024u)

/* The table returned by get_extension(OH_EXT_DB). Host-owned, lives as long as the process. */
typedef struct oh_db_ext {
    uint32_t struct_size; /* sizeof(oh_db_ext) as the host was compiled */

    /* Runs ONE SQL statement and returns its rows.
     *
     * Thread context: only inside run() or compensate(), on the thread the host called, with
     * that call's ctx. Called from create(), or with a ctx that has no order, it returns
     * OH_STATUS_UNAVAILABLE. Several step instances may call it concurrently (each gets its
     * own session); one call blocks until the statement is done.
     *
     * datasource: borrowed. "" or "orderhost" is the host's own database: the statement runs
     *   INSIDE the step's database transaction, which commits together with the step's
     *   checkpoint when the host keeps the step's result (CONTINUE, REJECT, SUSPEND) and rolls
     *   back otherwise (RETRY, FAIL, a crash). Database effects there are exactly-once.
     *   Any other name is a datasource the administrator configured
     *   (datasource.<name>.connection): the statement runs in AUTOCOMMIT on a pooled session
     *   of that database. Those writes are NOT transactional with the step: they stay even
     *   if the step is retried or fails, so make them idempotent (key them on
     *   oh_step_call.idempotency_key). An unknown name gives OH_STATUS_NOT_FOUND.
     *
     * sql: borrowed. One statement, parameters written as `?`. The SQL dialect is the
     *   backend's (SQLite or PostgreSQL); portable SQL works on both. INSERT, UPDATE and
     *   DELETE ... RETURNING return their rows on both backends. Refused with
     *   OH_STATUS_INVALID_ARGUMENT and a message naming the statement kind, before anything
     *   runs, on every datasource: transaction control (BEGIN, START TRANSACTION, COMMIT, END,
     *   ROLLBACK, ABORT, SAVEPOINT, RELEASE, SET TRANSACTION, PREPARE TRANSACTION, and ROLLBACK
     *   anywhere in a statement), PRAGMA, ATTACH, DETACH, VACUUM, session state that would
     *   outlive the step (SET but not SET LOCAL, RESET, DISCARD, DEALLOCATE, PREPARE), and more
     *   than one statement in one text. On the host's own database also: writes and DDL
     *   (INSERT, UPDATE, DELETE, REPLACE, MERGE, TRUNCATE, LOCK, CREATE/ALTER/DROP, views and
     *   renames onto their names) aimed at the host's tables (orders, step_runs, outbox,
     *   relay_cursors, schema_migrations, plugin_migrations, inquiries, idempotency_keys,
     *   relay_dead_letters, api_keys, quotes, SQLite's sqlite_*), including inside a WITH or a
     *   trigger. Reading them is allowed, but their shape is not part of this contract. The
     *   plugin author guide ("Database access") has the full list. Any argument with a NULL
     *   pointer and a length > 0 is OH_STATUS_INVALID_ARGUMENT.
     *
     * params_json: borrowed. A JSON array whose elements are bound to the `?` in order:
     *   strings (any length), integers (int64), true/false, null. Other JSON types (numbers
     *   with a fraction, arrays, objects) and a count that differs from the placeholders give
     *   OH_STATUS_INVALID_ARGUMENT. "" means [].
     *
     * out_rows_json: required. Set to a JSON array with one object per row, member names
     *   being the column names: integer, floating and NUMERIC columns and numeric expressions
     *   (COUNT(*), SUM(x), a - b) as JSON numbers, text columns as strings (a text column
     *   holding "42" or "007" stays a string), NULL as null, on both backends. SQLite gives
     *   expressions no type: there an expression whose value is a number in JSON's syntax
     *   is a number, even CAST(x AS TEXT). "[]" for
     *   statements without a result. Host memory, valid until the current plugin call
     *   returns: copy what you keep.
     *
     * out_changed: may be NULL. Set to the rows inserted, updated or deleted by an INSERT,
     *   UPDATE or DELETE statement (with or without RETURNING), and to -1 for any other
     *   statement (SELECT, DDL, WITH).
     *
     * out_error: may be NULL. On failure set to a one-line message (host memory, valid until
     *   the call returns) naming the datasource and the database driver's message; the host
     *   also reports it with report_error, so a step that returns the failure needs to add
     *   nothing. On success set to "".
     *
     * Returns OH_STATUS_OK, OH_STATUS_INVALID_ARGUMENT (bad params, limits exceeded, NULL
     * out_rows_json, a refused statement as listed under sql), OH_STATUS_NOT_FOUND (unknown
     * datasource), OH_STATUS_UNAVAILABLE (not in run/compensate, or no database for this
     * call), OH_STATUS_RETRYABLE (since 1.1: a transient failure — deadlock, serialization
     * failure, lock timeout, database busy — that the same work may pass when tried again:
     * return it from run() and the host retries the step under its retry policy, rolling
     * back the step's transaction; a 1.0 host reports these as OH_STATUS_INTERNAL_ERROR) or
     * OH_STATUS_INTERNAL_ERROR (the database refused the statement: syntax, constraint,
     * connection). A failed statement on the host's database has no effect and leaves the
     * step's transaction usable. */
    oh_status (*execute)(oh_context* ctx, oh_str datasource, oh_str sql, oh_str params_json, oh_str* out_rows_json,
                         int64_t* out_changed, oh_str* out_error);

    /* since 1.1 — check OH_HAS_FIELD(db, oh_db_ext, max_result_bytes) before reading; a 1.0
     * host applies OH_DB_MAX_ROWS and OH_DB_MAX_RESULT_BYTES. */
    uint32_t max_rows;         /* the most rows one result may have */
    uint32_t max_result_bytes; /* the most bytes one result's rows may take as JSON text */
} oh_db_ext;

/* ---------------------------------------------------------------------------------------- */
/* orderhost.migrations/1 — plugin extension                                                 */
/* ---------------------------------------------------------------------------------------- */

#define OH_EXT_MIGRATIONS "orderhost.migrations/1"

/* One schema change. Plugin-owned and static: the host reads it at start, on its main thread,
 * after the negotiation and before any create(). */
typedef struct oh_migration {
    uint32_t struct_size; /* sizeof(oh_migration) as the plugin was compiled */
    uint32_t version;     /* 1, 2, 3...: unique within the plugin, never reused or renumbered */
    oh_str description;   /* one line, shown in logs and stored with the version */
    /* SQL for each backend; a backend-specific text wins over the portable one. Several
     * statements are separated by ';' (semicolons inside quotes or comments are fine;
     * dollar-quoted bodies are not supported). Empty: nothing to do on that backend. */
    oh_str sql; /* portable SQL for every backend */
    oh_str sql_sqlite;
    oh_str sql_postgresql;
} oh_migration;

/* The table returned by oh_plugin_info.get_extension(OH_EXT_MIGRATIONS). Plugin-owned and
 * static, like oh_plugin_info.
 *
 * The host applies, in version order, every migration not yet recorded for the plugin's id
 * in the datasource's plugin_migrations table. Each version runs in its own transaction
 * together with its plugin_migrations row, so it is applied whole or not at all, and exactly
 * once even when several hosts start at the same time. A failing migration stops the host's
 * start with a message naming the plugin, the version and the driver's message. Only ever
 * append migrations; a shipped one must not change. */
typedef struct oh_migrations_ext {
    uint32_t struct_size; /* sizeof(oh_migrations_ext) as the plugin was compiled */
    oh_str datasource;    /* where the migrations run: "" (the host's database) or a name */
    uint32_t migration_count;
    /* Pointers, not an array of structs, so that oh_migration can grow. */
    const oh_migration* const* migrations;
} oh_migrations_ext;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ORDERHOST_EXT_DB_H */
