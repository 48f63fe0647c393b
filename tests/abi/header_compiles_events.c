/* orderhost/ext/events.h must compile cleanly as C99 and as C11 (-Wall -Wextra -pedantic
 * -Werror), including the lookup and the emit call its header comment shows. */
#include <orderhost/ext/events.h>

int events_header_compiles_c(const oh_host_services* services, const oh_step_call* call);
int events_header_compiles_c(const oh_host_services* services, const oh_step_call* call) {
    const oh_events_ext* events = (const oh_events_ext*)services->get_extension(OH_EXT_EVENTS);
    const oh_str type = OH_STR("invoice.issued");
    const oh_str payload = OH_STR("{\"invoice\":\"INV-1\"}");
    if (events == NULL || !OH_HAS_FIELD(events, oh_events_ext, emit)) return 0;
    return events->emit(call->ctx, type, payload) == OH_STATUS_OK && OH_EVENTS_MAX_PER_CALL > 0;
}
