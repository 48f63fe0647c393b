/*
 * probe_plugin.c — a C99 plugin that exercises every service the test kit offers, so the kit's
 * tests check what a real plugin sees through the C ABI at both host levels.
 *
 * Step kind "probe": config {"action": NAME, ...}; run() does NAME and writes what it saw under
 * /probe in the order. compensate() deletes the probe_items rows and reports config
 * "/compensate_outcome" (continue by default). Migrations create test_probe_items (prefixed
 * as the convention wants for "org.test.probe") and "unprefixed" (to trigger the kit's warning).
 */
#include <orderhost/ext/db.h>
#include <orderhost/ext/events.h>
#include <orderhost/plugin_api.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const oh_host_services* svc;
static const oh_plugin_info plugin_info;

static oh_str str_of(const char* text) {
    oh_str s;
    s.ptr = text;
    s.len = strlen(text);
    return s;
}

static void set_number(oh_context* ctx, const char* path, int64_t value) {
    char text[32];
    sprintf(text, "%" PRId64, value);
    svc->set_json(ctx, str_of(path), str_of(text));
}

static void report(oh_context* ctx, oh_outcome_kind kind, const char* code) {
    oh_outcome outcome;
    memset(&outcome, 0, sizeof outcome);
    outcome.struct_size = sizeof outcome;
    outcome.kind = kind;
    outcome.code = str_of(code);
    outcome.message = str_of(code);
    svc->report_outcome(ctx, &outcome);
}

/* The config's string at `path` copied into `out` (size 128); "" when absent. */
static void config_string(oh_context* ctx, const char* path, char* out) {
    oh_str value = {NULL, 0};
    out[0] = '\0';
    if (svc->get_string(ctx, OH_DOC_CONFIG, str_of(path), &value) == OH_STATUS_OK && value.len < 128) {
        memcpy(out, value.ptr, value.len);
        out[value.len] = '\0';
    }
}

static void record_services(const oh_step_call* call) {
    const void* events = svc->get_extension(OH_EXT_EVENTS);
    set_number(call->ctx, "/probe/has_get_bool", OH_HAS_FIELD(svc, oh_host_services, get_bool));
    set_number(call->ctx, "/probe/has_log_plugin", OH_HAS_FIELD(svc, oh_host_services, log_plugin));
    set_number(call->ctx, "/probe/has_deadline", OH_HAS_FIELD(call, oh_step_call, deadline_ms));
    set_number(call->ctx, "/probe/has_events", events != NULL);
    set_number(call->ctx, "/probe/has_db", svc->get_extension(OH_EXT_DB) != NULL);
    if (OH_HAS_FIELD(call, oh_step_call, deadline_ms)) set_number(call->ctx, "/probe/deadline", call->deadline_ms);
    set_number(call->ctx, "/probe/mode", OH_HAS_FIELD(call, oh_step_call, mode) ? call->mode : -1);
    set_number(call->ctx, "/probe/attempt", call->attempt);
    svc->set_json(call->ctx, str_of("/probe/key"), str_of("\"see idempotency_key\""));
    {
        char quoted[160];
        if (call->idempotency_key.len < 150) {
            sprintf(quoted, "\"%.*s\"", (int)call->idempotency_key.len, call->idempotency_key.ptr);
            svc->set_json(call->ctx, str_of("/probe/key"), str_of(quoted));
        }
    }
}

/* log_plugin from a thread of the plugin's own, while the calling thread logs with its context. */
static void* log_from_thread(void* unused) {
    int i;
    (void)unused;
    for (i = 0; i < 100; ++i) svc->log_plugin(&plugin_info, OH_LOG_DEBUG, str_of("from the plugin's thread"));
    return NULL;
}

static void log_concurrently(const oh_step_call* call) {
    pthread_t thread;
    int i;
    if (pthread_create(&thread, NULL, log_from_thread, NULL) != 0) return;
    for (i = 0; i < 100; ++i) svc->log(call->ctx, OH_LOG_DEBUG, str_of("from the calling thread"));
    pthread_join(thread, NULL);
}

