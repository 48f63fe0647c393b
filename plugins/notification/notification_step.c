/*
 * orderhost.notification — keeps the customer informed, written in plain C99.
 *
 * This plugin exists to prove that the ABI is C: it includes only plugin_api.h and the C
 * standard library, and builds its JSON by hand. The channel is FAKE: instead of sending an
 * e-mail or SMS it appends a record of what it would have sent to /notifications in the
 * order, {"channel","template","to","at","idempotency_key"}. A real channel would hand the
 * same record (with the idempotency key, so a retry never sends twice) to a mail gateway.
 *
 * Config: {"template": "order-confirmation", "channel": "email"}, both optional strings.
 * Thread contract: the instance is read-only after create(), so run() is thread-safe.
 */
#include <orderhost/plugin_api.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Set once by orderhost_plugin_entry, on the host's main thread before any other call. */
static const oh_host_services *services;

typedef struct notify_step {
    char *template_name;
    char *channel;
} notify_step;

static oh_str str_of(const char *text) {
    oh_str s;
    s.ptr = text;
    s.len = strlen(text);
    return s;
}

/* ---- a growable buffer that builds JSON text; `failed` records an allocation failure ---- */

typedef struct json_buf {
    char *data;
    size_t len;
    size_t cap;
    int failed;
} json_buf;

static void buf_append(json_buf *b, const char *bytes, size_t n) {
    if (b->failed) return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 128;
        char *grown;
        while (cap < b->len + n) cap *= 2;
        grown = (char *)realloc(b->data, cap);
        if (grown == NULL) { b->failed = 1; return; }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
}

static void buf_text(json_buf *b, const char *text) { buf_append(b, text, strlen(text)); }

/* Appends `s` as a quoted JSON string: quotes, backslashes and control characters escaped. */
static void buf_json_string(json_buf *b, const char *s, size_t n) {
    size_t i;
    buf_append(b, "\"", 1);
    for (i = 0; i < n; ++i) {
        unsigned char c = (unsigned char)s[i];
        char escaped[8];
        if (c == '"' || c == '\\') {
            escaped[0] = '\\';
            escaped[1] = (char)c;
            buf_append(b, escaped, 2);
        } else if (c < 0x20) {
            sprintf(escaped, "\\u%04x", (unsigned)c);
            buf_append(b, escaped, 6);
        } else {
            buf_append(b, (const char *)&s[i], 1);
        }
    }
    buf_append(b, "\"", 1);
}

/* ---- create / destroy ---- */

static char *copy_str(oh_str s) {
    char *copy = (char *)malloc(s.len + 1);
    if (copy == NULL) return NULL;
    if (s.len) memcpy(copy, s.ptr, s.len);
    copy[s.len] = '\0';
    return copy;
}

/* Reads config string `field`, or `fallback` when absent. Refuses other types and "". */
static oh_status read_setting(oh_context *ctx, const char *field, const char *fallback, char **out) {
    char path[64];
    char message[128];
    oh_str value = {NULL, 0};
    oh_status st;
    sprintf(path, "/%s", field);
    st = services->get_string(ctx, OH_DOC_CONFIG, str_of(path), &value);
    if (st == OH_STATUS_NOT_FOUND) value = str_of(fallback);
    else if (st == OH_STATUS_TYPE_MISMATCH || (st == OH_STATUS_OK && value.len == 0)) {
        sprintf(message, "config field '%s' must be a non-empty string", field);
        services->report_error(ctx, str_of(message));
        return OH_STATUS_INVALID_CONFIG;
    } else if (st != OH_STATUS_OK) {
        return st;
    }
    *out = copy_str(value);
    return *out ? OH_STATUS_OK : OH_STATUS_INTERNAL_ERROR;
}

static void notify_destroy(void *instance) {
    notify_step *step = (notify_step *)instance;
    if (step == NULL) return;
    free(step->template_name);
    free(step->channel);
    free(step);
}

static oh_status notify_create(const oh_create_args *args, void **out_instance) {
    notify_step *step;
    oh_status st;
    if (args == NULL || out_instance == NULL || !OH_HAS_FIELD(args, oh_create_args, config_json))
        return OH_STATUS_INVALID_ARGUMENT;
    *out_instance = NULL;
    step = (notify_step *)calloc(1, sizeof *step);
    if (step == NULL) return OH_STATUS_INTERNAL_ERROR;
    st = read_setting(args->ctx, "template", "order-confirmation", &step->template_name);
    if (st == OH_STATUS_OK) st = read_setting(args->ctx, "channel", "email", &step->channel);
    if (st != OH_STATUS_OK) {
        notify_destroy(step);
        return st;
    }
    *out_instance = step;
    return OH_STATUS_OK;
}

