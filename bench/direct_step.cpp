// Kept apart from the benchmark's translation unit so the call cannot be inlined (no LTO).
#include "bench/direct_step.h"

#include <stdexcept>

namespace orderhost::bench {
namespace {

class NoopDirectStep : public DirectStep {
public:
    services::ReportedOutcome run(const DirectStepCall&) override { return {}; }  // CONTINUE
};

// A second implementation, so that "which class?" has more than one answer at the call site.
class RejectDirectStep : public DirectStep {
public:
    services::ReportedOutcome run(const DirectStepCall&) override {
        services::ReportedOutcome outcome;
        outcome.kind = OH_OUTCOME_REJECT;
        return outcome;
    }
};

}  // namespace

std::unique_ptr<DirectStep> makeDirectStep(const std::string& kind) {
    if (kind == "noop") return std::make_unique<NoopDirectStep>();
    if (kind == "reject") return std::make_unique<RejectDirectStep>();
    throw std::invalid_argument("no direct step kind " + kind);
}

}  // namespace orderhost::bench