static oh_status run_sql(const oh_step_call* call, char* outcome) {
    const oh_db_ext* db = (const oh_db_ext*)svc->get_extension(OH_EXT_DB);
    char sql[128];
    oh_str rows, error;

    int64_t changed = 0;
    oh_status st;
    config_string(call->ctx, "/sql", sql);
    st = db->execute(call->ctx, str_of(""), str_of(sql), str_of("[\"A-1\", 2, true, null]"), &rows, &changed, &error);
    if (st != OH_STATUS_OK) return st;
    set_number(call->ctx, "/probe/changed", changed);
    svc->set_json(call->ctx, str_of("/probe/rows"), rows);
    config_string(call->ctx, "/outcome", outcome);
    return OH_STATUS_OK;
}

/* What the host refuses or cleans at the boundary, which the kit must treat the same way:
 * texts with a NULL pointer and a length, bad JSON Pointers and the document's limits. Each
 * status is appended to /probe/statuses. */
static void probe_boundary(const oh_step_call* call) {
    const oh_db_ext* db = (const oh_db_ext*)svc->get_extension(OH_EXT_DB);
    const oh_events_ext* events = (const oh_events_ext*)svc->get_extension(OH_EXT_EVENTS);
    oh_context* ctx = call->ctx;
    const oh_str nulled = {NULL, 5};
    const oh_str nul_path = {"/a\0b", 4};
    oh_str out = {NULL, 0};
    oh_status st[14];
    size_t i, n = 0;
    const size_t mib = 1024 * 1024;
    char* big = (char*)malloc(mib + 3);
    char deep[256] = "";
    if (big == NULL) return;
    memset(big, 'x', mib + 2);
    big[0] = big[mib + 1] = '"';
    big[mib + 2] = '\0';
    for (i = 0; i < 100; ++i) strcat(deep, "[");
    for (i = 0; i < 100; ++i) strcat(deep, "]");
    st[n++] = svc->get_json(ctx, OH_DOC_ORDER, nulled, &out);
    st[n++] = svc->set_json(ctx, nulled, str_of("{\"clobbered\":true}"));
    st[n++] = svc->remove_value(ctx, nulled);
    st[n++] = db->execute(ctx, str_of(""), nulled, str_of(""), &out, NULL, NULL);
    st[n++] = events->emit(ctx, nulled, str_of("{}"));
    st[n++] = svc->set_json(ctx, nul_path, str_of("1"));
    st[n++] = svc->set_json(ctx, str_of("/\xff"), str_of("1"));
    st[n++] = svc->set_json(ctx, str_of("/deep"), str_of(deep));
    /* 300,000 levels in 600 KB: refused while parsing, before anything recursive could overflow */
    memset(big, '[', 300000);
    memset(big + 300000, ']', 300000);
    big[600000] = '\0';
    st[n++] = svc->set_json(ctx, str_of("/deeper"), str_of(big));
    memset(big, 'x', mib + 2);
    big[0] = big[mib + 1] = '"';
    big[mib + 2] = '\0';
    st[n++] = svc->remove_value(ctx, str_of("/lines/-"));
    for (i = 0; i < 4; ++i) {
        char path[16];
        sprintf(path, "/big%d", (int)i);
        st[n++] = svc->set_json(ctx, str_of(path), str_of(big)); /* the fourth passes 4 MiB */
    }
    free(big);
    for (i = 0; i < n; ++i) set_number(ctx, "/probe/statuses/-", st[i]);
    for (i = 0; i < 4; ++i) {
        char path[16];
        sprintf(path, "/big%d", (int)i);
        svc->remove_value(ctx, str_of(path));
    }
}

