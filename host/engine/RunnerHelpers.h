// Helpers ChainRunner's source files share (internal to the engine).
#pragma once

#include "host/engine/ReadyChain.h"
#include "host/store/OrderStore.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace orderhost::engine::runner {

// compensate() not called: the step's abandoned call is still running (LingeringCalls.h).
inline constexpr char kCallStillRunning[] = "call_still_running";

inline document::JsonDocument parseStored(const store::OrderRecord& order) {
    auto parsed = document::JsonDocument::parse(order.document);
    if (!parsed.ok()) {
        throw std::runtime_error("order " + order.id + ": stored document unreadable: " + parsed.error->toString());
    }
    return std::move(*parsed.document);
}

// The largest step index below `below` whose effects are in place (OrderStore::stepsWithEffects)
// and can be undone; -1 when none.
inline int previousCompensable(int below, const std::vector<int>& withEffects, const ReadyChain& chain) {
    for (auto it = withEffects.rbegin(); it != withEffects.rend(); ++it) {
        if (*it < below && static_cast<std::size_t>(*it) < chain.steps.size() && chain.steps[*it]->canCompensate())
            return *it;
    }
    return -1;
}

// Whether step `index` of `chain` reaches outside and its latest run ended not knowing what it
// did (OrderStore::stepsLeftUnknown): its effect may exist although it never completed.
inline bool leftUnknown(const std::vector<int>& unknown, const ReadyChain& chain, int index) {
    return index >= 0 && static_cast<std::size_t>(index) < chain.steps.size() &&
           chain.steps[static_cast<std::size_t>(index)]->reachesOutside() &&
           std::find(unknown.begin(), unknown.end(), index) != unknown.end();
}

// What compensation undoes: the steps whose effects are in place (OrderStore::stepsWithEffects),
// and those that reach outside and whose latest run ended not knowing what it did (a RETRY,
// also the last one the host gave up after, or a timeout): a gateway may hold an authorization,
// a carrier a booking, that nothing else would release. Their compensate() finds the order as
// before that run and undoes by the step's idempotency key. Ascending.
inline std::vector<int> stepsToUndo(store::OrderStore& store, const std::string& orderId, const ReadyChain& chain) {
    std::vector<int> steps = store.stepsWithEffects(orderId, chain.definition.name);
    const std::vector<int> unknown = store.stepsLeftUnknown(orderId, chain.definition.name);
    for (const int index : unknown)
        if (leftUnknown(unknown, chain, index) && std::find(steps.begin(), steps.end(), index) == steps.end())
            steps.push_back(index);
    std::sort(steps.begin(), steps.end());
    return steps;
}

// Where an undo that starts at step `index` (the step the order waits, failed or was refused at)
// sets current_step: compensation undoes the steps below it. A step that suspended before (it
// booked a shipment, opened work orders, then waited for a signal) has effects although it
// never completed, so it is undone too: current_step one past it; so is one that reaches
// outside and whose last attempt did not learn what it did (stepsToUndo). Persisted with the
// compensating state, so a host killed during that undo runs it again after the restart.
// `latestUnknown`: set by a caller whose attempt of step `index` just ended (not recorded yet):
// whether it gave up not knowing what it did. Unset: the step's recorded runs tell.
inline int compensationStart(store::OrderStore& store, const std::string& orderId, const ReadyChain& chain, int index,
                             Poco::Data::Session* within = nullptr, std::optional<bool> latestUnknown = std::nullopt) {
    const std::string& name = chain.definition.name;
    if (store.suspendedInCurrentPass(orderId, name, index, within)) return index + 1;
    const std::vector<int> unknown = latestUnknown ? (*latestUnknown ? std::vector<int>{index} : std::vector<int>{})
                                                   : store.stepsLeftUnknown(orderId, name, within);
    return leftUnknown(unknown, chain, index) ? index + 1 : index;
}

// The step_runs.outcome of what a plugin answered.
inline const char* outcomeName(oh_outcome_kind kind) {
    switch (kind) {
        case OH_OUTCOME_CONTINUE:
            return "continue";
        case OH_OUTCOME_REJECT:
            return "reject";
        case OH_OUTCOME_RETRY:
            return "retry";
        case OH_OUTCOME_SUSPEND:
            return "suspend";
        default:
            return "fail";
    }
}

// Exponential backoff with jitter: backoff_ms, then doubling, capped at max_backoff_ms, each
// delay drawn from [50%, 100%] so that orders failing together do not retry together. A
// plugin's retry_after_ms hint is a lower bound (a gateway said when to come back).
inline std::int64_t retryDelayMs(const chains::StepDefinition& step, std::uint32_t attempt, std::uint64_t hintMs) {
    const std::int64_t cap = step.maxBackoffMs;
    std::int64_t delay = 0;
    if (step.backoffMs > 0) {
        delay = step.backoffMs;
        for (std::uint32_t i = 1; i < attempt && delay < cap; ++i) delay *= 2;
        delay = std::min(delay, cap);
        thread_local std::mt19937_64 random{std::random_device{}()};
        delay = std::uniform_int_distribution<std::int64_t>(delay / 2, delay)(random);
    }
    const auto hint = static_cast<std::int64_t>(std::min<std::uint64_t>(hintMs, static_cast<std::uint64_t>(cap)));
    return std::max(delay, hint);
}

}  // namespace orderhost::engine::runner
