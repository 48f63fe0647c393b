#include "host/engine/OrderEvents.h"

#include "host/engine/OrderState.h"

#include "host/document/JsonCodec.h"

#include <Poco/JSON/Object.h>

#include <sstream>

namespace orderhost::engine {
namespace {

// A manual `resume`: the cancel the ERP was told about is abandoned and the order runs on.
bool abandonsCancel(const store::OrderRecord& before, const store::OrderRecord& after) {
    return before.compensateTo == states::kCancelled && after.compensateTo.empty() &&
           after.state == states::kInProgress && after.chain == before.chain;
}

bool isAnnounced(const store::OrderRecord& before, const store::OrderRecord& after) {
    if (abandonsCancel(before, after)) return true;
    if (after.state == before.state) return false;
    // Moving on between steps is not news; starting another chain (cancel, return) is.
    if (after.state == states::kInProgress) return after.chain != before.chain;
    return after.state != states::kRetryWait;
}

// At most `max` bytes, cut on a UTF-8 character boundary.
std::string clipped(const std::string& text, std::size_t max) {
    if (text.size() <= max) return text;
    while (max > 0 && (static_cast<unsigned char>(text[max]) & 0xC0) == 0x80) --max;
    return text.substr(0, max);
}

}  // namespace

std::vector<store::OutboxEvent> eventsFor(const store::OrderRecord& before, const store::OrderRecord& after,
                                          const store::StepRunRecord& run) {
    if (!isAnnounced(before, after)) return {};
    Poco::JSON::Object payload;
    payload.set("order_id", after.id);
    payload.set("order_ref", after.orderRef);
    payload.set("chain", after.chain);
    payload.set("chain_version", after.chainVersion);
    payload.set("state", after.state);
    payload.set("previous_state", before.state);
    payload.set("step", run.stepName);
    payload.set("code", run.code);
    payload.set("message", clipped(run.message, 1024));
    std::ostringstream json;
    payload.stringify(json);
    store::OutboxEvent event;
    event.orderId = after.id;
    event.type = abandonsCancel(before, after) ? "order.cancel_abandoned" : "order." + after.state;
    event.payloadJson = json.str();
    event.createdAtMs = run.finishedAtMs;
    return {std::move(event)};
}

void appendPluginEvents(std::vector<store::OutboxEvent>& out, const store::OrderRecord& before,
                        const store::StepRunRecord& run, const std::vector<services::EmittedEvent>& emitted) {
    for (const services::EmittedEvent& e : emitted) {
        std::string payload = "{\"order_id\":";
        document::appendJsonString(payload, before.id);
        payload += ",\"chain\":";
        document::appendJsonString(payload, run.chain);
        payload += ",\"chain_version\":" + std::to_string(before.chainVersion) + ",\"step\":";
        document::appendJsonString(payload, run.stepName);
        payload += ",\"plugin_id\":";
        document::appendJsonString(payload, run.pluginId);
        payload += ",\"data\":" + e.payloadJson + "}";
        store::OutboxEvent event;
        event.orderId = before.id;
        event.type = e.type;
        event.payloadJson = std::move(payload);
        event.createdAtMs = run.finishedAtMs;
        out.push_back(std::move(event));
    }
}

}  // namespace orderhost::engine