/* An outcome as hostile plugins report it; config "/outcome_case" picks which. */
static void probe_outcome(const oh_step_call* call) {
    char which[128];
    oh_outcome outcome;
    config_string(call->ctx, "/outcome_case", which);
    memset(&outcome, 0, sizeof outcome);
    outcome.struct_size = sizeof outcome;
    if (strcmp(which, "null") == 0) {
        svc->report_outcome(call->ctx, NULL);
        return;
    }
    if (strcmp(which, "null_code") == 0) {
        outcome.code.len = 3; /* ptr stays NULL */
    } else if (strcmp(which, "bad_signal") == 0) {
        outcome.kind = OH_OUTCOME_SUSPEND;
        outcome.signal = str_of("Bad Signal!");
    } else {
        static const char message[] = "caf\xC3\xA9 \xFF nul:\0 esc:\x1b[31m";
        outcome.kind = OH_OUTCOME_FAIL;
        outcome.code = str_of("bad code \xC3\xBC\x01");
        outcome.message.ptr = message;
        outcome.message.len = sizeof message - 1;
    }
    svc->report_outcome(call->ctx, &outcome);
}

static oh_status probe_run(void* instance, const oh_step_call* call) {
    char action[128], outcome[128] = "";
    (void)instance;
    config_string(call->ctx, "/action", action);
    svc->log(call->ctx, OH_LOG_INFO, str_of(action));
    if (strcmp(action, "services") == 0) {
        record_services(call);
    } else if (strcmp(action, "bool") == 0) {
        int32_t flag = -1;
        oh_status st = svc->get_bool(call->ctx, OH_DOC_ORDER, str_of("/flag"), &flag);
        set_number(call->ctx, "/probe/status", st);
        set_number(call->ctx, "/probe/flag", flag);
    } else if (strcmp(action, "keys") == 0) {
        size_t n = 0, i;
        svc->get_size(call->ctx, OH_DOC_ORDER, str_of("/obj"), &n);
        for (i = 0; i < n; ++i) {
            oh_str key;
            char quoted[64];
            svc->get_key(call->ctx, OH_DOC_ORDER, str_of("/obj"), i, &key);
            sprintf(quoted, "\"%.*s\"", (int)key.len, key.ptr);
            svc->set_json(call->ctx, str_of("/probe/keys/-"), str_of(quoted));
        }
    } else if (strcmp(action, "remove") == 0) {
        set_number(call->ctx, "/probe/removed", svc->remove_value(call->ctx, str_of("/obj/b")));
        set_number(call->ctx, "/probe/missing", svc->remove_value(call->ctx, str_of("/obj/zz")));
    } else if (strcmp(action, "wait") == 0) {
        /* A long step: works until the host gives up on it. */
        int rounds = 0;
        while (!svc->is_abandoned(call->ctx) && rounds < 1000) {
            svc->now_ms(call->ctx);
            ++rounds;
        }
        svc->set_json(call->ctx, str_of("/probe/after"), str_of("true"));
        return svc->is_abandoned(call->ctx) ? OH_STATUS_ABANDONED : OH_STATUS_OK;
    } else if (strcmp(action, "sql") == 0) {
        oh_status st = run_sql(call, outcome);
        if (st != OH_STATUS_OK) return st;
    } else if (strcmp(action, "emit") == 0) {
        const oh_events_ext* events = (const oh_events_ext*)svc->get_extension(OH_EXT_EVENTS);
        char type[128];
        config_string(call->ctx, "/event_type", type);
        set_number(call->ctx, "/probe/status",
                   events->emit(call->ctx, str_of(type), str_of("{\"invoice\":\"INV-1\"}")));
        config_string(call->ctx, "/outcome", outcome);
    } else if (strcmp(action, "log_plugin") == 0) {
        svc->log_plugin(&plugin_info, OH_LOG_WARN, str_of("from a background thread"));
    } else if (strcmp(action, "log_thread") == 0) {
        log_concurrently(call);
    } else if (strcmp(action, "retryable") == 0) {
        svc->set_json(call->ctx, str_of("/probe/touched"), str_of("true"));
        return OH_STATUS_RETRYABLE;
    } else if (strcmp(action, "boundary") == 0) {
        probe_boundary(call);
    } else if (strcmp(action, "outcome") == 0) {
        probe_outcome(call);
        return OH_STATUS_OK;
    } else if (strcmp(action, "small_outcome") == 0) {
        oh_outcome outcome_small;
        memset(&outcome_small, 0, sizeof outcome_small);
        outcome_small.struct_size = 4;
        outcome_small.kind = OH_OUTCOME_REJECT;
        svc->report_outcome(call->ctx, &outcome_small);
        return OH_STATUS_OK;
    }
    if (strcmp(outcome, "fail") == 0)
        report(call->ctx, OH_OUTCOME_FAIL, "asked_to_fail");
    else if (strcmp(outcome, "reject") == 0)
        report(call->ctx, OH_OUTCOME_REJECT, "asked_to_reject");
    return OH_STATUS_OK;
}

