/*
 * orderhost extension "orderhost.events/1" (since ABI 1.1): a step publishes events.
 *
 * The host keeps an outbox: events about orders, written in the same database transaction as
 * the step checkpoint that caused them, and delivered (events feed, webhooks, brokers) only
 * after that transaction committed. This extension lets a step add its own events to that
 * transaction, so a publication step (or any step) can tell subscribing systems what it did
 * with the same guarantee the host gives its own events: an event exists exactly when the
 * step's result was kept, and never leaves before.
 *
 * Plain C99, governed by the rules of plugin_api.h. Looking it up (once, e.g. in create()):
 *
 *   const oh_events_ext *events =
 *       (const oh_events_ext *)services->get_extension(OH_EXT_EVENTS);
 *   if (events == NULL || !OH_HAS_FIELD(events, oh_events_ext, emit)) ... a 1.0 host ...
 *
 * and inside run() or compensate():
 *
 *   static const oh_str type = OH_STR("invoice.issued");
 *   static const oh_str payload = OH_STR("{\"invoice\":\"INV-2026-000042\",\"total_minor\":11900}");
 *   events->emit(call->ctx, type, payload);
 */
#ifndef ORDERHOST_EXT_EVENTS_H
#define ORDERHOST_EXT_EVENTS_H

#include <orderhost/plugin_api.h>

#ifdef __cplusplus
extern "C" {
#endif

#define OH_EXT_EVENTS "orderhost.events/1"

/* Limits of one call's events: a longer type, a larger payload or more events in one call
 * are refused with OH_STATUS_INVALID_ARGUMENT. */
#define OH_EVENTS_MAX_TYPE_BYTES 64
#define OH_EVENTS_MAX_PAYLOAD_BYTES (64u * 1024u)
#define OH_EVENTS_MAX_PER_CALL 100

/* The table returned by get_extension(OH_EXT_EVENTS). Host-owned, lives as long as the
 * process. */
typedef struct oh_events_ext {
    uint32_t struct_size; /* sizeof(oh_events_ext) as the host was compiled */

    /* Adds one event about the current order to the step's outbox transaction.
     *
     * Thread context: only inside run() or compensate(), on the thread the host called, with
     * that call's ctx (create() gets OH_STATUS_UNAVAILABLE).
     *
     * type: borrowed. Lower-case ASCII letters, digits, '.', '_' and '-', starting with a
     *   letter, at most OH_EVENTS_MAX_TYPE_BYTES, e.g. "invoice.issued". The prefixes
     *   "order." and "step." belong to the host and are refused.
     * payload_json: borrowed. A JSON object (at most OH_EVENTS_MAX_PAYLOAD_BYTES of UTF-8);
     *   "" means {}. The host adds the order id, the chain, the step and the plugin id when it
     *   delivers the event, so the payload need not repeat them.
     *
     * The event is kept only if the step's result is kept (CONTINUE, REJECT, SUSPEND, and a
     * successful undo from compensate()); a RETRY, a FAIL, a timeout or a crash drops it with
     * the rest of the attempt. Events of one call are delivered in the order emitted, after
     * the host's own events of the same checkpoint.
     *
     * Returns OH_STATUS_OK, OH_STATUS_INVALID_ARGUMENT (bad type or payload, too many events;
     * the host also reports the reason with report_error), OH_STATUS_UNAVAILABLE (not in
     * run/compensate) or OH_STATUS_ABANDONED (the host stopped waiting for the call). */
    oh_status (*emit)(oh_context *ctx, oh_str type, oh_str payload_json);
} oh_events_ext;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ORDERHOST_EXT_EVENTS_H */
