#include "host/logging/LogContext.h"

#include <random>

namespace orderhost::logging {
namespace {

thread_local LogFields current;

void overlay(std::string& field, const std::string& value) {
    if (!value.empty()) field = value;
}

}  // namespace

const LogFields& currentLogFields() { return current; }

LogFields fieldsForStep(const std::string& step, const std::string& plugin) {
    LogFields fields = current;
    fields.step = step;
    fields.plugin = plugin;
    return fields;
}

LogScope::LogScope(const LogFields& fields) : previous_(current) {
    overlay(current.requestId, fields.requestId);
    overlay(current.orderId, fields.orderId);
    overlay(current.chain, fields.chain);
    overlay(current.step, fields.step);
    overlay(current.plugin, fields.plugin);
    overlay(current.eventId, fields.eventId);
}

LogScope::~LogScope() { current = std::move(previous_); }

std::string newRequestId() {
    thread_local std::mt19937_64 random{std::random_device{}()};
    static const char digits[] = "0123456789abcdef";
    std::string id;
    for (int half = 0; half < 2; ++half) {
        std::uint64_t bits = random();
        for (int i = 0; i < 16; ++i, bits >>= 4) id += digits[bits & 0xF];
    }
    return id;
}

bool isUsableRequestId(const std::string& id) {
    if (id.empty() || id.size() > 128) return false;
    for (char c : id)
        if (c < 0x21 || c > 0x7E) return false;
    return true;
}

}  // namespace orderhost::logging
