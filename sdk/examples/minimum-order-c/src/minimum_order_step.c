/*
 * com.acme.minimum-order — rejects orders whose net total is below a configured minimum (C99).
 *
 * Step kind "minimum-order", config {"minimum_minor": 5000} (money in minor units: 50.00).
 * It reads /totals/net (written by orderhost.validation, which runs before it), records the
 * check in its own table acme_minimum_order_checks through orderhost.db (in the step's
 * transaction: the row exists exactly when the host kept the step's result), writes
 * /minimum_order into the order, and REJECTs with code "below_minimum" or CONTINUEs.
 */
#include <orderhost/ext/db.h>
#include <orderhost/plugin_api.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Set once by orderhost_plugin_entry, before any other call; read-only afterwards. */
static const oh_host_services *services;

typedef struct minimum_order_step {
    int64_t minimum; /* read-only after create(), so run() is thread-safe */
} minimum_order_step;

static oh_str str_of(const char *text) {
    oh_str s;
    s.ptr = text;
    s.len = strlen(text);
    return s;
}

static void report(oh_context *ctx, oh_outcome_kind kind, const char *code, const char *message) {
    oh_outcome outcome;
    memset(&outcome, 0, sizeof outcome);
    outcome.struct_size = sizeof outcome;
    outcome.kind = kind;
    outcome.code = str_of(code);
    outcome.message = str_of(message);
    services->report_outcome(ctx, &outcome);
}

static oh_status minimum_order_create(const oh_create_args *args, void **out_instance) {
    minimum_order_step *step;
    int64_t minimum = 0;
    oh_status st = services->get_int(args->ctx, OH_DOC_CONFIG, str_of("/minimum_minor"), &minimum);
    if ((st != OH_STATUS_OK && st != OH_STATUS_NOT_FOUND) || minimum < 0) {
        services->report_error(args->ctx, str_of("config field 'minimum_minor' must be an integer, zero or more"));
        return OH_STATUS_INVALID_CONFIG;
    }
    step = (minimum_order_step *)calloc(1, sizeof *step);
    if (step == NULL) return OH_STATUS_INTERNAL_ERROR;
    step->minimum = minimum;
    *out_instance = step;
    return OH_STATUS_OK;
}

static void minimum_order_destroy(void *instance) { free(instance); }

/* One row per order; a retried attempt updates it instead of failing on the key. */
static oh_status record_check(const oh_step_call *call, int64_t net, int64_t minimum, int passed) {
    const oh_db_ext *db = (const oh_db_ext *)services->get_extension(OH_EXT_DB);
    char params[256];
    oh_str rows;
    if (db == NULL || call->order_id.len > 64) return OH_STATUS_UNAVAILABLE;
    /* The host's order ids are UUIDs: nothing to escape in a JSON string. */
    sprintf(params, "[\"%.*s\",%" PRId64 ",%" PRId64 ",%d,%" PRId64 "]", (int)call->order_id.len,
            call->order_id.ptr, net, minimum, passed, services->now_ms(call->ctx));
    return db->execute(call->ctx, str_of(""),
                       str_of("INSERT INTO acme_minimum_order_checks"
                              " (order_id, net_minor, minimum_minor, passed, checked_at) VALUES (?, ?, ?, ?, ?)"
                              " ON CONFLICT (order_id) DO UPDATE SET net_minor = excluded.net_minor,"
                              " minimum_minor = excluded.minimum_minor, passed = excluded.passed,"
                              " checked_at = excluded.checked_at"),
                       str_of(params), &rows, NULL, NULL);
}

static oh_status minimum_order_run(void *instance, const oh_step_call *call) {
    const minimum_order_step *step = (const minimum_order_step *)instance;
    char text[160];
    int64_t net = 0;
    int passed;
    oh_status st = services->get_int(call->ctx, OH_DOC_ORDER, str_of("/totals/net"), &net);
    if (st == OH_STATUS_NOT_FOUND) {
        report(call->ctx, OH_OUTCOME_FAIL, "totals_missing", "no /totals/net: run orderhost.validation before this step");
        return OH_STATUS_OK;
    }
    if (st != OH_STATUS_OK) return st;
    passed = net >= step->minimum;
    st = record_check(call, net, step->minimum, passed);
    if (st != OH_STATUS_OK) return st; /* the host already has the database's message */

    sprintf(text, "{\"minimum_minor\":%" PRId64 ",\"passed\":%s}", step->minimum, passed ? "true" : "false");
    st = services->set_json(call->ctx, str_of("/minimum_order"), str_of(text));
    if (st != OH_STATUS_OK) return st;
    if (!passed) {
        sprintf(text, "the net total %" PRId64 " is below the minimum order value %" PRId64, net, step->minimum);
        report(call->ctx, OH_OUTCOME_REJECT, "below_minimum", text);
    }
    return OH_STATUS_OK; /* no outcome reported means CONTINUE */
}

static const oh_step_kind minimum_order_kind = {
    sizeof(oh_step_kind),
    OH_STR("minimum-order"),
    OH_CATEGORY_VALIDATION,
    OH_STR("Rejects orders whose net total is below minimum_minor"),
    OH_STR("{\"type\":\"object\",\"properties\":{\"minimum_minor\":{\"type\":\"integer\",\"minimum\":0}}}"),
    OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS,
    minimum_order_create,
    minimum_order_run,
    NULL, /* nothing to undo: the row goes with the order's history */
    minimum_order_destroy,
};

static const oh_step_kind *const step_kinds[] = {&minimum_order_kind};

/* Tables are prefixed with the plugin id minus its first label: acme_minimum_order_. */
static const oh_migration migration_1 = {
    sizeof(oh_migration), 1, OH_STR("acme_minimum_order_checks"),
    OH_STR("CREATE TABLE acme_minimum_order_checks (order_id VARCHAR(64) PRIMARY KEY,"
           " net_minor BIGINT NOT NULL, minimum_minor BIGINT NOT NULL, passed SMALLINT NOT NULL,"
           " checked_at BIGINT NOT NULL)"),
    OH_STR(""), OH_STR(""),
};
static const oh_migration *const migrations[] = {&migration_1};
static const oh_migrations_ext migrations_ext = {sizeof(oh_migrations_ext), OH_STR(""), 1, migrations};

static const void *plugin_extension(const char *id) {
    return strcmp(id, OH_EXT_MIGRATIONS) == 0 ? &migrations_ext : NULL;
}

static const oh_plugin_info plugin_info = {
    sizeof(oh_plugin_info), OH_ABI_MAJOR, OH_ABI_MINOR,
    OH_STR("com.acme.minimum-order"), OH_STR("1.0.0"), OH_STR("ACME"), OH_STR("Minimum order value"),
    1, step_kinds, plugin_extension,
};

OH_PLUGIN_ENTRY {
    if (host == NULL || !OH_HAS_FIELD(host, oh_host_info, services)) return NULL;
    if (host->abi_major != OH_ABI_MAJOR) return &plugin_info; /* the host names both versions */
    if (host->services == NULL || !OH_HAS_FIELD(host->services, oh_host_services, get_extension)) return NULL;
    services = host->services;
    return &plugin_info;
}
