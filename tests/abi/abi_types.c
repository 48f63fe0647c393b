/*
 * Every type of the plugin ABI behind one exported function each, so that abidw/abidiff see
 * them all (tests/abi/abi_check.sh). Built from the frozen 1.0 header for the committed
 * baseline (tests/abi/baseline/abi_types-1.0.abi) and from the current header for the check.
 * Types added in a later minor get a function of their own: an added function is compatible,
 * a changed parameter list is not.
 */
#include <orderhost/ext/db.h>
#include <orderhost/plugin_api.h>
#if OH_ABI_MINOR >= 1
#include <orderhost/ext/events.h>
#endif

#define ABI_TYPE(type) \
    OH_PLUGIN_EXPORT size_t oh_abi_##type(const type* value) { return value->struct_size; }

ABI_TYPE(oh_outcome)
ABI_TYPE(oh_host_services)
ABI_TYPE(oh_host_info)
ABI_TYPE(oh_step_call)
ABI_TYPE(oh_create_args)
ABI_TYPE(oh_step_kind)
ABI_TYPE(oh_plugin_info)
ABI_TYPE(oh_db_ext)
ABI_TYPE(oh_migration)
ABI_TYPE(oh_migrations_ext)
#if OH_ABI_MINOR >= 1
ABI_TYPE(oh_events_ext) /* since 1.1 */
#endif

/* oh_str has no struct_size; the entry's signature is the one every plugin exports. */
OH_PLUGIN_EXPORT size_t oh_abi_oh_str(oh_str value) { return value.len; }
OH_PLUGIN_EXPORT oh_plugin_entry_fn oh_abi_entry_fn(oh_plugin_entry_fn entry) { return entry; }
