/*
 * TEST COPY — a "future minor" of the orderhost plugin ABI (1.3) that does not exist. It is
 * the 1.2 header (plugin-api/include/orderhost/plugin_api.h) with OH_ABI_MINOR 3 and one made-up
 * field appended to oh_outcome, oh_host_services, oh_step_call, oh_step_kind and oh_plugin_info.
 * A plugin built from it must load and run in today's host (DESIGN.md, ABI rule 10): tests/abi.
 *
 * orderhost plugin ABI, version 1.2.
 *
 * This header is the whole contract between the orderhost server ("the host") and a step
 * plugin (a shared library). It is plain C99 so that a plugin can be written in C, C++ or any
 * language with a C FFI, and so that a plugin built today keeps loading in later 1.x hosts.
 *
 * How a plugin is loaded:
 *   1. The host opens the library and looks up ONE exported function, orderhost_plugin_entry.
 *   2. It calls it with an oh_host_info describing the host (ABI version, services table).
 *      This is the negotiation: the plugin answers with its oh_plugin_info (whose abi_major
 *      must equal the host's) or NULL to refuse. No other plugin code runs before that.
 *   3. For every chain step that uses one of the plugin's step kinds, the host calls
 *      oh_step_kind.create once with the step's configuration, then run / compensate for each
 *      order, and destroy when the chain is retired. The library is never unloaded.
 *
 * Rules that keep the ABI stable (see docs/plugin-author-guide.md):
 *   - Every struct begins with uint32_t struct_size. Structs only grow at the end; a reader
 *     accepts any struct at least as large as its 1.0 form (OH_SIZE_1_0_*) and checks
 *     struct_size before touching a field added after 1.0 (OH_HAS_FIELD). Every field and
 *     constant added after 1.0 is marked "since 1.N", like sqlite3ext.h does.
 *   - No C++ type, exception or longjmp crosses this boundary.
 *   - Strings are oh_str {ptr,len}, UTF-8, not necessarily NUL-terminated.
 *   - Inputs are borrowed for the duration of the call only. Strings the host hands out
 *     (oh_str results of services) stay valid until the current plugin call returns.
 *   - What a plugin creates (instances), only the plugin destroys, and vice versa.
 *   - Enumerations are int32_t with #defined values; values are never renumbered, and both
 *     sides must treat an unknown value as described next to each enumeration.
 */
#ifndef ORDERHOST_PLUGIN_API_H
#define ORDERHOST_PLUGIN_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------- */
/* Versions                                                                                  */
/* ---------------------------------------------------------------------------------------- */

/* The ABI this header describes. A host loads a plugin only if the majors are equal. The
 * minor is a feature level: a 1.3 host runs a 1.0 plugin, and a 1.3 plugin can run on a 1.0
 * host as long as it checks host->abi_minor (or struct sizes) before using newer features. */
#define OH_ABI_MAJOR 1
#define OH_ABI_MINOR 3

/* Name of the single exported entry function, as a string for dlsym-style lookups. */
#define OH_PLUGIN_ENTRY_NAME "orderhost_plugin_entry"

/* True when a struct read from the other side is big enough to contain FIELD.
 * Use it before reading any field added after ABI 1.0. */
#define OH_HAS_FIELD(ptr, type, field) \
    ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type *)0)->field))

/* The size of a struct up to and including FIELD: how the sizes of older forms are written. */
#define OH_SIZE_THROUGH(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))

/* ---------------------------------------------------------------------------------------- */
/* Basic types                                                                               */
/* ---------------------------------------------------------------------------------------- */

/* A borrowed UTF-8 string. ptr may be NULL only when len is 0. */
typedef struct oh_str {
    const char *ptr;
    size_t len;
} oh_str;

/* Builds an oh_str from a string literal: OH_STR("validation"). */
#define OH_STR(literal) { (literal), sizeof(literal) - 1 }

/* Status of a call across the boundary. This reports whether the CALL worked; business
 * results (credit declined, out of stock) are outcomes (oh_outcome), not statuses.
 * Unknown values must be treated as OH_STATUS_INTERNAL_ERROR. */
