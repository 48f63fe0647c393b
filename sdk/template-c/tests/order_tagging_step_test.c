/*
 * The order-tagging step, loaded from the built .so by the SDK's test kit (a fake host with an
 * order document, a config, a clock and an orderhost.db on SQLite). Plain C: see
 * <orderhost/testkit.h> for everything a test can set and check. Exits non-zero on failure.
 */
#include <orderhost/testkit.h>

#include <stdio.h>
#include <string.h>

static int failures;

#define CHECK(condition)                                                            \
  do {                                                                              \
    if (!(condition)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #condition); \
      ++failures;                                                                   \
    }                                                                               \
  } while (0)

#define CHECK_STR(actual, expected) CHECK((actual) != NULL && strcmp((actual), (expected)) == 0)

static oh_testkit* new_kit(void) {
  oh_testkit* kit = oh_testkit_new(ORDERHOST_PLUGIN_PATH, OH_TESTKIT_HOST_1_1);
  if (kit == NULL || oh_testkit_setup_error(kit)[0] != '\0') {
    fprintf(stderr, "cannot load the plugin: %s\n",
            kit ? oh_testkit_setup_error(kit) : "out of memory");
    oh_testkit_free(kit);
    return NULL;
  }
  return kit;
}

static void adds_the_configured_tag(void) {
  oh_testkit* kit = new_kit();
  if (kit == NULL) {
    ++failures;
    return;
  }
  oh_testkit_set_config(kit, "{\"tag\": \"vip\"}");
  oh_testkit_set_order(kit, "{\"attributes\": {\"tags\": [\"new\"]}}");
  CHECK(oh_testkit_create(kit, "order-tagging") == OH_STATUS_OK);
  CHECK(oh_testkit_run(kit, 1) == OH_STATUS_OK);
  CHECK(oh_testkit_last_result(kit)->kind == OH_OUTCOME_CONTINUE);
  CHECK_STR(oh_testkit_order_json(kit, "/attributes/tags"), "[\"new\",\"vip\"]");
  oh_testkit_free(kit);
}

static void tags_only_once_when_retried(void) {
  oh_testkit* kit = new_kit();
  if (kit == NULL) {
    ++failures;
    return;
  }
  oh_testkit_create(kit, "order-tagging");
  oh_testkit_run(kit, 1);
  oh_testkit_run(kit, 2);
  CHECK_STR(oh_testkit_order_json(kit, "/attributes/tags"), "[\"reviewed\"]");
  CHECK(oh_testkit_last_result(kit)->reported == 0); /* the retry reported nothing: CONTINUE */
  oh_testkit_free(kit);
}

static void refuses_a_tag_that_needs_escaping(void) {
  oh_testkit* kit = new_kit();
  if (kit == NULL) {
    ++failures;
    return;
  }
  oh_testkit_set_config(kit, "{\"tag\": \"a\\\"b\"}");
  CHECK(oh_testkit_create(kit, "order-tagging") == OH_STATUS_INVALID_CONFIG);
  CHECK(strstr(oh_testkit_reported_error(kit), "'tag'") != NULL);
  oh_testkit_free(kit);
}

int main(void) {
  adds_the_configured_tag();
  tags_only_once_when_retried();
  refuses_a_tag_that_needs_escaping();
  if (failures == 0) printf("all checks passed\n");
  return failures == 0 ? 0 : 1;
}
