/*
 * One C source built three times against three copies of the ABI header (tests/abi/CMakeLists):
 *   abi_compat_1_0     tests/abi/frozen/1.0  — the released 1.0 header, frozen
 *   abi_compat_1_1     tests/abi/frozen/1.1  — the released 1.1 header, frozen
 *   abi_compat_future  tests/abi/future      — a made-up 1.3 with larger structs
 * Each must load in today's host and run in a real chain (engine test AbiCompatibilityTest).
 *
 * Its step "compat" uses what its header offers, the way a plugin of that version would, and
 * writes what it saw into the order under /compat/<plugin id>/:
 *   abi               the OH_ABI_MINOR it was built with
 *   host_minor        the host's abi_minor from the negotiation
 *   customer, total   read with get_string / get_int (1.0 services)
 *   db_one            SELECT 1 through orderhost.db/1 in the step's transaction
 *   deadline_ms       (1.1+) oh_step_call.deadline_ms, when the host's call struct has it
 *   rush              (1.1+) get_bool, when the host's services table has it
 *   future_call_field (future) whether the host's oh_step_call reached the made-up field
 * and reports CONTINUE with an oh_outcome of its own (1.0-, 1.1- or future-sized) size.
 */
#include <orderhost/ext/db.h>
#include <orderhost/plugin_api.h>

#include <stdio.h>
#include <string.h>

/* An oh_str argument from a literal (OH_STR is an initializer; this is an expression). */
#define STR(literal) ((oh_str)OH_STR(literal))

#ifndef COMPAT_ID
#error "COMPAT_ID must name the plugin"
#endif

static const oh_host_services* services = NULL;
static int host_minor = -1;

static oh_status compat_create(const oh_create_args* args, void** out) {
    (void)args;
    *out = (void*)&services;
    return OH_STATUS_OK;
}

/* Sets /compat/<id>/<name> to the JSON text `json`. */
static oh_status put(oh_context* ctx, const char* name, const char* json) {
    char path[160];
    oh_str p, j;
    snprintf(path, sizeof path, "/compat/%s/%s", COMPAT_ID, name);
    p.ptr = path;
    p.len = strlen(path);
    j.ptr = json;
    j.len = strlen(json);
    return services->set_json(ctx, p, j);
}

static oh_status put_int(oh_context* ctx, const char* name, long long value) {
    char text[32];
    snprintf(text, sizeof text, "%lld", value);
    return put(ctx, name, text);
}

static oh_status read_order(oh_context* ctx) {
    oh_str customer = {NULL, 0};
    int64_t total = 0;
    char quoted[80];
    oh_status st = services->get_string(ctx, OH_DOC_ORDER, STR("/customer"), &customer);
    if (st != OH_STATUS_OK || customer.len > 64) return OH_STATUS_INTERNAL_ERROR;
    snprintf(quoted, sizeof quoted, "\"%.*s\"", (int)customer.len, customer.ptr);
    if ((st = put(ctx, "customer", quoted)) != OH_STATUS_OK) return st;
    if ((st = services->get_int(ctx, OH_DOC_ORDER, STR("/total"), &total)) != OH_STATUS_OK) return st;
    return put_int(ctx, "total", (long long)total);
}

static oh_status query_db(oh_context* ctx) {
    const oh_db_ext* db = (const oh_db_ext*)services->get_extension(OH_EXT_DB);
    oh_str rows = {NULL, 0};
    char json[64];
    oh_status st;
    if (db == NULL || !OH_HAS_FIELD(db, oh_db_ext, execute)) return put(ctx, "db_one", "null");
    st = db->execute(ctx, STR(""), STR("SELECT 1 AS one"), STR("[]"), &rows, NULL, NULL);
    if (st != OH_STATUS_OK || rows.len >= sizeof json) return OH_STATUS_INTERNAL_ERROR;
    memcpy(json, rows.ptr, rows.len);
    json[rows.len] = '\0';
    return put(ctx, "db_one", json);
}

