/*
 * The minimum-order step, loaded from the built .so by the SDK's test kit: its migration runs
 * on the kit's SQLite database, so the test checks the table as well as the order.
 */
#include <orderhost/testkit.h>

#include <stdio.h>
#include <string.h>

static int failures;

#define CHECK(condition)                                                              \
    do {                                                                              \
        if (!(condition)) {                                                           \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #condition); \
            ++failures;                                                               \
        }                                                                             \
    } while (0)

#define CHECK_STR(actual, expected) CHECK((actual) != NULL && strcmp((actual), (expected)) == 0)

/* A kit with the step created for {"minimum_minor": 5000} and run once on an order with `net`. */
static oh_testkit *run_with_net(const char *order) {
    oh_testkit *kit = oh_testkit_new(ORDERHOST_PLUGIN_PATH, OH_TESTKIT_HOST_1_1);
    if (kit == NULL || oh_testkit_setup_error(kit)[0] != '\0') {
        fprintf(stderr, "cannot load the plugin: %s\n", kit ? oh_testkit_setup_error(kit) : "out of memory");
        oh_testkit_free(kit);
        ++failures;
        return NULL;
    }
    oh_testkit_set_config(kit, "{\"minimum_minor\": 5000}");
    oh_testkit_set_order(kit, order);
    CHECK(oh_testkit_create(kit, "minimum-order") == OH_STATUS_OK);
    CHECK(oh_testkit_run(kit, 1) == OH_STATUS_OK);
    return kit;
}

static void continues_at_the_minimum(void) {
    oh_testkit *kit = run_with_net("{\"totals\": {\"net\": 5000}}");
    if (kit == NULL) return;
    CHECK(oh_testkit_last_result(kit)->kind == OH_OUTCOME_CONTINUE);
    CHECK_STR(oh_testkit_order_json(kit, "/minimum_order"), "{\"minimum_minor\":5000,\"passed\":true}");
    CHECK_STR(oh_testkit_query(kit, "SELECT order_id, net_minor, passed FROM acme_minimum_order_checks"),
              "[{\"order_id\":\"order-1\",\"net_minor\":5000,\"passed\":1}]");
    oh_testkit_free(kit);
}

static void rejects_below_the_minimum(void) {
    int64_t passed = -1;
    oh_testkit *kit = run_with_net("{\"totals\": {\"net\": 4999}}");
    if (kit == NULL) return;
    CHECK(oh_testkit_last_result(kit)->kind == OH_OUTCOME_REJECT);
    CHECK_STR(oh_testkit_last_result(kit)->code, "below_minimum");
    CHECK(strstr(oh_testkit_last_result(kit)->message, "4999") != NULL);
    CHECK(oh_testkit_query_int(kit, "SELECT passed FROM acme_minimum_order_checks", &passed) == 0 && passed == 0);
    oh_testkit_free(kit);
}

static void fails_without_totals_and_writes_nothing(void) {
    int64_t rows = -1;
    oh_testkit *kit = run_with_net("{}");
    if (kit == NULL) return;
    CHECK(oh_testkit_last_result(kit)->kind == OH_OUTCOME_FAIL);
    CHECK_STR(oh_testkit_last_result(kit)->code, "totals_missing");
    CHECK(oh_testkit_query_int(kit, "SELECT COUNT(*) FROM acme_minimum_order_checks", &rows) == 0 && rows == 0);
    oh_testkit_free(kit);
}

int main(void) {
    continues_at_the_minimum();
    rejects_below_the_minimum();
    fails_without_totals_and_writes_nothing();
    if (failures == 0) printf("all checks passed\n");
    return failures == 0 ? 0 : 1;
}
