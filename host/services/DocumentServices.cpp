#include "host/services/DocumentServices.h"

namespace orderhost::services {
namespace {

using document::JsonDocument;
using document::Status;

oh_status toStatus(Status status) {
    switch (status) {
        case Status::Ok:
            return OH_STATUS_OK;
        case Status::NotFound:
            return OH_STATUS_NOT_FOUND;
        case Status::TypeMismatch:
            return OH_STATUS_TYPE_MISMATCH;
        case Status::InvalidArgument:
            return OH_STATUS_INVALID_ARGUMENT;
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

// The readers share their shape: find the document, read, hand out the result.
template <typename Read>
oh_status readValue(oh_context* ctx, oh_document doc, oh_str path, const void* out, Read read) {
    if (ctx == nullptr || out == nullptr || !plugins::isReadable(path)) return OH_STATUS_INVALID_ARGUMENT;
    if (ctx->isAbandoned()) return OH_STATUS_ABANDONED;
    oh_status status;
    const JsonDocument* document = documentFor(ctx, doc, status);
    if (document == nullptr) return status == OH_STATUS_OK ? OH_STATUS_UNAVAILABLE : status;
    try {
        return toStatus(read(*document, std::string(plugins::textOf(path))));
    } catch (...) {
        return OH_STATUS_INTERNAL_ERROR;
    }
}

// The writers: only the order document, only during run()/compensate().
template <typename Write>
oh_status writeValue(oh_context* ctx, Write write) {
    if (ctx == nullptr) return OH_STATUS_INVALID_ARGUMENT;
    if (ctx->isAbandoned()) return OH_STATUS_ABANDONED;
    if (ctx->order == nullptr) return OH_STATUS_UNAVAILABLE;
    try {
        return toStatus(write(*ctx->order));
    } catch (...) {
        return OH_STATUS_INTERNAL_ERROR;
    }
}

}  // namespace

void handOut(oh_context* ctx, std::string value, oh_str* out) {
    const std::string& kept = ctx->handedOut.emplace_back(std::move(value));
    *out = oh_str{kept.data(), kept.size()};
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
    return readValue(ctx, doc, path, out,
                     [&](const JsonDocument& d, const std::string& p) { return d.getInt(p, *out); });
}

oh_status getSize(oh_context* ctx, oh_document doc, oh_str path, std::size_t* out) {
    return readValue(ctx, doc, path, out,
                     [&](const JsonDocument& d, const std::string& p) { return d.getSize(p, *out); });
}

oh_status getBool(oh_context* ctx, oh_document doc, oh_str path, std::int32_t* out) {
    return readValue(ctx, doc, path, out, [&](const JsonDocument& d, const std::string& p) {
        bool value = false;
        const Status s = d.getBool(p, value);
        if (s == Status::Ok) *out = value ? 1 : 0;
        return s;
    });
}

oh_status getKey(oh_context* ctx, oh_document doc, oh_str path, std::size_t index, oh_str* out) {
    return readValue(ctx, doc, path, out, [&](const JsonDocument& d, const std::string& p) {
        std::string key;
        const Status s = d.getKey(p, index, key);
        if (s == Status::Ok) handOut(ctx, std::move(key), out);
        return s;
    });
}

oh_status setJson(oh_context* ctx, oh_str path, oh_str json) {
    if (!plugins::isReadable(path) || !plugins::isReadable(json)) return OH_STATUS_INVALID_ARGUMENT;
    return writeValue(ctx, [&](JsonDocument& order) {
        return order.set(std::string(plugins::textOf(path)), std::string(plugins::textOf(json)));
    });
}

oh_status removeValue(oh_context* ctx, oh_str path) {
    if (!plugins::isReadable(path)) return OH_STATUS_INVALID_ARGUMENT;
    return writeValue(ctx, [&](JsonDocument& order) { return order.remove(std::string(plugins::textOf(path))); });
}

}  // namespace orderhost::services
