/*
 * Checks, as a C99 program, that ABI v1's layout and constants are exactly those in
 * abi_layout.h, and that OH_HAS_FIELD and OH_STR behave as documented. Exit status 0 = pass.
 */
#include "abi_layout.h"

#include <stdio.h>
#include <string.h>

static int failures;

static void expect_size(const char* what, size_t actual, size_t expected) {
    if (actual == expected) return;
    fprintf(stderr, "FAIL %s: %lu, expected %lu\n", what, (unsigned long)actual, (unsigned long)expected);
    ++failures;
}

#define CHECK_OFFSET(type, field, offset) expect_size("offsetof(" #type ", " #field ")", offsetof(type, field), offset);
#define CHECK_SIZE(type, size) expect_size("sizeof(" #type ")", sizeof(type), size);
#define CHECK_SIZE_1_0(macro, size) expect_size(#macro, (size_t)(macro), size);
#define CHECK_CONSTANT(name, value) expect_size(#name, (size_t)(name), value);

/* A 1.0 reader must see a field only when the other side's struct_size covers it. */
static void check_has_field(void) {
    oh_step_call call;
    memset(&call, 0, sizeof call);
    call.struct_size = (uint32_t)offsetof(oh_step_call, attempt);
    expect_size("OH_HAS_FIELD(short call, attempt)", OH_HAS_FIELD(&call, oh_step_call, attempt), 0);
    expect_size("OH_HAS_FIELD(short call, ctx)", OH_HAS_FIELD(&call, oh_step_call, ctx), 1);
    call.struct_size = sizeof call;
    expect_size("OH_HAS_FIELD(full call, idempotency_key)", OH_HAS_FIELD(&call, oh_step_call, idempotency_key), 1);
}

static void check_str(void) {
    static const oh_str name = OH_STR("validate");
    expect_size("OH_STR(\"validate\").len", name.len, 8);
    expect_size("OH_STR keeps the pointer", memcmp(name.ptr, "validate", 8) == 0, 1);
    expect_size("OH_PLUGIN_ENTRY_NAME", strcmp(OH_PLUGIN_ENTRY_NAME, "orderhost_plugin_entry"), 0);
}

int main(void) {
    if (sizeof(void*) != 8 || sizeof(size_t) != 8) {
        printf("layout table is for LP64; skipping offsets on this platform\n");
    } else {
        OH_ABI_OFFSETS(CHECK_OFFSET)
        OH_ABI_SIZES(CHECK_SIZE)
        OH_ABI_SIZES_1_0(CHECK_SIZE_1_0)
    }
    OH_ABI_CONSTANTS(CHECK_CONSTANT)
    check_has_field();
    check_str();
    if (failures == 0) printf("ABI v1 layout OK\n");
    return failures == 0 ? 0 : 1;
}
