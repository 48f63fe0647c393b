// The wall clock as the store records it: milliseconds since the Unix epoch (UTC).
#pragma once

#include <chrono>
#include <cstdint>

namespace orderhost::store {

inline std::int64_t nowMs() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace orderhost::store
