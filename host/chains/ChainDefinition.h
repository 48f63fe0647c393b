// The in-memory model of a chain file: what the administrator declared, plus where each
// part was declared so that later checks (unknown plugin, refused config) can point at the
// exact line of the file.
//
//   name: place-order        ->  ChainDefinition{name = "place-order", version = 1, ...}
//   version: 1                    steps[0] = StepDefinition{name = "validate", ...}
//   steps: [...]
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace orderhost::chains {

struct Condition;  // host/chains/Condition.h

// A place in a chain file. line and column are 1-based; 0 means "unknown" (for example an
// error about the file as a whole).
struct SourceLocation {
    std::string file;
    int line = 0;
    int column = 0;
    // "chains/place-order.yaml:12:5", or just the file when line is 0.
    std::string toString() const;
};

// What happens when a step fails (outcome FAIL, retries exhausted, or timed out).
enum class FailurePolicy {
    Compensate,  // undo the completed steps in reverse order, then the order is failed (default)
    Fail,        // the order is failed at once; nothing is undone
    Hold,        // the order waits on_hold for the signal "manual_action" (retry/skip/compensate/fail)
    Continue,    // the failure is recorded and the chain goes on with the next step
};

// What happens when a suspended step's signal does not arrive in time.
enum class SignalTimeoutPolicy {
    Failure,   // the step failed (code signal_timeout): its on_failure policy applies (default)
    Rerun,     // the step runs again and finds {"timed_out": true} at /signals/<signal>
    Continue,  // the chain goes on with the next step
};

// When a step's checkpoint commits, if the step continued and may share a transaction
// (engine.steps_per_commit, its plugin promises no external effects).
enum class CommitPolicy {
    Batched,  // with the steps after it, in one transaction (default)
    AtOnce,   // at once, with the steps batched before it: the row locks it took (a gapless number
              // series, a hot stock row) are released before the next step runs
};

inline constexpr const char* kFailurePolicies[] = {"compensate", "fail", "hold", "continue"};
inline constexpr const char* kSignalTimeoutPolicies[] = {"failure", "rerun", "continue"};
inline constexpr const char* kCommitPolicies[] = {"batched", "at_once"};

// The signal a held order (on_failure: hold) waits for.
inline constexpr const char* kManualActionSignal = "manual_action";

struct StepDefinition {
    std::string name;           // unique within the chain, [a-z0-9-]+
    std::string plugin;         // plugin id, e.g. "orderhost.validation"
    std::string stepKind;       // the step kind's name inside that plugin (YAML field "step")
    std::string configJson;     // the step's "config" as compact JSON; "{}" when absent
    int attempts = 1;           // 1..100
    int backoffMs = 0;          // delay before the 2nd attempt, doubling after; 0 retries at once
    int maxBackoffMs = 600000;  // cap on that delay
    int timeoutMs = 30000;      // one attempt may take this long, then it counts as failed
    FailurePolicy onFailure = FailurePolicy::Compensate;
    int signalTimeoutMs = 0;  // a suspended step waits this long (0: as the plugin says, or forever)
    SignalTimeoutPolicy onSignalTimeout = SignalTimeoutPolicy::Failure;
    CommitPolicy commit = CommitPolicy::Batched;
    // The step runs only when this holds on the order document (engine/ConditionEvaluator);
    // null means always. Shared and const: every order on the chain reads the same tree.
    std::shared_ptr<const Condition> when;
    SourceLocation location;        // the step's mapping
    SourceLocation configLocation;  // the "config" value (the step's location when absent)
};

// The trigger values a chain may declare.
inline constexpr const char* kChainTriggers[] = {"place_order", "cancel_order", "return_order", "service_order",
                                                 "custom_order"};

struct ChainDefinition {
    std::string name;     // [a-z0-9-]+, at most 64 characters
    int version = 0;      // >= 1; orders keep running on the version they started with
    std::string trigger;  // one of kChainTriggers
    std::string description;
    std::vector<StepDefinition> steps;  // at least one, in execution order
    SourceLocation location;            // the document's top-level mapping
    // "cancellable_until: <step name>": once that step completed, POST /cancel is refused (the
    // order is past the point of no return, e.g. shipped: it is returned instead). Empty: an
    // order may be cancelled whatever it passed. Names a step of this chain (checked at parse).
    std::string cancellableUntil;
};

struct ChainError {
    SourceLocation location;
    std::string message;
    // "chains/place-order.yaml:12:5: unknown field \"atempts\" ..."
    std::string toString() const;
};

}  // namespace orderhost::chains
