/*
 * abi_layout.h — the layout of ABI v1 as compiled on LP64 platforms (x86-64, AArch64 Linux).
 *
 * These numbers are the ABI: a plugin built last year was compiled with them. If a change to
 * plugin_api.h moves any of them, that change breaks every existing plugin. New fields may
 * only be appended (the struct's size grows; old offsets stay). Shared by the C and the C++
 * layout tests so that both languages are held to the same table.
 */
#ifndef ORDERHOST_TESTS_ABI_LAYOUT_H
#define ORDERHOST_TESTS_ABI_LAYOUT_H

#include <orderhost/plugin_api.h>

/* clang-format off */
/* (one row per line, as the table is read) */
/* X(type, field, offset) */
#define OH_ABI_OFFSETS(X)                                                                     \
    X(oh_str, ptr, 0) X(oh_str, len, 8)                                                       \
    X(oh_outcome, struct_size, 0) X(oh_outcome, kind, 4) X(oh_outcome, code, 8)               \
    X(oh_outcome, message, 24) X(oh_outcome, retry_after_ms, 40) X(oh_outcome, signal, 48)    \
    X(oh_outcome, timeout_ms, 64)                                                             \
    X(oh_host_services, struct_size, 0) X(oh_host_services, log, 8)                           \
    X(oh_host_services, now_ms, 16) X(oh_host_services, get_json, 24)                         \
    X(oh_host_services, get_string, 32) X(oh_host_services, get_int, 40)                      \
    X(oh_host_services, get_size, 48) X(oh_host_services, set_json, 56)                       \
    X(oh_host_services, report_outcome, 64) X(oh_host_services, report_error, 72)             \
    X(oh_host_services, get_extension, 80)                                                    \
    X(oh_host_info, struct_size, 0) X(oh_host_info, abi_major, 4) X(oh_host_info, abi_minor, 6) \
    X(oh_host_info, host_name, 8) X(oh_host_info, host_version, 24)                           \
    X(oh_host_info, services, 40)                                                             \
    X(oh_step_call, struct_size, 0) X(oh_step_call, ctx, 8) X(oh_step_call, order_id, 16)     \
    X(oh_step_call, chain_name, 32) X(oh_step_call, step_name, 48)                            \
    X(oh_step_call, attempt, 64) X(oh_step_call, idempotency_key, 72)                         \
    X(oh_create_args, struct_size, 0) X(oh_create_args, ctx, 8)                               \
    X(oh_create_args, chain_name, 16) X(oh_create_args, step_name, 32)                        \
    X(oh_create_args, config_json, 48)                                                        \
    X(oh_step_kind, struct_size, 0) X(oh_step_kind, name, 8) X(oh_step_kind, category, 24)    \
    X(oh_step_kind, description, 32) X(oh_step_kind, config_schema, 48)                       \
    X(oh_step_kind, flags, 64) X(oh_step_kind, create, 72) X(oh_step_kind, run, 80)           \
    X(oh_step_kind, compensate, 88) X(oh_step_kind, destroy, 96)                              \
    X(oh_plugin_info, struct_size, 0) X(oh_plugin_info, abi_major, 4)                         \
    X(oh_plugin_info, abi_minor, 6) X(oh_plugin_info, id, 8) X(oh_plugin_info, version, 24)   \
    X(oh_plugin_info, vendor, 40) X(oh_plugin_info, description, 56)                          \
    X(oh_plugin_info, step_kind_count, 72) X(oh_plugin_info, step_kinds, 80)                  \
    X(oh_plugin_info, get_extension, 88)                                                     \
    /* since 1.1 */                                                                           \
    X(oh_host_services, get_bool, 88) X(oh_host_services, get_key, 96)                        \
    X(oh_host_services, remove_value, 104) X(oh_host_services, is_abandoned, 112)             \
    X(oh_host_services, log_plugin, 120) X(oh_step_call, deadline_ms, 88)                     \
    /* since 1.2 */                                                                           \
    X(oh_step_call, mode, 96)

/* X(type, size) — the current (1.2) sizes. */
#define OH_ABI_SIZES(X)                                                                       \
    X(oh_str, 16) X(oh_outcome, 72) X(oh_host_services, 128) X(oh_host_info, 48)              \
    X(oh_step_call, 104) X(oh_create_args, 64) X(oh_step_kind, 104) X(oh_plugin_info, 96)

/* X(macro, size) — the 1.0 sizes: what a 1.0 plugin writes into struct_size, and what the
 * OH_SIZE_1_0_* macros (the minimum a reader accepts) must keep saying forever. */
#define OH_ABI_SIZES_1_0(X)                                                                   \
    X(OH_SIZE_1_0_OUTCOME, 72) X(OH_SIZE_1_0_HOST_SERVICES, 88) X(OH_SIZE_1_0_HOST_INFO, 48)  \
    X(OH_SIZE_1_0_STEP_CALL, 88) X(OH_SIZE_1_0_CREATE_ARGS, 64) X(OH_SIZE_1_0_STEP_KIND, 104) \
    X(OH_SIZE_1_0_PLUGIN_INFO, 96) X(OH_SIZE_1_1_STEP_CALL, 96) X(OH_SIZE_1_2_STEP_CALL, 100)

/* X(name, value) — constants that are part of the contract and are never renumbered. */
#define OH_ABI_CONSTANTS(X)                                                                   \
    X(OH_ABI_MAJOR, 1) X(OH_STATUS_OK, 0) X(OH_STATUS_INVALID_ARGUMENT, 1)                    \
    X(OH_STATUS_NOT_FOUND, 2) X(OH_STATUS_TYPE_MISMATCH, 3) X(OH_STATUS_INVALID_CONFIG, 4)    \
    X(OH_STATUS_UNAVAILABLE, 5) X(OH_STATUS_INTERNAL_ERROR, 6)                                \
    X(OH_LOG_TRACE, 0) X(OH_LOG_ERROR, 4) X(OH_OUTCOME_CONTINUE, 0) X(OH_OUTCOME_REJECT, 1)   \
    X(OH_OUTCOME_RETRY, 2) X(OH_OUTCOME_SUSPEND, 3) X(OH_OUTCOME_FAIL, 4)                     \
    X(OH_DOC_CONFIG, 0) X(OH_DOC_ORDER, 1) X(OH_STEP_THREAD_SAFE, 1)                          \
    X(OH_STATUS_RETRYABLE, 7) X(OH_STATUS_ABANDONED, 8) X(OH_STEP_NO_EXTERNAL_EFFECTS, 2)     \
    X(OH_CATEGORY_OTHER, 0) X(OH_CATEGORY_VALIDATION, 1) X(OH_CATEGORY_CREDIT, 2)             \
    X(OH_CATEGORY_NOTIFICATION, 11) X(OH_CATEGORY_PUBLICATION, 12)                           \
    X(OH_CALL_RUN, 0) X(OH_CALL_QUOTE, 1) X(OH_STEP_ANSWERS_QUOTES, 4)

/* clang-format on */

#endif /* ORDERHOST_TESTS_ABI_LAYOUT_H */
