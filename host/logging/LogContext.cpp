#include "host/logging/LogContext.h"

#include <iterator>
#include <random>

namespace orderhost::logging {
namespace {

thread_local LogFields current;

// The fields in one order, so a scope can set and restore them by index.
std::string LogFields::*const kFields[] = {&LogFields::requestId, &LogFields::orderId, &LogFields::chain,
                                           &LogFields::step,      &LogFields::plugin,  &LogFields::eventId};

}  // namespace

const LogFields& currentLogFields() { return current; }

LogFields fieldsForStep(const std::string& step, const std::string& plugin) {
    LogFields fields = current;
    fields.step = step;
    fields.plugin = plugin;
    return fields;
}

// Saves and restores only what it sets: a scope opens per step, and copying all six strings
// each time was a measurable share of the step's bookkeeping.
LogScope::LogScope(const LogFields& fields) {
    for (unsigned i = 0; i < std::size(kFields); ++i) {
        const std::string& value = fields.*kFields[i];
        if (value.empty()) continue;
        previous_.*kFields[i] = std::move(current.*kFields[i]);
        current.*kFields[i] = value;
        changed_ |= 1u << i;
    }
}

LogScope::~LogScope() {
    for (unsigned i = 0; i < std::size(kFields); ++i)
        if (changed_ & (1u << i)) current.*kFields[i] = std::move(previous_.*kFields[i]);
}

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
