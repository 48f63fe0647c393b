/*
 * orderhost plugin ABI, version 1.
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
 *     checks struct_size before touching a field added after 1.0 (OH_HAS_FIELD).
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
#define OH_ABI_MINOR 0

/* Name of the single exported entry function, as a string for dlsym-style lookups. */
#define OH_PLUGIN_ENTRY_NAME "orderhost_plugin_entry"

/* True when a struct read from the other side is big enough to contain FIELD.
 * Use it before reading any field added after ABI 1.0. */
#define OH_HAS_FIELD(ptr, type, field) \
    ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type *)0)->field))

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

/* What a step decided about the order. Unknown values are treated as OH_OUTCOME_FAIL. */
typedef int32_t oh_outcome_kind;
#define OH_OUTCOME_CONTINUE 0 /* the step is done; the chain goes on */
#define OH_OUTCOME_REJECT 1   /* business refusal: the order stops here, with code + message */
#define OH_OUTCOME_RETRY 2    /* transient trouble (gateway down): run this step again later */
#define OH_OUTCOME_SUSPEND 3  /* wait for a signal (payment callback, manual approval) */
#define OH_OUTCOME_FAIL 4     /* the step cannot succeed; the chain's failure policy applies */

/* A step's result, reported with oh_host_services.report_outcome. The host copies every
 * string before report_outcome returns, so the plugin may pass temporaries. */
typedef struct oh_outcome {
    uint32_t struct_size;     /* sizeof(oh_outcome) as the plugin was compiled */
    oh_outcome_kind kind;
    oh_str code;              /* machine-readable reason, e.g. "credit_limit_exceeded" */
    oh_str message;           /* human-readable explanation for administrators */
    uint64_t retry_after_ms;  /* RETRY: suggested delay; 0 lets the chain's policy decide */
    oh_str signal;            /* SUSPEND: name of the signal that resumes the order */
    uint64_t timeout_ms;      /* SUSPEND: how long to wait; 0 lets the chain decide */
} oh_outcome;

/* ---------------------------------------------------------------------------------------- */
/* Host services                                                                             */
/* ---------------------------------------------------------------------------------------- */

/* A host-owned handle for the current call: create(), run() or compensate(). It is valid only
 * until that call returns; never store it. Services that need an order (the document) return
 * OH_STATUS_UNAVAILABLE when given the context of create(). */
typedef struct oh_context oh_context;

/* Which JSON document a read service looks at. Unknown values: OH_STATUS_INVALID_ARGUMENT. */
typedef int32_t oh_document;
#define OH_DOC_CONFIG 0 /* the step's configuration from the chain file (read-only) */
#define OH_DOC_ORDER 1  /* the order document (read-write, run/compensate only) */

/* Services the host offers to plugins. One table for the life of the process; the pointer
 * arrives in oh_host_info and may be kept. Every function may be called from any thread that
 * is currently inside a plugin call, with that call's context. JSON paths are JSON Pointers
 * (RFC 6901): "" is the whole document, "/lines/0/sku" a field, "/notes/-" (set only) appends
 * to an array. Returned oh_str values point to host memory valid until the call returns. */
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
} oh_host_services;

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
} oh_step_call;

/* Arguments of create(). Borrowed for the call. */
typedef struct oh_create_args {
    uint32_t struct_size;
    oh_context *ctx;        /* for log, get_* on OH_DOC_CONFIG and report_error */
    oh_str chain_name;
    oh_str step_name;
    oh_str config_json;     /* the step's "config" from the chain file, as JSON ("{}" if none) */
} oh_create_args;

/* Flags of oh_step_kind.flags. Unknown bits are ignored by the host. */
#define OH_STEP_THREAD_SAFE 0x1u /* run/compensate may be entered concurrently on one instance */

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
     * later step fails. Must be idempotent. NULL when the step has nothing to undo. */
    oh_status (*compensate)(void *instance, const oh_step_call *call);

    /* Frees an instance made by create(). Called once, after every other call returned. */
    void (*destroy)(void *instance);
} oh_step_kind;

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
} oh_plugin_info;

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