#if OH_ABI_MINOR >= 1
static oh_status use_1_1(oh_context* ctx, const oh_step_call* call) {
    int32_t rush = 0;
    oh_status st;
    if (OH_HAS_FIELD(call, oh_step_call, deadline_ms) &&
        (st = put_int(ctx, "deadline_ms", (long long)call->deadline_ms)) != OH_STATUS_OK)
        return st;
    if (!OH_HAS_FIELD(services, oh_host_services, get_bool)) return put(ctx, "rush", "\"no get_bool\"");
    st = services->get_bool(ctx, OH_DOC_ORDER, STR("/rush"), &rush);
    if (st != OH_STATUS_OK) return st;
    return put(ctx, "rush", rush ? "true" : "false");
}
#endif

static oh_status compat_run(void* instance, const oh_step_call* call) {
    oh_context* ctx = call->ctx;
    oh_outcome outcome;
    oh_status st;
    (void)instance;
    if ((st = put_int(ctx, "abi", OH_ABI_MINOR)) != OH_STATUS_OK) return st;
    if ((st = put_int(ctx, "host_minor", host_minor)) != OH_STATUS_OK) return st;
    if ((st = read_order(ctx)) != OH_STATUS_OK) return st;
    if ((st = query_db(ctx)) != OH_STATUS_OK) return st;
#if OH_ABI_MINOR >= 1
    if ((st = use_1_1(ctx, call)) != OH_STATUS_OK) return st;
#endif
#if OH_ABI_MINOR >= 2
    /* The host is older than this header: its oh_step_call ends before the made-up field. */
    st = put(ctx, "future_call_field", OH_HAS_FIELD(call, oh_step_call, future_call_field) ? "true" : "false");
    if (st != OH_STATUS_OK) return st;
#endif
    services->log(ctx, OH_LOG_INFO, STR("compat step ran"));
    memset(&outcome, 0, sizeof outcome);
    outcome.struct_size = sizeof outcome; /* the size of THIS header's oh_outcome */
    outcome.kind = OH_OUTCOME_CONTINUE;
    outcome.code = STR("compat_ok");
    services->report_outcome(ctx, &outcome);
    return OH_STATUS_OK;
}

static void compat_destroy(void* instance) { (void)instance; }

static const oh_step_kind compat_kind = {
    sizeof(oh_step_kind), OH_STR("compat"), OH_CATEGORY_OTHER, OH_STR("records what the ABI offers"),
    /* 0x4 is OH_STEP_ANSWERS_QUOTES since 1.2 and an unknown bit before: from the 1.0 and 1.1
     * builds the host must ignore it (their calls could not tell a quote from a run). */
    OH_STR(""), OH_STEP_THREAD_SAFE | 0x4u, compat_create, compat_run, NULL, compat_destroy,
#if OH_ABI_MINOR >= 2
    42u, /* future_kind_field */
#endif
};
static const oh_step_kind* const compat_kinds[] = {&compat_kind};

static const oh_plugin_info compat_info = {
    sizeof(oh_plugin_info),
    OH_ABI_MAJOR,
    OH_ABI_MINOR,
    OH_STR(COMPAT_ID),
    OH_STR("1.0.0"),
    OH_STR("tests"),
    OH_STR("ABI compatibility fixture"),
    1,
    compat_kinds,
    NULL,
#if OH_ABI_MINOR >= 2
    OH_STR("future"), /* future_info_field */
#endif
};

OH_PLUGIN_ENTRY {
    if (host == NULL || !OH_HAS_FIELD(host, oh_host_info, services)) return NULL;
    if (host->abi_major != OH_ABI_MAJOR) return &compat_info;
    if (host->services == NULL || !OH_HAS_FIELD(host->services, oh_host_services, get_extension)) return NULL;
    services = host->services;
    host_minor = host->abi_minor;
    return &compat_info;
}
