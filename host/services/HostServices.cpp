#include "host/services/HostServices.h"

#include "host/services/CallContext.h"
#include "host/services/DatabaseExtension.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstring>
#include <string_view>

namespace orderhost::services {
namespace {

using document::JsonDocument;
using document::Status;

std::string_view view(oh_str s) {
    return s.ptr == nullptr ? std::string_view() : std::string_view(s.ptr, s.len);
}

// Keeps `value` alive until the current call returns and points `out` at it.
void handOut(oh_context* ctx, std::string value, oh_str* out) {
    const std::string& kept = ctx->handedOut.emplace_back(std::move(value));
    *out = oh_str{kept.data(), kept.size()};
}

oh_status toStatus(Status status) {
    switch (status) {
        case Status::Ok: return OH_STATUS_OK;
        case Status::NotFound: return OH_STATUS_NOT_FOUND;
        case Status::TypeMismatch: return OH_STATUS_TYPE_MISMATCH;
        case Status::InvalidArgument: return OH_STATUS_INVALID_ARGUMENT;
    }
    return OH_STATUS_INTERNAL_ERROR;
}

// The document a read refers to, or nullptr (with the status to return) when unavailable.
const JsonDocument* documentFor(oh_context* ctx, oh_document doc, oh_status& status) {
    status = OH_STATUS_OK;
    if (doc == OH_DOC_CONFIG) return ctx->config;
    if (doc == OH_DOC_ORDER) {
        if (ctx->order == nullptr) status = OH_STATUS_UNAVAILABLE;
        return ctx->order;
    }
    status = OH_STATUS_INVALID_ARGUMENT;
    return nullptr;
}

spdlog::level::level_enum toSpdlog(oh_log_level level) {
    switch (level) {
        case OH_LOG_TRACE: return spdlog::level::trace;
        case OH_LOG_DEBUG: return spdlog::level::debug;
        case OH_LOG_WARN: return spdlog::level::warn;
        case OH_LOG_ERROR: return spdlog::level::err;
        default: return spdlog::level::info;
    }
}

void logMessage(oh_context* ctx, oh_log_level level, oh_str message) {
    if (ctx == nullptr) return;
    const auto& who = ctx->identity;
    spdlog::log(toSpdlog(level), "[{}] chain={} step={} order={}: {}", who.pluginId, who.chain,
                who.step, who.orderId.empty() ? "-" : who.orderId, view(message));
}

std::int64_t nowMs(oh_context* ctx) { return ctx && ctx->clock ? ctx->clock() : systemClockMs(); }

// The four readers share their shape: find the document, read, hand out the result.
template <typename Read>
oh_status readValue(oh_context* ctx, oh_document doc, oh_str path, const void* out, Read read) {
    if (ctx == nullptr || out == nullptr) return OH_STATUS_INVALID_ARGUMENT;
    oh_status status;
    const JsonDocument* document = documentFor(ctx, doc, status);
    if (document == nullptr) return status == OH_STATUS_OK ? OH_STATUS_UNAVAILABLE : status;
    try {
        return toStatus(read(*document, std::string(view(path))));
    } catch (...) {
        return OH_STATUS_INTERNAL_ERROR;
    }
}

oh_status getJson(oh_context* ctx, oh_document doc, oh_str path, oh_str* out) {
    return readValue(ctx, doc, path, out, [&](const JsonDocument& d, const std::string& p) {
        std::string value;
        const Status s = d.getJson(p, value);
        if (s == Status::Ok) handOut(ctx, std::move(value), out);
        return s;
    });
}

oh_status getString(oh_context* ctx, oh_document doc, oh_str path, oh_str* out) {
    return readValue(ctx, doc, path, out, [&](const JsonDocument& d, const std::string& p) {
        std::string value;
        const Status s = d.getString(p, value);
        if (s == Status::Ok) handOut(ctx, std::move(value), out);
        return s;
    });
}

oh_status getInt(oh_context* ctx, oh_document doc, oh_str path, std::int64_t* out) {
    return readValue(ctx, doc, path, out, [&](const JsonDocument& d, const std::string& p) {
        return d.getInt(p, *out);
    });
}

oh_status getSize(oh_context* ctx, oh_document doc, oh_str path, std::size_t* out) {
    return readValue(ctx, doc, path, out, [&](const JsonDocument& d, const std::string& p) {
        return d.getSize(p, *out);
    });
}

oh_status setJson(oh_context* ctx, oh_str path, oh_str json) {
    if (ctx == nullptr) return OH_STATUS_INVALID_ARGUMENT;
    if (ctx->order == nullptr) return OH_STATUS_UNAVAILABLE;
    try {
        return toStatus(ctx->order->set(std::string(view(path)), std::string(view(json))));
    } catch (...) {
        return OH_STATUS_INTERNAL_ERROR;
    }
}

void reportOutcome(oh_context* ctx, const oh_outcome* outcome) {
    // A 1.0 plugin's oh_outcome stays readable when later versions grow the struct.
    if (ctx == nullptr || outcome == nullptr || !OH_HAS_FIELD(outcome, oh_outcome, timeout_ms)) return;
    ReportedOutcome copy;
    copy.kind = outcome->kind;
    copy.code = std::string(view(outcome->code));
    copy.message = std::string(view(outcome->message));
    copy.retryAfterMs = outcome->retry_after_ms;
    copy.signal = std::string(view(outcome->signal));
    copy.timeoutMs = outcome->timeout_ms;
    ctx->outcome = std::move(copy);
}

void reportError(oh_context* ctx, oh_str message) {
    if (ctx != nullptr) ctx->error = std::string(view(message));
}

const void* getExtension(const char* id) {
    if (id != nullptr && std::strcmp(id, OH_EXT_DB) == 0) return &databaseExtension();
    return nullptr;
}

}  // namespace

std::int64_t systemClockMs() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

const oh_host_services& hostServices() {
    // Until the 1.1 services are implemented, the table announces its 1.0 size.
    static const oh_host_services table = {
        OH_SIZE_1_0_HOST_SERVICES, logMessage, nowMs,   getJson,       getString,    getInt,
        getSize,                   setJson,    reportOutcome, reportError, getExtension,
        nullptr,                   nullptr,    nullptr, nullptr,       nullptr,
    };
    return table;
}

const oh_host_info& hostInfo() {
    static const oh_host_info info = {
        sizeof(oh_host_info), OH_ABI_MAJOR, OH_ABI_MINOR, OH_STR("orderhost"),
        OH_STR(ORDERHOST_VERSION), &hostServices(),
    };
    return info;
}

}  // namespace orderhost::services
