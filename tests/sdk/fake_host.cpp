// fake_host.cpp — JSON Pointer reads/writes over Poco::JSON and the C callbacks of FakeHost.
#include "fake_host.hpp"

#include <orderhost/ext/events.h>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>

namespace orderhost::testing {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

FakeHost& host(oh_context* ctx) { return *reinterpret_cast<FakeHost*>(ctx); }
std::string text(oh_str s) { return s.ptr ? std::string(s.ptr, s.len) : std::string(); }

bool isObject(const Var& v) { return v.type() == typeid(Object::Ptr); }
bool isArray(const Var& v) { return v.type() == typeid(Array::Ptr); }

Var parse(const std::string& json) {
    Poco::JSON::Parser parser;
    // Wrapped in an array so that scalars ("5", "\"x\"") parse like documents.
    Var wrapped = parser.parse("[" + json + "]");
    Array::Ptr array = wrapped.extract<Array::Ptr>();
    if (array->size() != 1) throw Poco::SyntaxException("not exactly one JSON value");
    return array->get(0);
}

// "/a/b~1c" → {"a", "b/c"}; false for a path that is not a JSON Pointer.
bool splitPointer(const std::string& path, std::vector<std::string>& out) {
    if (path.empty()) return true;
    if (path[0] != '/') return false;
    std::string segment;
    for (std::size_t i = 1; i <= path.size(); ++i) {
        if (i == path.size() || path[i] == '/') {
            out.push_back(segment);
            segment.clear();
        } else if (path[i] == '~' && i + 1 < path.size() && (path[i + 1] == '0' || path[i + 1] == '1')) {
            segment.push_back(path[++i] == '0' ? '~' : '/');
        } else {
            segment.push_back(path[i]);
        }
    }
    return true;
}

std::optional<std::size_t> arrayIndex(const std::string& segment) {
    if (segment.empty() || segment.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    return static_cast<std::size_t>(std::stoull(segment));
}

// The child `segment` of container `parent`; std::nullopt when absent.
std::optional<Var> child(const Var& parent, const std::string& segment) {
    if (isObject(parent)) {
        const Object::Ptr& object = parent.extract<Object::Ptr>();
        if (!object->has(segment)) return std::nullopt;
        return object->get(segment);
    }
    if (isArray(parent)) {
        const Array::Ptr& array = parent.extract<Array::Ptr>();
        std::optional<std::size_t> index = arrayIndex(segment);
        if (!index || *index >= array->size()) return std::nullopt;
        return array->get(static_cast<unsigned>(*index));
    }
    return std::nullopt;
}

// Stores `value` as `segment` of `parent` ("-" or size() appends to an array).
oh_status assign(const Var& parent, const std::string& segment, const Var& value) {
    if (isObject(parent)) {
        Object::Ptr object = parent.extract<Object::Ptr>();  // a non-const Ptr, to modify through
        object->set(segment, value);
        return OH_STATUS_OK;
    }
    if (!isArray(parent)) return OH_STATUS_TYPE_MISMATCH;
    Array::Ptr array = parent.extract<Array::Ptr>();
    std::optional<std::size_t> index = arrayIndex(segment);
    if (segment == "-" || (index && *index == array->size()))
        array->add(value);
    else if (index && *index < array->size())
        array->set(static_cast<unsigned>(*index), value);
    else
        return OH_STATUS_NOT_FOUND;
    return OH_STATUS_OK;
}

// --- the C callbacks ---

void logLine(oh_context* ctx, oh_log_level level, oh_str message) { host(ctx).logs.emplace_back(level, text(message)); }
int64_t nowMs(oh_context* ctx) { return host(ctx).now_ms; }

oh_status getJson(oh_context* ctx, oh_document doc, oh_str path, oh_str* out) {
    Var value;
    oh_status st = host(ctx).getValue(doc, text(path), value);
    if (st == OH_STATUS_OK) *out = host(ctx).keep(toJson(value));
    return st;
}

oh_status getString(oh_context* ctx, oh_document doc, oh_str path, oh_str* out) {
    Var value;
    oh_status st = host(ctx).getValue(doc, text(path), value);
    if (st != OH_STATUS_OK) return st;
    if (!value.isString()) return OH_STATUS_TYPE_MISMATCH;
    *out = host(ctx).keep(value.convert<std::string>());
    return OH_STATUS_OK;
}

oh_status getInt(oh_context* ctx, oh_document doc, oh_str path, int64_t* out) {
    Var value;
    oh_status st = host(ctx).getValue(doc, text(path), value);
    if (st != OH_STATUS_OK) return st;
    if (value.isEmpty() || value.isBoolean() || !value.isInteger()) return OH_STATUS_TYPE_MISMATCH;
    try {
        *out = value.convert<Poco::Int64>();
    } catch (const Poco::RangeException&) {
        return OH_STATUS_TYPE_MISMATCH;
    }
    return OH_STATUS_OK;
}

oh_status getSize(oh_context* ctx, oh_document doc, oh_str path, size_t* out) {
    Var value;
    oh_status st = host(ctx).getValue(doc, text(path), value);
    if (st != OH_STATUS_OK) return st;
    if (isObject(value))
        *out = value.extract<Object::Ptr>()->size();
    else if (isArray(value))
        *out = value.extract<Array::Ptr>()->size();
    else
        return OH_STATUS_TYPE_MISMATCH;
    return OH_STATUS_OK;
}

oh_status setJson(oh_context* ctx, oh_str path, oh_str json) { return host(ctx).setValue(text(path), text(json)); }

void reportOutcome(oh_context* ctx, const oh_outcome* outcome) {
    RecordedOutcome recorded;
    recorded.kind = outcome->kind;
    recorded.code = text(outcome->code);
    recorded.message = text(outcome->message);
    recorded.signal = text(outcome->signal);
    recorded.retry_after_ms = outcome->retry_after_ms;
    recorded.timeout_ms = outcome->timeout_ms;
    host(ctx).outcomes.push_back(recorded);
}

void reportError(oh_context* ctx, oh_str message) { host(ctx).errors.push_back(text(message)); }
const void* getExtension(const char*) { return nullptr; }

// --- the 1.1 callbacks ---

oh_status getBool(oh_context* ctx, oh_document doc, oh_str path, int32_t* out) {
    Var value;
    oh_status st = host(ctx).getValue(doc, text(path), value);
    if (st != OH_STATUS_OK) return st;
    if (!value.isBoolean()) return OH_STATUS_TYPE_MISMATCH;
    *out = value.extract<bool>() ? 1 : 0;
    return OH_STATUS_OK;
}

oh_status getKey(oh_context* ctx, oh_document doc, oh_str path, size_t index, oh_str* out) {
    Var value;
    oh_status st = host(ctx).getValue(doc, text(path), value);
    if (st != OH_STATUS_OK) return st;
    if (!isObject(value)) return OH_STATUS_TYPE_MISMATCH;
    const std::vector<std::string> names = value.extract<Object::Ptr>()->getNames();
    if (index >= names.size()) return OH_STATUS_NOT_FOUND;
    *out = host(ctx).keep(names[index]);
    return OH_STATUS_OK;
}

oh_status removeValueOf(oh_context* ctx, oh_str path) { return host(ctx).removeValue(text(path)); }
int32_t isAbandoned(oh_context* ctx) { return host(ctx).abandoned ? 1 : 0; }
void logPlugin(const oh_plugin_info* plugin, oh_log_level, oh_str message) {
    FakeHost::pluginLogs().emplace_back(plugin, text(message));
}

oh_status emitEvent(oh_context* ctx, oh_str type, oh_str payload) {
    if (type.len == 0) return OH_STATUS_INVALID_ARGUMENT;
    host(ctx).events.emplace_back(text(type), text(payload));
    return OH_STATUS_OK;
}

const void* getExtension11(const char* id) {
    static const oh_events_ext events = {sizeof(oh_events_ext), emitEvent};
    return id != nullptr && std::string(id) == OH_EXT_EVENTS ? &events : nullptr;
}

}  // namespace

std::string toJson(const Var& value) {
    if (value.isEmpty()) return "null";
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(value, out);
    return out.str();
}

FakeHost::FakeHost(const std::string& order_json, const std::string& config_json)
    : order_(parse(order_json)), config_(parse(config_json)), config_text_(config_json) {}

const oh_host_services& FakeHost::services() {
    // A 1.0-level table: the SDK must keep working on a host without the 1.1 services.
    static const oh_host_services table = {OH_SIZE_1_0_HOST_SERVICES,
                                           logLine,
                                           nowMs,
                                           getJson,
                                           getString,
                                           getInt,
                                           getSize,
                                           setJson,
                                           reportOutcome,
                                           reportError,
                                           getExtension,
                                           nullptr,
                                           nullptr,
                                           nullptr,
                                           nullptr,
                                           nullptr};
    return table;
}

const oh_host_services& FakeHost::services11() {
    static const oh_host_services table = {sizeof(oh_host_services),
                                           logLine,
                                           nowMs,
                                           getJson,
                                           getString,
                                           getInt,
                                           getSize,
                                           setJson,
                                           reportOutcome,
                                           reportError,
                                           getExtension11,
                                           getBool,
                                           getKey,
                                           removeValueOf,
                                           isAbandoned,
                                           logPlugin};
    return table;
}

std::vector<std::pair<const oh_plugin_info*, std::string>>& FakeHost::pluginLogs() {
    static std::vector<std::pair<const oh_plugin_info*, std::string>> logs;
    return logs;
}

oh_host_info FakeHost::hostInfo(std::uint16_t abi_major) const {
    return oh_host_info{sizeof(oh_host_info), abi_major,       OH_ABI_MINOR,
                        OH_STR("fakehost"),   OH_STR("0.0.1"), &services()};
}

oh_create_args FakeHost::createArgs() {
    creating = true;
    return oh_create_args{sizeof(oh_create_args), context(), OH_STR("chain-a"), OH_STR("step-1"),
                          oh_str{config_text_.data(), config_text_.size()}};
}

oh_step_call FakeHost::stepCall(std::uint32_t attempt) {
    creating = false;
    return oh_step_call{sizeof(oh_step_call),      context(),        OH_STR("order-42"),
                        OH_STR("chain-a"),         OH_STR("step-1"), attempt,
                        OH_STR("order-42/step-1"), deadline_ms,      OH_CALL_RUN};
}

std::optional<std::string> FakeHost::orderJson(const std::string& path) const {
    Var value;
    bool was_creating = creating;
    const_cast<FakeHost*>(this)->creating = false;
    oh_status st = getValue(OH_DOC_ORDER, path, value);
    const_cast<FakeHost*>(this)->creating = was_creating;
    if (st != OH_STATUS_OK) return std::nullopt;
    return toJson(value);
}

oh_status FakeHost::getValue(oh_document doc, const std::string& path, Var& out) const {
    if (doc != OH_DOC_CONFIG && doc != OH_DOC_ORDER) return OH_STATUS_INVALID_ARGUMENT;
    if (doc == OH_DOC_ORDER && creating) return OH_STATUS_UNAVAILABLE;
    std::vector<std::string> segments;
    if (!splitPointer(path, segments)) return OH_STATUS_INVALID_ARGUMENT;
    Var current = doc == OH_DOC_ORDER ? order_ : config_;
    for (const std::string& segment : segments) {
        std::optional<Var> next = child(current, segment);
        if (!next) return OH_STATUS_NOT_FOUND;
        current = *next;
    }
    out = current;
    return OH_STATUS_OK;
}

oh_status FakeHost::setValue(const std::string& path, const std::string& json) {
    if (creating) return OH_STATUS_UNAVAILABLE;
    std::vector<std::string> segments;
    if (!splitPointer(path, segments)) return OH_STATUS_INVALID_ARGUMENT;
    Var value;
    try {
        value = parse(json);
    } catch (const Poco::Exception&) {
        return OH_STATUS_INVALID_ARGUMENT;
    }
    if (segments.empty()) {
        order_ = value;
        return OH_STATUS_OK;
    }
    Var parent = order_;
    for (std::size_t i = 0; i + 1 < segments.size(); ++i) {
        std::optional<Var> next = child(parent, segments[i]);
        if (!next) {  // missing parents are created: an array when the next segment appends
            Var made = segments[i + 1] == "-" ? Var(Array::Ptr(new Array)) : Var(Object::Ptr(new Object));
            oh_status st = assign(parent, segments[i], made);
            if (st != OH_STATUS_OK) return st;
            next = made;
        }
        parent = *next;
    }
    return assign(parent, segments.back(), value);
}

oh_status FakeHost::removeValue(const std::string& path) {
    if (creating) return OH_STATUS_UNAVAILABLE;
    std::vector<std::string> segments;
    if (!splitPointer(path, segments)) return OH_STATUS_INVALID_ARGUMENT;
    if (segments.empty()) return OH_STATUS_INVALID_ARGUMENT;
    Var parent = order_;
    for (std::size_t i = 0; i + 1 < segments.size(); ++i) {
        std::optional<Var> next = child(parent, segments[i]);
        if (!next) return OH_STATUS_NOT_FOUND;
        parent = *next;
    }
    if (!child(parent, segments.back())) return OH_STATUS_NOT_FOUND;
    if (isObject(parent)) {
        Object::Ptr object = parent.extract<Object::Ptr>();
        object->remove(segments.back());
    } else {
        Array::Ptr array = parent.extract<Array::Ptr>();
        array->remove(static_cast<unsigned>(*arrayIndex(segments.back())));
    }
    return OH_STATUS_OK;
}

oh_str FakeHost::keep(std::string value) {
    kept_.push_back(std::move(value));
    return oh_str{kept_.back().data(), kept_.back().size()};
}

}  // namespace orderhost::testing