typedef int32_t oh_status;
#define OH_STATUS_OK 0
#define OH_STATUS_INVALID_ARGUMENT 1 /* a NULL or malformed argument (bad JSON, bad pointer) */
#define OH_STATUS_NOT_FOUND 2        /* the requested value does not exist */
#define OH_STATUS_TYPE_MISMATCH 3    /* the value exists but has another JSON type */
#define OH_STATUS_INVALID_CONFIG 4   /* create(): the step's configuration is refused */
#define OH_STATUS_UNAVAILABLE 5      /* the service is not available in this context */
#define OH_STATUS_INTERNAL_ERROR 6   /* anything else; an exception caught by the SDK */
/* since 1.1: a transient failure (deadlock, serialization failure, lock timeout, a gateway
 * that did not answer). A service returns it when trying again later can succeed; run() or
 * compensate() returning it makes the attempt a RETRY (the chain's retry policy applies, and
 * the step's document and database changes are dropped), where any other failing status is
 * a FAIL. A 1.0 host treats it as OH_STATUS_INTERNAL_ERROR. */
#define OH_STATUS_RETRYABLE 7
/* since 1.1: the host stopped waiting for this call (its deadline passed, or the host is
 * shutting down). Every service of the call's context returns it from then on, and nothing
 * the call still does (document changes, statements, events, outcome) is kept. Return soon. */
#define OH_STATUS_ABANDONED 8

/* Log levels for oh_host_services.log. Unknown values are logged as OH_LOG_INFO. */
typedef int32_t oh_log_level;
#define OH_LOG_TRACE 0
#define OH_LOG_DEBUG 1
#define OH_LOG_INFO 2
#define OH_LOG_WARN 3
#define OH_LOG_ERROR 4

/* The kinds of order step a step kind implements (what the administrator sees). A host that
 * does not know a category shows it as "other". */
typedef int32_t oh_step_category;
#define OH_CATEGORY_OTHER 0
#define OH_CATEGORY_VALIDATION 1
#define OH_CATEGORY_CREDIT 2
#define OH_CATEGORY_SOURCING 3
#define OH_CATEGORY_MANUFACTURING 4
#define OH_CATEGORY_BILLING 5
#define OH_CATEGORY_PAYMENT 6
#define OH_CATEGORY_PROVISIONING 7
#define OH_CATEGORY_PREPARATION 8
#define OH_CATEGORY_SHIPPING 9
#define OH_CATEGORY_RETURNS 10
#define OH_CATEGORY_NOTIFICATION 11
#define OH_CATEGORY_PUBLICATION 12

/* ---------------------------------------------------------------------------------------- */
/* Outcomes                                                                                  */
/* ---------------------------------------------------------------------------------------- */

/* What a step decided about the order. Unknown values are treated as OH_OUTCOME_FAIL.
 * From compensate() (since 1.1 this is the documented meaning; 1.0 hosts behaved the same):
 * CONTINUE = undone; RETRY = try the undo again later (the step's retry policy applies);
 * FAIL = the undo cannot be done: the order is held for an administrator (manual_action);
 * REJECT and SUSPEND are not allowed from compensate() and are treated as FAIL. */
typedef int32_t oh_outcome_kind;
#define OH_OUTCOME_CONTINUE 0 /* the step is done; the chain goes on */
#define OH_OUTCOME_REJECT 1   /* business refusal: the order stops here, with code + message */
#define OH_OUTCOME_RETRY 2    /* transient trouble (gateway down): run this step again later */
#define OH_OUTCOME_SUSPEND 3  /* wait for a signal (payment callback, manual approval) */
#define OH_OUTCOME_FAIL 4     /* the step cannot succeed; the chain's failure policy applies */

/* A step's result, reported with oh_host_services.report_outcome. The host copies every
 * string before report_outcome returns, so the plugin may pass temporaries. code and signal
 * must be printable ASCII; message must be UTF-8 without control characters other than tab
 * (the host replaces anything else, so what it stores and shows is always valid text).
 * An outcome whose struct_size is below OH_SIZE_1_0_OUTCOME cannot be read: the host records
 * a FAIL with code "unreadable_outcome" and logs why. */
