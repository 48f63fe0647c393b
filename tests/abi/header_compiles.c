/* plugin_api.h must compile cleanly as C99 and as C11 (built twice, -Wall -Wextra -pedantic
 * -Werror), including every macro a C plugin uses. */
#include <orderhost/plugin_api.h>

static const oh_str kind_name = OH_STR("validate");

size_t header_compiles_c(const oh_step_call* call);
size_t header_compiles_c(const oh_step_call* call) {
    return OH_HAS_FIELD(call, oh_step_call, idempotency_key) ? kind_name.len : 0;
}
