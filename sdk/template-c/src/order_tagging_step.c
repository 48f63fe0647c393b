/*
 * com.example.order-tagging — a minimal orderhost step plugin in plain C99, to copy and adapt.
 *
 * Step kind "order-tagging": adds the configured tag ({"tag": "vip"}, default "reviewed") to
 * the order's /attributes/tags array, once. It shows what a C step needs: the one entry
 * function, a step kind table, create/run/destroy, reading config and order through the host
 * services, writing the order, and reporting an outcome. Its test is
 * tests/order_tagging_step_test.c (run it with ctest).
 */
#include <orderhost/plugin_api.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Set once by orderhost_plugin_entry, before any other call; read-only afterwards. */
static const oh_host_services* services;

typedef struct order_tagging_step {
  char tag[64]; /* read-only after create(), so run() is thread-safe */
} order_tagging_step;

static oh_str str_of(const char* text) {
  oh_str s;
  s.ptr = text;
  s.len = strlen(text);
  return s;
}

/* Tags are short and plain, so they never need JSON escaping. */
static int is_plain_tag(oh_str tag) {
  size_t i;
  if (tag.len == 0 || tag.len >= 64) return 0;
  for (i = 0; i < tag.len; ++i) {
    char c = tag.ptr[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_'))
      return 0;
  }
  return 1;
}

static oh_status order_tagging_create(const oh_create_args* args, void** out_instance) {
  order_tagging_step* step;
  oh_str tag;
  oh_status st = services->get_string(args->ctx, OH_DOC_CONFIG, str_of("/tag"), &tag);
  if (st == OH_STATUS_NOT_FOUND)
    tag = str_of("reviewed");
  else if (st != OH_STATUS_OK || !is_plain_tag(tag)) {
    services->report_error(
        args->ctx, str_of("config field 'tag' must be 1 to 63 letters, digits, '-' or '_'"));
    return OH_STATUS_INVALID_CONFIG;
  }
  step = (order_tagging_step*)calloc(1, sizeof *step);
  if (step == NULL) return OH_STATUS_INTERNAL_ERROR;
  memcpy(step->tag, tag.ptr, tag.len);
  *out_instance = step;
  return OH_STATUS_OK;
}

static void order_tagging_destroy(void* instance) { free(instance); }

static oh_status order_tagging_run(void* instance, const oh_step_call* call) {
  const order_tagging_step* step = (const order_tagging_step*)instance;
  oh_outcome outcome;
  char path[64], quoted[80];
  size_t count = 0, i;
  oh_status st = services->get_size(call->ctx, OH_DOC_ORDER, str_of("/attributes/tags"), &count);
  if (st != OH_STATUS_OK && st != OH_STATUS_NOT_FOUND) return st;
  for (i = 0; i < count; ++i) {
    oh_str existing;
    sprintf(path, "/attributes/tags/%u", (unsigned)i);
    if (services->get_string(call->ctx, OH_DOC_ORDER, str_of(path), &existing) == OH_STATUS_OK &&
        existing.len == strlen(step->tag) && memcmp(existing.ptr, step->tag, existing.len) == 0)
      return OH_STATUS_OK; /* already tagged (a retry): no outcome reported means CONTINUE */
  }
  sprintf(quoted, "\"%s\"", step->tag);
  st = services->set_json(call->ctx, str_of("/attributes/tags/-"), str_of(quoted));
  if (st != OH_STATUS_OK) return st;
  services->log(call->ctx, OH_LOG_INFO, str_of(step->tag));

  memset(&outcome, 0, sizeof outcome);
  outcome.struct_size = sizeof outcome;
  outcome.kind = OH_OUTCOME_CONTINUE;
  services->report_outcome(call->ctx, &outcome);
  return OH_STATUS_OK;
}

static const oh_step_kind order_tagging_kind = {
    sizeof(oh_step_kind),
    OH_STR("order-tagging"),
    OH_CATEGORY_OTHER,
    OH_STR("Adds a tag to /attributes/tags"),
    OH_STR("{\"type\":\"object\",\"properties\":{\"tag\":{\"type\":\"string\",\"default\":"
           "\"reviewed\"}}}"),
    OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS,
    order_tagging_create,
    order_tagging_run,
    NULL, /* nothing to undo */
    order_tagging_destroy,
};

static const oh_step_kind* const step_kinds[] = {&order_tagging_kind};

/* Use a reverse-DNS id you own. Tables of this plugin would be named example_order_tagging_*
 * (see "Naming your tables" in the plugin author guide). */
static const oh_plugin_info plugin_info = {
    sizeof(oh_plugin_info),
    OH_ABI_MAJOR,
    OH_ABI_MINOR,
    OH_STR("com.example.order-tagging"),
    OH_STR("1.0.0"),
    OH_STR("Example Corp"),
    OH_STR("Tags orders"),
    1,
    step_kinds,
    NULL,
};

OH_PLUGIN_ENTRY {
  if (host == NULL || !OH_HAS_FIELD(host, oh_host_info, services)) return NULL;
  if (host->abi_major != OH_ABI_MAJOR) return &plugin_info; /* the host names both versions */
  if (host->services == NULL || !OH_HAS_FIELD(host->services, oh_host_services, get_extension))
    return NULL;
  services = host->services;
  return &plugin_info;
}