typedef struct oh_outcome {
    uint32_t struct_size;     /* sizeof(oh_outcome) as the plugin was compiled */
    oh_outcome_kind kind;
    oh_str code;              /* machine-readable reason, e.g. "credit_limit_exceeded" */
    oh_str message;           /* human-readable explanation for administrators */
    uint64_t retry_after_ms;  /* RETRY: suggested delay; 0 lets the chain's policy decide */
    oh_str signal;            /* SUSPEND: name of the signal that resumes the order */
    uint64_t timeout_ms;      /* SUSPEND: how long to wait; 0 lets the chain decide */
    /* ---- since 1.3 (made up) ---- */
    uint64_t future_outcome_field;
} oh_outcome;

#define OH_SIZE_1_0_OUTCOME OH_SIZE_THROUGH(oh_outcome, timeout_ms)

/* ---------------------------------------------------------------------------------------- */
/* Host services                                                                             */
/* ---------------------------------------------------------------------------------------- */

/* A host-owned handle for the current call: create(), run() or compensate(). It is valid only
 * until that call returns; never store it. Services that need an order (the document) return
 * OH_STATUS_UNAVAILABLE when given the context of create(). */
typedef struct oh_context oh_context;

/* Declared here, defined under "Negotiation": log_plugin refers to it. */
struct oh_plugin_info;

/* Which JSON document a read service looks at. Unknown values: OH_STATUS_INVALID_ARGUMENT. */
typedef int32_t oh_document;
#define OH_DOC_CONFIG 0 /* the step's configuration from the chain file (read-only) */
#define OH_DOC_ORDER 1  /* the order document (read-write, run/compensate only) */

/* Services the host offers to plugins. One table for the life of the process; the pointer
 * arrives in oh_host_info and may be kept. Every function may be called from any thread that
 * is currently inside a plugin call, with that call's context. JSON paths are JSON Pointers
 * (RFC 6901): "" is the whole document, "/lines/0/sku" a field, "/notes/-" (set only) appends
 * to an array. Returned oh_str values point to host memory valid until the call returns.
 *
 * Functions marked "since 1.1" exist only when the host's table is large enough: check
 * OH_HAS_FIELD(services, oh_host_services, get_bool) (or the field you need) before calling.
 * On a 1.0 host a plugin degrades as each function says. */