static oh_status probe_compensate(void* instance, const oh_step_call* call) {
    const oh_db_ext* db = (const oh_db_ext*)svc->get_extension(OH_EXT_DB);
    char outcome[128];
    oh_str rows;
    (void)instance;
    db->execute(call->ctx, str_of(""), str_of("DELETE FROM test_probe_items"), str_of(""), &rows, NULL, NULL);
    config_string(call->ctx, "/compensate_outcome", outcome);
    if (strcmp(outcome, "suspend") == 0) report(call->ctx, OH_OUTCOME_SUSPEND, "cannot_suspend");
    return OH_STATUS_OK;
}

static oh_status probe_create(const oh_create_args* args, void** out) {
    char action[128];
    config_string(args->ctx, "/action", action);
    if (strcmp(action, "refuse") == 0) {
        svc->report_error(args->ctx, str_of("config field 'action': refuse was asked for"));
        return OH_STATUS_INVALID_CONFIG;
    }
    *out = (void*)&plugin_info;
    return OH_STATUS_OK;
}

static void probe_destroy(void* instance) { (void)instance; }

static const oh_step_kind probe_kind = {
    sizeof(oh_step_kind), OH_STR("probe"),        OH_CATEGORY_OTHER, OH_STR("Exercises the services"),
    OH_STR(""),           OH_STEP_ANSWERS_QUOTES, probe_create,      probe_run,
    probe_compensate,     probe_destroy,
};
/* The same step without OH_STEP_ANSWERS_QUOTES: the host (and the kit) never quote with it. */
static const oh_step_kind plain_kind = {
    sizeof(oh_step_kind), OH_STR("plain"),
    OH_CATEGORY_OTHER,    OH_STR("Does not answer quotes"),
    OH_STR(""),           0,
    probe_create,         probe_run,
    probe_compensate,     probe_destroy,
};
static const oh_step_kind* const kinds[] = {&probe_kind, &plain_kind};

static const oh_migration migration_1 = {
    sizeof(oh_migration),
    1,
    OH_STR("items"),
    OH_STR("CREATE TABLE test_probe_items (sku VARCHAR(16) PRIMARY KEY, quantity BIGINT, flag SMALLINT,"
           " note VARCHAR(16)); CREATE TABLE unprefixed (id INTEGER)"),
    OH_STR(""),
    OH_STR(""),
};
static const oh_migration* const migrations[] = {&migration_1};
static const oh_migrations_ext migrations_ext = {sizeof(oh_migrations_ext), OH_STR(""), 1, migrations};

static const void* plugin_extension(const char* id) {
    return strcmp(id, OH_EXT_MIGRATIONS) == 0 ? &migrations_ext : NULL;
}

static const oh_plugin_info plugin_info = {
    sizeof(oh_plugin_info),
    OH_ABI_MAJOR,
    OH_ABI_MINOR,
    OH_STR("org.test.probe"),
    OH_STR("1.0.0"),
    OH_STR("tests"),
    OH_STR("Probes the test kit"),
    2,
    kinds,
    plugin_extension,
};

OH_PLUGIN_ENTRY {
    if (host == NULL || !OH_HAS_FIELD(host, oh_host_info, services)) return NULL;
    svc = host->services;
    return &plugin_info;
}
