#include "host/isolation/ServiceRelay.h"

#include "host/plugins/PluginText.h"
#include "host/services/DatabaseExtension.h"
#include "host/services/EventsExtension.h"
#include "host/services/HostServices.h"

#include "host/logging/LogSetup.h"

#include <spdlog/spdlog.h>

namespace orderhost::isolation {
namespace {

oh_str str(const std::string& s) { return oh_str{s.data(), s.size()}; }
std::string copy(oh_str s) { return s.ptr == nullptr ? std::string() : std::string(s.ptr, s.len); }

std::string reply(oh_status status, std::int64_t number = 0, const std::string& text = {},
                  const std::string& text2 = {}) {
    return FrameWriter(Op::Reply).i32(status).i64(number).str(text).str(text2).bytes();
}

const oh_host_services& services() { return services::hostServices(); }

std::string readText(Op op, FrameReader& request, oh_context* ctx) {
    const oh_document doc = request.i32();
    const PluginTextOnWire path = request.pluginText();
    oh_str out{nullptr, 0};
    oh_status status;
    if (op == Op::GetKey) {
        const std::uint64_t index = request.u64();
        status = services().get_key(ctx, doc, path.view(), static_cast<std::size_t>(index), &out);
    } else {
        status = (op == Op::GetJson ? services().get_json : services().get_string)(ctx, doc, path.view(), &out);
    }
    return reply(status, 0, status == OH_STATUS_OK ? copy(out) : std::string());
}

std::string readNumber(Op op, FrameReader& request, oh_context* ctx) {
    const oh_document doc = request.i32();
    const PluginTextOnWire path = request.pluginText();
    if (op == Op::GetInt) {
        std::int64_t value = 0;
        const oh_status status = services().get_int(ctx, doc, path.view(), &value);
        return reply(status, value);
    }
    if (op == Op::GetSize) {
        std::size_t value = 0;
        const oh_status status = services().get_size(ctx, doc, path.view(), &value);
        return reply(status, static_cast<std::int64_t>(value));
    }
    std::int32_t value = 0;
    const oh_status status = services().get_bool(ctx, doc, path.view(), &value);
    return reply(status, value);
}

void reportOutcome(FrameReader& request, oh_context* ctx) {
    if (request.u8() == 0) {
        services().report_outcome(ctx, nullptr);
        return;
    }
    oh_outcome outcome{};
    outcome.struct_size = request.u32();
    PluginTextOnWire code, message, signal;
    if (outcome.struct_size >= OH_SIZE_1_0_OUTCOME) {
        outcome.kind = request.i32();
        code = request.pluginText();
        message = request.pluginText();
        outcome.retry_after_ms = request.u64();
        signal = request.pluginText();
        outcome.timeout_ms = request.u64();
        outcome.code = code.view();
        outcome.message = message.view();
        outcome.signal = signal.view();
    }
    services().report_outcome(ctx, &outcome);
}

std::string dbExecute(FrameReader& request, oh_context* ctx) {
    const PluginTextOnWire datasource = request.pluginText();
    const PluginTextOnWire sql = request.pluginText();
    const PluginTextOnWire params = request.pluginText();
    const bool rowsNull = request.u8() != 0;
    oh_str rows{nullptr, 0};
    oh_str error{nullptr, 0};
    std::int64_t changed = 0;
    const oh_status status = services::databaseExtension().execute(ctx, datasource.view(), sql.view(), params.view(),
                                                                   rowsNull ? nullptr : &rows, &changed, &error);
    return reply(status, changed, copy(rows), copy(error));
}

void logPlugin(FrameReader& request, const std::string& pluginId) {
    const bool known = request.u8() != 0;
    const oh_log_level level = request.i32();
    const std::string message = request.str();
    const auto spdLevel = level >= OH_LOG_ERROR   ? spdlog::level::err
                          : level == OH_LOG_WARN  ? spdlog::level::warn
                          : level == OH_LOG_DEBUG ? spdlog::level::debug
                          : level == OH_LOG_TRACE ? spdlog::level::trace
                                                  : spdlog::level::info;
    const auto logger = known ? logging::pluginLogger(pluginId) : spdlog::default_logger();
    if (!logger->should_log(spdLevel)) return;
    logger->log(spdLevel, "[{}]: {}", known ? pluginId : "unknown plugin", plugins::escapeForLog(message));
}

}  // namespace

bool isServiceRequest(Op op) {
    const auto value = static_cast<std::uint8_t>(op);
    if (op == Op::LogPlugin) return true;  // from any thread of the plugin, at any time
    return value >= static_cast<std::uint8_t>(Op::Log) && value <= static_cast<std::uint8_t>(Op::EventsEmit);
}

std::optional<std::string> serveServiceRequest(Op op, FrameReader& request, oh_context* ctx,
                                               const std::string& pluginId) {
    switch (op) {
        case Op::Log: {
            const oh_log_level level = request.i32();
            const std::string message = request.str();
            services().log(ctx, level, str(message));
            return std::nullopt;
        }
        case Op::NowMs:
            return reply(OH_STATUS_OK, services().now_ms(ctx));
        case Op::GetJson:
        case Op::GetString:
        case Op::GetKey:
            return readText(op, request, ctx);
        case Op::GetInt:
        case Op::GetSize:
        case Op::GetBool:
            return readNumber(op, request, ctx);
        case Op::SetJson: {
            const PluginTextOnWire path = request.pluginText();
            const PluginTextOnWire json = request.pluginText();
            return reply(services().set_json(ctx, path.view(), json.view()));
        }
        case Op::RemoveValue: {
            const PluginTextOnWire path = request.pluginText();
            return reply(services().remove_value(ctx, path.view()));
        }
        case Op::ReportOutcome:
            reportOutcome(request, ctx);
            return std::nullopt;
        case Op::ReportError: {
            const PluginTextOnWire message = request.pluginText();
            services().report_error(ctx, message.view());
            return std::nullopt;
        }
        case Op::IsAbandoned:
            return reply(OH_STATUS_OK, services().is_abandoned(ctx));
        case Op::DbExecute:
            return dbExecute(request, ctx);
        case Op::EventsEmit: {
            const PluginTextOnWire type = request.pluginText();
            const PluginTextOnWire payload = request.pluginText();
            return reply(services::eventsExtension().emit(ctx, type.view(), payload.view()));
        }
        case Op::LogPlugin:
            logPlugin(request, pluginId);
            return std::nullopt;
        default:
            throw FrameError("message " + std::to_string(static_cast<int>(op)) + " is not a service request");
    }
}

}  // namespace orderhost::isolation
