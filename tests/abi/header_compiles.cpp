// plugin_api.h must compile cleanly as C++17 (-Wall -Wextra -pedantic -Werror), macros included.
#include <orderhost/plugin_api.h>

namespace {
const oh_str kind_name = OH_STR("validate");
}

size_t header_compiles_cxx(const oh_step_call* call);
size_t header_compiles_cxx(const oh_step_call* call) {
    return OH_HAS_FIELD(call, oh_step_call, idempotency_key) ? kind_name.len : 0;
}