typedef struct oh_host_services {
    uint32_t struct_size;

    /* Writes one line to the host log, tagged with the plugin, step and order. */
    void (*log)(oh_context *ctx, oh_log_level level, oh_str message);

    /* Milliseconds since the Unix epoch by the host's clock (which tests may control).
     * Plugins must use it instead of the system clock for anything stored in the order. */
    int64_t (*now_ms)(oh_context *ctx);

    /* Reads the value at `path` as JSON text (objects, arrays, numbers, strings quoted). */
    oh_status (*get_json)(oh_context *ctx, oh_document doc, oh_str path, oh_str *out_json);

    /* Reads a string value, unescaped. OH_STATUS_TYPE_MISMATCH if it is not a string. */
    oh_status (*get_string)(oh_context *ctx, oh_document doc, oh_str path, oh_str *out);

    /* Reads an integer value (money is always integer minor units). TYPE_MISMATCH if it is
     * not an integer that fits int64_t. */
    oh_status (*get_int)(oh_context *ctx, oh_document doc, oh_str path, int64_t *out);

    /* Number of elements of an array or members of an object. TYPE_MISMATCH otherwise. */
    oh_status (*get_size)(oh_context *ctx, oh_document doc, oh_str path, size_t *out);

    /* Sets the order document's value at `path` to the parsed `json` text. Missing parent
     * objects are created; "/x/-" appends to array x (created if missing). The change is part
     * of the step's result: it is saved only if the step's outcome is saved. */
    oh_status (*set_json)(oh_context *ctx, oh_str path, oh_str json);

    /* Reports the outcome of run() or compensate(). May be called several times; the last
     * call wins. A run() that returns OH_STATUS_OK without reporting means CONTINUE. */
    void (*report_outcome)(oh_context *ctx, const oh_outcome *outcome);

    /* Explains why the current call failed (for example which config field create() refused).
     * Shown to administrators next to the plugin's file and the chain step. */
    void (*report_error)(oh_context *ctx, oh_str message);

    /* Looks up an optional host extension by id, e.g. "orderhost.db/1". NULL when the host
     * does not offer it. The returned table lives as long as the process. */
    const void *(*get_extension)(const char *extension_id);

    /* ---- since 1.1 ---------------------------------------------------------------------- */

    /* Reads a boolean (JSON true/false) into *out as 1 or 0. TYPE_MISMATCH for any other type,
     * including 0/1 numbers and "true" strings. On a 1.0 host: read it with get_json and
     * compare the text with "true" / "false". */
    oh_status (*get_bool)(oh_context *ctx, oh_document doc, oh_str path, int32_t *out);

    /* The name of the index-th member of the object at `path`, in document order (members
     * keep the order in which they were first written). Use with get_size to walk an object:
     *   for (i = 0; i < n; ++i) get_key(ctx, doc, path, i, &key) ...
     * NOT_FOUND when index >= the member count, TYPE_MISMATCH when the value is not an object.
     * The key is unescaped UTF-8 (it may contain '/' or '~': escape them as "~1" / "~0" when
     * building a JSON Pointer from it). On a 1.0 host: parse the get_json text of the object. */
    oh_status (*get_key)(oh_context *ctx, oh_document doc, oh_str path, size_t index,
                         oh_str *out_key);

    /* Removes the value at `path` from the order document (a member of an object, or an
     * element of an array, whose later elements move down by one). NOT_FOUND when there is no
     * such value; INVALID_ARGUMENT for "" (the whole document cannot be removed). Like
     * set_json, the change is kept only if the step's outcome is. On a 1.0 host: set the
     * value to null with set_json. */
    oh_status (*remove_value)(oh_context *ctx, oh_str path);

    /* 1 when the host has stopped waiting for this call (see OH_STATUS_ABANDONED), else 0.
     * A long step may poll it between units of work and return early. On a 1.0 host there
     * is no way to know: keep calls well under the step's timeout_ms. */
    int32_t (*is_abandoned)(oh_context *ctx);

    /* Writes one line to the host log without a call context, e.g. from a plugin's own
     * background thread. `plugin` is the oh_plugin_info the plugin returned from
     * orderhost_plugin_entry: the host tags the line with that plugin's id (a pointer it did
     * not receive from an entry function is tagged "unknown plugin"). May be called from any
     * thread once the entry function has returned, concurrently with anything. The host
     * replaces control characters in `message`. On a 1.0 host: log only inside calls. */
    void (*log_plugin)(const struct oh_plugin_info *plugin, oh_log_level level, oh_str message);

    /* ---- since 1.3 (made up) ---- */
    int64_t (*future_service)(oh_context *ctx);
} oh_host_services;

#define OH_SIZE_1_0_HOST_SERVICES OH_SIZE_THROUGH(oh_host_services, get_extension)

/* ---------------------------------------------------------------------------------------- */
/* Negotiation                                                                               */
/* ---------------------------------------------------------------------------------------- */

/* What the host tells the plugin in orderhost_plugin_entry. Borrowed for the call, except
 * `services`, which lives as long as the process. */
typedef struct oh_host_info {
    uint32_t struct_size;
    uint16_t abi_major;             /* the host's OH_ABI_MAJOR */
    uint16_t abi_minor;             /* the host's OH_ABI_MINOR */
    oh_str host_name;               /* "orderhost" */
    oh_str host_version;            /* e.g. "0.1.0" */
    const oh_host_services *services;
} oh_host_info;

#define OH_SIZE_1_0_HOST_INFO OH_SIZE_THROUGH(oh_host_info, services)

/* since 1.2: what a call of run() is for (oh_step_call.mode). compensate() is always a run. */
typedef int32_t oh_call_mode;
#define OH_CALL_RUN 0   /* the order runs: the step's effects are real */
#define OH_CALL_QUOTE 1 /* a what-if run: answer, change nothing (see oh_step_call.mode) */

