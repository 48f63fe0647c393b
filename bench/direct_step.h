// The baseline for bench/abi_call_bench.cpp: the no-op step as a plain C++ interface, the way
// it would look if steps were linked into the host instead of loaded through the C ABI.
#pragma once

#include "host/services/CallContext.h"

#include <memory>
#include <string>
#include <string_view>

namespace orderhost::bench {

// What a linked-in step would receive: the same facts as oh_step_call, as C++ types.
struct DirectStepCall {
    std::string_view orderId;
    std::string_view chainName;
    std::string_view stepName;
    std::uint32_t attempt = 1;
    std::string_view idempotencyKey;
};

class DirectStep {
public:
    virtual ~DirectStep() = default;
    // Returns the host's own outcome type, as a linked-in step would: no copy across a boundary.
    virtual services::ReportedOutcome run(const DirectStepCall& call) = 0;
};

// Made in direct_step.cpp and chosen by name at run time, so that the compiler sees neither
// the dynamic type nor the body at the call site: the call stays a real virtual call.
std::unique_ptr<DirectStep> makeDirectStep(const std::string& kind);

}  // namespace orderhost::bench
