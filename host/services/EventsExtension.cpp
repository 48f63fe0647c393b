#include "host/services/EventsExtension.h"

#include "host/document/JsonCodec.h"
#include "host/plugins/AbiText.h"
#include "host/plugins/PluginText.h"
#include "host/services/CallContext.h"
#include "host/services/DocumentServices.h"

#include <spdlog/spdlog.h>

namespace orderhost::services {
namespace {

bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Why `type` is refused, or "" (ext/events.h: lower-case letters, digits, '.', '_', '-',
// starting with a letter, not in the host's "order." and "step." namespaces).
std::string typeProblem(std::string_view type) {
    if (type.empty() || type.size() > OH_EVENTS_MAX_TYPE_BYTES)
        return "the type must be 1 to " + std::to_string(OH_EVENTS_MAX_TYPE_BYTES) + " bytes";
    if (type[0] < 'a' || type[0] > 'z') return "the type must start with a lower-case letter";
    for (char c : type) {
        if (!isLowerAlnum(c) && c != '.' && c != '_' && c != '-')
            return "the type may contain only lower-case letters, digits, '.', '_' and '-'";
    }
    if (type.rfind("order.", 0) == 0 || type.rfind("step.", 0) == 0)
        return "the prefixes 'order.' and 'step.' belong to the host";
    return {};
}

// The payload re-serialised by the host's JSON writer, or the reason it is refused.
std::string normalisedPayload(std::string_view text, std::string& problem) {
    if (text.empty()) return "{}";
    if (text.size() > OH_EVENTS_MAX_PAYLOAD_BYTES) {
        problem = "the payload is " + std::to_string(text.size()) + " bytes; at most " +
                  std::to_string(OH_EVENTS_MAX_PAYLOAD_BYTES) + " are allowed";
        return {};
    }
    document::JsonLimits limits;
    limits.maxBytes = OH_EVENTS_MAX_PAYLOAD_BYTES;
    const document::JsonValueResult parsed = document::parseJsonValue(text, limits);
    if (!parsed.ok()) {
        problem = "the payload is not valid JSON: " + parsed.error->toString();
        return {};
    }
    if (document::jsonTypeOf(parsed.value) != document::JsonType::Object) {
        problem = "the payload must be a JSON object";
        return {};
    }
    return document::toJsonText(parsed.value);
}

oh_status refuse(oh_context* ctx, std::string_view type, const std::string& problem) {
    ctx->error =
        plugins::cleanMessage("orderhost.events: event '" + std::string(type.substr(0, 64)) + "' refused: " + problem);
    spdlog::debug("[{}] {}", ctx->identity.pluginId, plugins::escapeForLog(ctx->error));
    return OH_STATUS_INVALID_ARGUMENT;
}

oh_status emit(oh_context* ctx, oh_str typeText, oh_str payloadText) {
    if (ctx == nullptr) return OH_STATUS_INVALID_ARGUMENT;
    if (ctx->isAbandoned()) return OH_STATUS_ABANDONED;
    if (ctx->order == nullptr) return OH_STATUS_UNAVAILABLE;  // create() has no order, no outbox
    const std::string_view type = plugins::textOf(typeText);
    try {
        if (!plugins::isReadable(typeText))
            return refuse(ctx, type, plugins::unreadableText("the event type", typeText));
        if (!plugins::isReadable(payloadText))
            return refuse(ctx, type, plugins::unreadableText("the payload", payloadText));
        if (auto problem = typeProblem(type); !problem.empty()) return refuse(ctx, type, problem);
        if (ctx->events.size() >= OH_EVENTS_MAX_PER_CALL)
            return refuse(ctx, type, "a call may emit at most " + std::to_string(OH_EVENTS_MAX_PER_CALL) + " events");
        std::string problem;
        std::string payload = normalisedPayload(plugins::textOf(payloadText), problem);
        if (!problem.empty()) return refuse(ctx, type, problem);
        ctx->events.push_back(EmittedEvent{std::string(type), std::move(payload)});
        return OH_STATUS_OK;
    } catch (...) {
        return OH_STATUS_INTERNAL_ERROR;
    }
}

}  // namespace

const oh_events_ext& eventsExtension() {
    static const oh_events_ext table = {sizeof(oh_events_ext), emit};
    return table;
}

}  // namespace orderhost::services
