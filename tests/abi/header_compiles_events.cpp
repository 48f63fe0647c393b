// orderhost/ext/events.h must compile cleanly as C++17 (-Wall -Wextra -pedantic -Werror).
#include <orderhost/ext/events.h>

int events_header_compiles_cxx(const oh_host_services* services, const oh_step_call* call);
int events_header_compiles_cxx(const oh_host_services* services, const oh_step_call* call) {
    auto events = static_cast<const oh_events_ext*>(services->get_extension(OH_EXT_EVENTS));
    if (events == nullptr || !OH_HAS_FIELD(events, oh_events_ext, emit)) return 0;
    return events->emit(call->ctx, OH_STR("invoice.issued"), OH_STR("{}")) == OH_STATUS_OK;
}