/* ---- run ---- */

/* {"channel":...,"template":...,"to":email|null,"at":now,"idempotency_key":...} */
static void build_record(json_buf *b, const notify_step *step, const oh_str *to, int64_t at,
                         oh_str key) {
    char number[32];
    buf_text(b, "{\"channel\":");
    buf_json_string(b, step->channel, strlen(step->channel));
    buf_text(b, ",\"template\":");
    buf_json_string(b, step->template_name, strlen(step->template_name));
    buf_text(b, ",\"to\":");
    if (to != NULL) buf_json_string(b, to->ptr, to->len);
    else buf_text(b, "null");
    sprintf(number, ",\"at\":%" PRId64, at);
    buf_text(b, number);
    buf_text(b, ",\"idempotency_key\":");
    buf_json_string(b, key.ptr, key.len);
    buf_text(b, "}");
}

static oh_status notify_run(void *instance, const oh_step_call *call) {
    static const oh_str email_path = OH_STR("/customer/email");
    static const oh_str append_path = OH_STR("/notifications/-");
    const notify_step *step = (const notify_step *)instance;
    json_buf record = {NULL, 0, 0, 0};
    oh_str email = {NULL, 0};
    oh_outcome outcome;
    oh_status st;
    if (step == NULL || call == NULL || !OH_HAS_FIELD(call, oh_step_call, idempotency_key))
        return OH_STATUS_INVALID_ARGUMENT;
    /* No address (or not a string) is not an error: the record says "to": null. */
    st = services->get_string(call->ctx, OH_DOC_ORDER, email_path, &email);
    if (st != OH_STATUS_OK && st != OH_STATUS_NOT_FOUND && st != OH_STATUS_TYPE_MISMATCH) return st;
    build_record(&record, step, st == OH_STATUS_OK ? &email : NULL, services->now_ms(call->ctx),
                 call->idempotency_key);
    if (record.failed) {
        free(record.data);
        return OH_STATUS_INTERNAL_ERROR;
    }
    {
        oh_str json;
        json.ptr = record.data;
        json.len = record.len;
        st = services->set_json(call->ctx, append_path, json);
    }
    free(record.data);
    if (st != OH_STATUS_OK) return st;
    memset(&outcome, 0, sizeof outcome);
    outcome.struct_size = sizeof outcome;
    outcome.kind = OH_OUTCOME_CONTINUE;
    services->report_outcome(call->ctx, &outcome);
    return OH_STATUS_OK;
}

/* ---- metadata and negotiation ---- */

static const oh_step_kind notify_kind = {
    sizeof(oh_step_kind),
    OH_STR("notify-customer"),
    OH_CATEGORY_NOTIFICATION,
    OH_STR("Records a customer notification (fake channel: nothing is sent)"),
    OH_STR("{\"type\":\"object\",\"properties\":{"
           "\"template\":{\"type\":\"string\",\"default\":\"order-confirmation\"},"
           "\"channel\":{\"type\":\"string\",\"default\":\"email\"}}}"),
    OH_STEP_THREAD_SAFE,
    notify_create,
    notify_run,
    NULL, /* nothing to undo: a notification cannot be unsent */
    notify_destroy,
};

static const oh_step_kind *const step_kinds[] = {&notify_kind};

static const oh_plugin_info plugin_info = {
    sizeof(oh_plugin_info),
    OH_ABI_MAJOR,
    OH_ABI_MINOR,
    OH_STR("orderhost.notification"),
    OH_STR("1.0.0"),
    OH_STR("orderhost"),
    OH_STR("Customer notifications (reference plugin in C)"),
    1,
    step_kinds,
    NULL,
};

OH_PLUGIN_ENTRY {
    if (host == NULL || !OH_HAS_FIELD(host, oh_host_info, services)) return NULL;
    /* Another major: answer anyway so the host can name both versions; keep nothing. */
    if (host->abi_major != OH_ABI_MAJOR) return &plugin_info;
    if (host->services == NULL) return NULL;
    if (!OH_HAS_FIELD(host->services, oh_host_services, get_extension)) return NULL;
    services = host->services;
    return &plugin_info;
}
