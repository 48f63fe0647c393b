#include "host/worker/RemoteServices.h"

#include "host/isolation/WorkerFrames.h"

#include <orderhost/ext/db.h>
#include <orderhost/ext/events.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <deque>
#include <mutex>

// The worker's definition of the opaque context: only its address matters here (the host
// keeps the real call state). One per process, valid while a call is in progress.
struct oh_context {
    int unused = 0;
};

namespace orderhost::worker {
namespace {

using isolation::FrameReader;
using isolation::FrameWriter;
using isolation::Op;

int g_fd = -1;
std::mutex g_channel;  // one request (and its answer) on the socket at a time
oh_context g_context;
std::atomic<bool> g_inCall{false};
std::mutex g_keptMutex;
std::deque<std::string> g_kept;  // strings handed to the plugin during the current call
const oh_plugin_info* g_pluginInfo = nullptr;

struct Reply {
    oh_status status = OH_STATUS_INTERNAL_ERROR;
    std::int64_t number = 0;
    std::string text;
    std::string text2;
};

// The host is gone, or it broke the protocol: nobody can answer the plugin any more.
[[noreturn]] void lostHost() { ::_exit(3); }

bool current(const oh_context* ctx) { return ctx == &g_context && g_inCall.load(std::memory_order_acquire); }

std::string text(oh_str s) { return s.ptr == nullptr ? std::string() : std::string(s.ptr, s.len); }

Reply ask(const FrameWriter& request) {
    std::lock_guard<std::mutex> lock(g_channel);
    if (!isolation::writeFrame(g_fd, request.bytes())) lostHost();
    std::string body;
    if (isolation::readFrame(g_fd, body, std::chrono::steady_clock::time_point::max()) != isolation::ReadResult::Frame)
        lostHost();
    try {
        FrameReader reader(body);
        if (reader.op() != Op::Reply) lostHost();
        Reply reply;
        reply.status = reader.i32();
        reply.number = reader.i64();
        reply.text = reader.str();
        reply.text2 = reader.str();
        return reply;
    } catch (const isolation::FrameError&) {
        lostHost();
    }
}

void tell(const FrameWriter& message) {
    std::lock_guard<std::mutex> lock(g_channel);
    if (!isolation::writeFrame(g_fd, message.bytes())) lostHost();
}

oh_str keep(std::string value) {
    std::lock_guard<std::mutex> lock(g_keptMutex);
    const std::string& kept = g_kept.emplace_back(std::move(value));
    return oh_str{kept.data(), kept.size()};
}

void log(oh_context* ctx, oh_log_level level, oh_str message) {
    if (current(ctx)) tell(FrameWriter(Op::Log).i32(level).str(text(message)));
}

std::int64_t nowMs(oh_context* ctx) {
    if (current(ctx)) return ask(FrameWriter(Op::NowMs)).number;
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// A document read: the answer's status, and its text or number.
Reply read(Op op, oh_document doc, oh_str path, std::uint64_t index = 0) {
    FrameWriter request(op);
    request.i32(doc).pluginText(path);
    if (op == Op::GetKey) request.u64(index);
    return ask(request);
}

oh_status readText(Op op, oh_context* ctx, oh_document doc, oh_str path, oh_str* out, std::uint64_t index = 0) {
    if (!current(ctx) || out == nullptr) return OH_STATUS_INVALID_ARGUMENT;
    Reply reply = read(op, doc, path, index);
    if (reply.status == OH_STATUS_OK) *out = keep(std::move(reply.text));
    return reply.status;
}

oh_status getJson(oh_context* ctx, oh_document doc, oh_str path, oh_str* out) {
    return readText(Op::GetJson, ctx, doc, path, out);
}
oh_status getString(oh_context* ctx, oh_document doc, oh_str path, oh_str* out) {
    return readText(Op::GetString, ctx, doc, path, out);
}
oh_status getKey(oh_context* ctx, oh_document doc, oh_str path, std::size_t index, oh_str* out) {
    return readText(Op::GetKey, ctx, doc, path, out, index);
}

template <typename Number>
oh_status readNumber(Op op, oh_context* ctx, oh_document doc, oh_str path, Number* out) {
    if (!current(ctx) || out == nullptr) return OH_STATUS_INVALID_ARGUMENT;
    const Reply reply = read(op, doc, path);
    if (reply.status == OH_STATUS_OK) *out = static_cast<Number>(reply.number);
    return reply.status;
}

oh_status getInt(oh_context* ctx, oh_document doc, oh_str path, std::int64_t* out) {
    return readNumber(Op::GetInt, ctx, doc, path, out);
}
oh_status getSize(oh_context* ctx, oh_document doc, oh_str path, std::size_t* out) {
    return readNumber(Op::GetSize, ctx, doc, path, out);
}
oh_status getBool(oh_context* ctx, oh_document doc, oh_str path, std::int32_t* out) {
    return readNumber(Op::GetBool, ctx, doc, path, out);
}

oh_status setJson(oh_context* ctx, oh_str path, oh_str json) {
    if (!current(ctx)) return OH_STATUS_INVALID_ARGUMENT;
    return ask(FrameWriter(Op::SetJson).pluginText(path).pluginText(json)).status;
}

oh_status removeValue(oh_context* ctx, oh_str path) {
    if (!current(ctx)) return OH_STATUS_INVALID_ARGUMENT;
    return ask(FrameWriter(Op::RemoveValue).pluginText(path)).status;
}

// The host reads the outcome exactly as in-process: the struct_size travels along, and the
// fields only when the struct is large enough to hold them.
void reportOutcome(oh_context* ctx, const oh_outcome* outcome) {
    if (!current(ctx)) return;
    FrameWriter message(Op::ReportOutcome);
    if (outcome == nullptr) {
        tell(message.u8(0));
        return;
    }
    message.u8(1).u32(outcome->struct_size);
    if (outcome->struct_size >= OH_SIZE_1_0_OUTCOME) {
        message.i32(outcome->kind).pluginText(outcome->code).pluginText(outcome->message);
        message.u64(outcome->retry_after_ms).pluginText(outcome->signal).u64(outcome->timeout_ms);
    }
    tell(message);
}

void reportError(oh_context* ctx, oh_str message) {
    if (current(ctx)) tell(FrameWriter(Op::ReportError).pluginText(message));
}

std::int32_t isAbandoned(oh_context* ctx) {
    return current(ctx) ? static_cast<std::int32_t>(ask(FrameWriter(Op::IsAbandoned)).number) : 0;
}

void logPlugin(const oh_plugin_info* plugin, oh_log_level level, oh_str message) {
    tell(FrameWriter(Op::LogPlugin)
             .u8(plugin != nullptr && plugin == g_pluginInfo ? 1 : 0)
             .i32(level)
             .str(text(message)));
}

oh_status dbExecute(oh_context* ctx, oh_str datasource, oh_str sql, oh_str params, oh_str* outRows,
                    std::int64_t* outChanged, oh_str* outError) {
    if (ctx == nullptr) return OH_STATUS_INVALID_ARGUMENT;
    if (!current(ctx)) return OH_STATUS_UNAVAILABLE;
    Reply reply = ask(FrameWriter(Op::DbExecute)
                          .pluginText(datasource)
                          .pluginText(sql)
                          .pluginText(params)
                          .u8(outRows == nullptr ? 1 : 0));
    if (reply.status == OH_STATUS_OK) {
        if (outRows != nullptr) *outRows = keep(std::move(reply.text));
        if (outChanged != nullptr) *outChanged = reply.number;
    }
    if (outError != nullptr) *outError = keep(std::move(reply.text2));
    return reply.status;
}

oh_status eventsEmit(oh_context* ctx, oh_str type, oh_str payload) {
    if (ctx == nullptr) return OH_STATUS_INVALID_ARGUMENT;
    if (!current(ctx)) return OH_STATUS_UNAVAILABLE;
    return ask(FrameWriter(Op::EventsEmit).pluginText(type).pluginText(payload)).status;
}

const void* getExtension(const char* id) {
    // The same tables the host offers in-process, with the host's default limits.
    static const oh_db_ext db = {sizeof(oh_db_ext), dbExecute, OH_DB_MAX_ROWS, OH_DB_MAX_RESULT_BYTES};
    static const oh_events_ext events = {sizeof(oh_events_ext), eventsEmit};
    if (id != nullptr && std::strcmp(id, OH_EXT_DB) == 0) return &db;
    if (id != nullptr && std::strcmp(id, OH_EXT_EVENTS) == 0) return &events;
    return nullptr;
}

}  // namespace

const oh_host_info& remoteHostInfo(int fd) {
    g_fd = fd;
    static const oh_host_services services = {
        sizeof(oh_host_services),
        log,
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
    static const oh_host_info info = {sizeof(oh_host_info),      OH_ABI_MAJOR, OH_ABI_MINOR, OH_STR("orderhost"),
                                      OH_STR(ORDERHOST_VERSION), &services};
    return info;
}

void setPluginInfo(const oh_plugin_info* info) { g_pluginInfo = info; }

oh_context* beginCall() {
    g_inCall.store(true, std::memory_order_release);
    return &g_context;
}

void endCall() {
    g_inCall.store(false, std::memory_order_release);
    std::lock_guard<std::mutex> lock(g_keptMutex);
    g_kept.clear();
}

void sendToHost(const std::string& frame) {
    std::lock_guard<std::mutex> lock(g_channel);
    if (!isolation::writeFrame(g_fd, frame)) lostHost();
}

}  // namespace orderhost::worker