/* One run of a step on one order, handed to run() and compensate(). Borrowed for the call. */
typedef struct oh_step_call {
    uint32_t struct_size;
    oh_context *ctx;        /* pass to every host service during this call */
    oh_str order_id;        /* the host's id for the order */
    oh_str chain_name;      /* the chain the order runs on */
    oh_str step_name;       /* the step's name within that chain */
    uint32_t attempt;       /* 1 for the first attempt, 2 for the first retry, ... */
    /* Stable across attempts and restarts for this order + step: hand it to external systems
     * (payment gateways, carriers) so a retried call does not charge or ship twice. */
    oh_str idempotency_key;

    /* ---- since 1.1 ---------------------------------------------------------------------- */

    /* When the host stops waiting for this call, in milliseconds since the Unix epoch on the
     * host's clock (compare with now_ms()), from the step's timeout_ms. Past it the call is
     * abandoned (is_abandoned() returns 1). 0 means no deadline. Check OH_HAS_FIELD first. */
    int64_t deadline_ms;

    /* ---- since 1.2 ---------------------------------------------------------------------- */

    /* What the call is for: OH_CALL_RUN (the order runs) or OH_CALL_QUOTE (a what-if run for
     * POST /v1/quotes). Read it with OH_HAS_FIELD(call, oh_step_call, mode): a call from an
     * older host is always a run. The host calls a step in quote mode only when its kind sets
     * OH_STEP_ANSWERS_QUOTES. In quote mode the step answers from the same rules (prices, tax,
     * stock, rates, credit) but changes nothing: it writes what it would decide into the order
     * document (which becomes the quote), must not call an outside system (gateway, carrier,
     * mail) or take anything (a number, a reservation), and its database statements run in a
     * transaction the host always rolls back. A SUSPEND means "this order would wait here"; the
     * quote goes on with the next step. A plugin that meets an unknown value reports FAIL
     * (taking it for a run could have real effects). compensate() always gets OH_CALL_RUN. */
    oh_call_mode mode;

    /* ---- since 1.3 (made up) ---- */
    uint64_t future_call_field;
} oh_step_call;

#define OH_SIZE_1_0_STEP_CALL OH_SIZE_THROUGH(oh_step_call, idempotency_key)
#define OH_SIZE_1_1_STEP_CALL OH_SIZE_THROUGH(oh_step_call, deadline_ms)
/* What a 1.2 host writes into struct_size: through `mode`, not sizeof(oh_step_call), which
 * counts 4 bytes of tail padding where a later minor's 4-byte field would go (a plugin of that
 * minor would then read padding as the field). */
#define OH_SIZE_1_2_STEP_CALL OH_SIZE_THROUGH(oh_step_call, mode)

/* Arguments of create(). Borrowed for the call. */
typedef struct oh_create_args {
    uint32_t struct_size;
    oh_context *ctx;        /* for log, get_* on OH_DOC_CONFIG and report_error */
    oh_str chain_name;
    oh_str step_name;
    oh_str config_json;     /* the step's "config" from the chain file, as JSON ("{}" if none) */
} oh_create_args;

#define OH_SIZE_1_0_CREATE_ARGS OH_SIZE_THROUGH(oh_create_args, config_json)

/* Flags of oh_step_kind.flags. Unknown bits are ignored by the host. */
#define OH_STEP_THREAD_SAFE 0x1u /* run/compensate may be entered concurrently on one instance */
/* since 1.1: the step has no effect outside the order document and the host's own database
 * (no gateway, no mail, no named datasource, no background work). The host may then commit
 * it together with the steps around it in one checkpoint; a crash repeats all of them, which
 * is harmless exactly because nothing outside saw them. A 1.0 host ignores the bit. */
#define OH_STEP_NO_EXTERNAL_EFFECTS 0x2u
/* since 1.2: run() can answer a quote (oh_step_call.mode == OH_CALL_QUOTE). Steps without the
 * bit, and every step of a plugin built before 1.2, are skipped when the host quotes. */
#define OH_STEP_ANSWERS_QUOTES 0x4u

/* One kind of step a plugin implements (a plugin may implement several).
 *
 * Thread contract: create and destroy are never called concurrently with any other call on
 * the same instance. Unless OH_STEP_THREAD_SAFE is set, the host never enters run/compensate
 * of one instance from two threads at once; different instances may always run concurrently.
 */
