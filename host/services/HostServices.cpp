#include "host/services/HostServices.h"

#include "host/logging/LogContext.h"
#include "host/logging/LogSetup.h"
#include "host/plugins/AbiText.h"
#include "host/plugins/PluginIdentities.h"
#include "host/plugins/PluginText.h"
#include "host/services/CallContext.h"
#include "host/services/DatabaseExtension.h"
#include "host/services/DocumentServices.h"
#include "host/services/EventsExtension.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstring>
#include <string_view>

namespace orderhost::services {
namespace {

spdlog::level::level_enum toSpdlog(oh_log_level level) {
    switch (level) {
        case OH_LOG_TRACE:
            return spdlog::level::trace;
        case OH_LOG_DEBUG:
            return spdlog::level::debug;
        case OH_LOG_WARN:
            return spdlog::level::warn;
        case OH_LOG_ERROR:
            return spdlog::level::err;
        default:
            return spdlog::level::info;
    }
}

void logMessage(oh_context* ctx, oh_log_level level, oh_str message) {
    if (ctx == nullptr || ctx->isAbandoned()) return;
    const auto spdLevel = toSpdlog(level);
    const auto& who = ctx->identity;
    const auto logger = logging::pluginLogger(who.pluginId);  // named by plugin id
    if (!logger->should_log(spdLevel)) return;
    // The call's identity as JSON fields too (on a worker thread of an isolated plugin's relay
    // the runner's fields are not there).
    const logging::LogScope fields({"", who.orderId, who.chain, who.step, who.pluginId, ""});
    // Escaped: a "\n" or an ANSI sequence from a plugin must not forge host log lines.
    logger->log(spdLevel, "[{}] chain={} step={} order={}: {}", who.pluginId, who.chain, who.step,
                who.orderId.empty() ? "-" : who.orderId, plugins::escapeForLog(plugins::textOf(message)));
}

void logPlugin(const oh_plugin_info* plugin, oh_log_level level, oh_str message) {
    const auto spdLevel = toSpdlog(level);
    const std::string pluginId = plugins::pluginIdOf(plugin);
    const auto logger = logging::pluginLogger(pluginId);
    if (!logger->should_log(spdLevel)) return;
    logger->log(spdLevel, "[{}]: {}", pluginId, plugins::escapeForLog(plugins::textOf(message)));
}

std::int64_t nowMs(oh_context* ctx) { return ctx && ctx->clock ? ctx->clock() : systemClockMs(); }

std::int32_t isAbandoned(oh_context* ctx) { return ctx != nullptr && ctx->isAbandoned() ? 1 : 0; }

// The outcome as the host keeps it: codes and signals printable ASCII, the message valid
// UTF-8 without control characters (PluginText.h says why). A code that needed cleaning is
// kept cleaned and logged: the step's decision stands, its label was damaged.
ReportedOutcome cleanedOutcome(const oh_context& ctx, const oh_outcome& outcome) {
    ReportedOutcome copy;
    copy.kind = outcome.kind;
    bool codeChanged = false;
    bool signalChanged = false;
    copy.code = plugins::cleanCode(plugins::textOf(outcome.code), codeChanged);
    copy.message = plugins::cleanMessage(plugins::textOf(outcome.message));
    copy.retryAfterMs = outcome.retry_after_ms;
    copy.signal = plugins::cleanCode(plugins::textOf(outcome.signal), signalChanged);
    copy.timeoutMs = outcome.timeout_ms;
    if (codeChanged || signalChanged) {
        spdlog::warn(
            "[{}] chain={} step={} order={}: report_outcome: {} is not printable ASCII of at most {} "
            "bytes; kept as '{}'",
            ctx.identity.pluginId, ctx.identity.chain, ctx.identity.step, ctx.identity.orderId,
            codeChanged ? "code" : "signal", plugins::kMaxPluginCodeBytes, codeChanged ? copy.code : copy.signal);
    }
    return copy;
}

void reportOutcome(oh_context* ctx, const oh_outcome* outcome) {
    if (ctx == nullptr || ctx->isAbandoned()) return;
    if (outcome == nullptr || outcome->struct_size < OH_SIZE_1_0_OUTCOME) {
        // Unreadable: the host cannot know what the step decided, so it must not continue.
        ctx->outcome.reset();
        ctx->unreadableOutcome = outcome == nullptr
                                     ? "report_outcome() was given NULL"
                                     : "report_outcome() was given an oh_outcome of struct_size " +
                                           std::to_string(outcome->struct_size) + "; ABI 1.0 requires at least " +
                                           std::to_string(OH_SIZE_1_0_OUTCOME);
        return;
    }
    // A 1.0 plugin's oh_outcome stays readable when later versions grow the struct: nothing
    // after timeout_ms is read here.
    for (const auto& [what, text] : {std::pair{"code", outcome->code}, std::pair{"message", outcome->message},
                                     std::pair{"signal", outcome->signal}}) {
        if (plugins::isReadable(text)) continue;
        ctx->outcome.reset();
        ctx->unreadableOutcome = "report_outcome(): the oh_outcome's " + plugins::unreadableText(what, text);
        return;
    }
    ctx->unreadableOutcome.clear();
    ctx->outcome = cleanedOutcome(*ctx, *outcome);
}

void reportError(oh_context* ctx, oh_str message) {
    if (ctx == nullptr || ctx->isAbandoned()) return;
    ctx->error = plugins::isReadable(message) ? plugins::cleanMessage(plugins::textOf(message))
                                              : "report_error(): " + plugins::unreadableText("the message", message);
}

const void* getExtension(const char* id) {
    if (id != nullptr && std::strcmp(id, OH_EXT_DB) == 0) return &databaseExtension();
    if (id != nullptr && std::strcmp(id, OH_EXT_EVENTS) == 0) return &eventsExtension();
    return nullptr;
}

}  // namespace

std::int64_t systemClockMs() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

const oh_host_services& hostServices() {
    static const oh_host_services table = {
        sizeof(oh_host_services),
        logMessage,
        nowMs,
        getJson,
        getString,
        getInt,
        getSize,
        setJson,
        reportOutcome,
        reportError,
        getExtension,
        // since 1.1
        getBool,
        getKey,
        removeValue,
        isAbandoned,
        logPlugin,
    };
    return table;
}

const oh_host_info& hostInfo() {
    static const oh_host_info info = {
        sizeof(oh_host_info),      OH_ABI_MAJOR,    OH_ABI_MINOR, OH_STR("orderhost"),
        OH_STR(ORDERHOST_VERSION), &hostServices(),
    };
    return info;
}

}  // namespace orderhost::services
