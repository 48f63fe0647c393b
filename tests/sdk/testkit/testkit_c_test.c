/*
 * The test kit's C API from C99 (-pedantic): what a C plugin author's test uses. Exits non-zero
 * and names the failed check.
 */
#include <orderhost/testkit.h>

#include <stdio.h>
#include <string.h>

static int failures;

#define CHECK(condition)                                                                  \
    do {                                                                                  \
        if (!(condition)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #condition); \
            ++failures;                                                                   \
        }                                                                                 \
    } while (0)

int main(void) {
    int64_t value = -1;
    oh_testkit* kit = oh_testkit_new(ORDERHOST_TEST_PROBE_SO, OH_TESTKIT_HOST_1_0);
    CHECK(kit != NULL && oh_testkit_setup_error(kit)[0] == '\0');
    if (kit == NULL) return 1;
    CHECK(strcmp(oh_testkit_table_prefix(kit), "test_probe_") == 0);
    CHECK(oh_testkit_set_config(kit, "{\"action\":\"services\"}") == 0);
    CHECK(oh_testkit_set_order(kit, "[not an object]") == -1);
    CHECK(strstr(oh_testkit_setup_error(kit), "the order") != NULL);
    CHECK(oh_testkit_create(kit, "probe") == OH_STATUS_OK);
    oh_testkit_set_order_id(kit, "o-7");
    CHECK(oh_testkit_run(kit, 2) == OH_STATUS_OK);
    CHECK(oh_testkit_last_result(kit)->kind == OH_OUTCOME_CONTINUE);
    CHECK(oh_testkit_last_result(kit)->kept == 1);
    CHECK(oh_testkit_order_int(kit, "/probe/has_get_bool", &value) == 0 && value == 0);
    CHECK(oh_testkit_order_int(kit, "/probe/attempt", &value) == 0 && value == 2);
    CHECK(oh_testkit_order_string(kit, "/probe/key") != NULL &&
          strcmp(oh_testkit_order_string(kit, "/probe/key"), "o-7/probe") == 0);
    CHECK(oh_testkit_order_json(kit, "/nope") == NULL);
    CHECK(oh_testkit_logged(kit, "services") == 1);
    CHECK(oh_testkit_log_count(kit) >= 2); /* the prefix warning and the step's line */
    CHECK(oh_testkit_event_count(kit) == 0);
    CHECK(oh_testkit_sql(kit, "INSERT INTO test_probe_items (sku, quantity) VALUES ('Z', 9)") == 0);
    CHECK(oh_testkit_query_int(kit, "SELECT quantity FROM test_probe_items", &value) == 0 && value == 9);
    CHECK(oh_testkit_sql(kit, "INSERT INTO nowhere VALUES (1)") == -1);
    CHECK(strstr(oh_testkit_setup_error(kit), "no such table: nowhere") != NULL);
    CHECK(strlen(oh_testkit_database_path(kit)) > 0);
    oh_testkit_free(kit);
    if (failures == 0) printf("all checks passed\n");
    return failures == 0 ? 0 : 1;
}