typedef struct oh_step_kind {
    uint32_t struct_size;
    oh_str name;             /* unique within the plugin, e.g. "validate" */
    oh_step_category category;
    oh_str description;      /* one line for administrators */
    oh_str config_schema;    /* JSON Schema of the config, as text; empty if none */
    uint32_t flags;          /* OH_STEP_* */

    /* Creates an instance for one chain step. On success stores an opaque pointer in
     * *out_instance and returns OH_STATUS_OK. A refused configuration returns
     * OH_STATUS_INVALID_CONFIG after report_error() saying which field and why. */
    oh_status (*create)(const oh_create_args *args, void **out_instance);

    /* Runs the step on an order: read/modify the document, report the outcome. Returning
     * anything but OH_STATUS_OK means the step failed unexpectedly (outcome FAIL). */
    oh_status (*run)(void *instance, const oh_step_call *call);

    /* Undoes the effect of a completed run (release a reservation, void an invoice) when a
     * later step fails or the order is cancelled. Must be idempotent: after a crash it can be
     * called again for an undo that already happened. NULL when the step has nothing to undo.
     * What its outcome means is written next to oh_outcome_kind (CONTINUE = undone). */
    oh_status (*compensate)(void *instance, const oh_step_call *call);

    /* Frees an instance made by create(). Called once, after every other call returned. */
    void (*destroy)(void *instance);

    /* ---- since 1.3 (made up) ---- */
    uint64_t future_kind_field;
} oh_step_kind;

#define OH_SIZE_1_0_STEP_KIND OH_SIZE_THROUGH(oh_step_kind, destroy)

/* The plugin's answer to the negotiation. Must stay valid (typically static) until the
 * process exits: the host reads it at any time, and never unloads the library. */
typedef struct oh_plugin_info {
    uint32_t struct_size;
    uint16_t abi_major;              /* OH_ABI_MAJOR the plugin was built against */
    uint16_t abi_minor;              /* OH_ABI_MINOR the plugin was built against */
    oh_str id;                       /* globally unique, reverse-DNS style: "com.acme.credit" */
    oh_str version;                  /* the plugin's own version, e.g. "1.2.0" */
    oh_str vendor;
    oh_str description;
    uint32_t step_kind_count;
    /* Pointers (not an array of structs) so that oh_step_kind can grow without breaking
     * the stride. */
    const oh_step_kind *const *step_kinds;
    /* Optional plugin-side extensions by id; may be NULL. */
    const void *(*get_extension)(const char *extension_id);

    /* ---- since 1.3 (made up) ---- */
    oh_str future_info_field;
} oh_plugin_info;

#define OH_SIZE_1_0_PLUGIN_INFO OH_SIZE_THROUGH(oh_plugin_info, get_extension)

/* The one exported symbol. Called exactly once per load, on the host's main thread, before
 * anything else. Answer with the plugin's info even when host->abi_major differs from
 * OH_ABI_MAJOR (but then keep nothing from `host`): the host compares the majors and refuses
 * with both versions named. Return NULL only when `host` is NULL or too small to read, or the
 * plugin refuses the host for its own reasons; the host then reports "the entry returned NULL".
 * After a refusal the host never calls the plugin again. */
typedef const oh_plugin_info *(*oh_plugin_entry_fn)(const oh_host_info *host);

#if defined(_WIN32)
#define OH_PLUGIN_EXPORT __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#define OH_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define OH_PLUGIN_EXPORT
#endif

/* The entry's prototype, inside extern "C" so that a C++ definition gets C linkage. */
OH_PLUGIN_EXPORT const oh_plugin_info *orderhost_plugin_entry(const oh_host_info *host);

/* Defines the entry function with the right linkage and visibility:
 *   OH_PLUGIN_ENTRY { return host != NULL ? &my_info : NULL; }  */
#define OH_PLUGIN_ENTRY \
    OH_PLUGIN_EXPORT const oh_plugin_info *orderhost_plugin_entry(const oh_host_info *host)

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ORDERHOST_PLUGIN_API_H */
