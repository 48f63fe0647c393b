#include "host/engine/ChainRunner.h"

#include "host/engine/OrderState.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>
#include <regex>

namespace orderhost::engine {
namespace {

const char* outcomeName(oh_outcome_kind kind) {
    switch (kind) {
        case OH_OUTCOME_CONTINUE: return "continue";
        case OH_OUTCOME_REJECT: return "reject";
        case OH_OUTCOME_RETRY: return "retry";
        case OH_OUTCOME_SUSPEND: return "suspend";
        default: return "fail";
    }
}

// Where the order goes after `outcome` on step `index` of a chain of `stepCount` steps.
std::string nextState(const services::ReportedOutcome& outcome, bool retryLeft, std::size_t index,
                      std::size_t stepCount, const std::string& current) {
    switch (outcome.kind) {
        case OH_OUTCOME_CONTINUE: return index + 1 == stepCount ? states::kCompleted : states::kInProgress;
        case OH_OUTCOME_REJECT: return states::kRejected;
        case OH_OUTCOME_SUSPEND: return states::kOnHold;
        case OH_OUTCOME_RETRY: return retryLeft ? current : states::kFailed;
        default: return states::kFailed;
    }
}

bool keepsDocumentChanges(oh_outcome_kind kind) {
    return kind == OH_OUTCOME_CONTINUE || kind == OH_OUTCOME_REJECT || kind == OH_OUTCOME_SUSPEND;
}

// Exponential backoff with jitter: backoff_ms, then doubling, capped at max_backoff_ms, each
// delay drawn from [50%, 100%] so that orders failing together do not retry together. A
// plugin's retry_after_ms hint is a lower bound (a gateway said when to come back).
std::int64_t retryDelayMs(const chains::StepDefinition& step, std::uint32_t attempt, std::uint64_t hintMs) {
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

std::string awaitedSignal(const services::ReportedOutcome& outcome) {
    return outcome.signal.empty() ? std::string(kDefaultSignal) : outcome.signal;
}

bool isStopped(const std::string& state) {
    return state != states::kReceived && state != states::kInProgress;
}

}  // namespace

bool isValidSignalName(const std::string& name) {
    static const std::regex pattern("[a-z0-9][a-z0-9_.-]{0,63}");
    return std::regex_match(name, pattern);
}

ChainRunner::ChainRunner(store::OrderStore& store, services::Clock clock)
    : store_(store), clock_(std::move(clock)) {}

std::string ChainRunner::idempotencyKey(const std::string& orderId, const std::string& stepName) {
    return orderId + "/" + stepName;
}

namespace {

document::JsonDocument parseStored(const store::OrderRecord& order) {
    auto parsed = document::JsonDocument::parse(order.document);
    if (!parsed.ok()) {
        throw std::runtime_error("order " + order.id + ": stored document unreadable: " + parsed.error->toString());
    }
    return std::move(*parsed.document);
}

}  // namespace

store::OrderRecord ChainRunner::run(store::OrderRecord order, const ReadyChain& chain) {
    // Parsed once per run, not per step: parsing costs more than calling a step (see
    // docs/performance.md). It is re-read from the committed text only after a discarded step.
    document::JsonDocument doc = parseStored(order);
    const std::size_t stepCount = chain.steps.size();
    while (!isStopped(order.state) && static_cast<std::size_t>(order.currentStep) < stepCount) {
        // After a retry timer the step goes on with the attempt it was waiting to make.
        auto attempt = static_cast<std::uint32_t>(std::max(order.nextAttempt, 1));
        while (runAttempt(order, doc, chain, attempt)) ++attempt;
    }
    return order;
}

bool ChainRunner::runAttempt(store::OrderRecord& order, document::JsonDocument& doc, const ReadyChain& chain,
                             std::uint32_t attempt) {
    const std::size_t index = static_cast<std::size_t>(order.currentStep);
    StepInstance& step = *chain.steps[index];

    store::StepRunRecord run;
    run.orderId = order.id;
    run.stepName = step.definition().name;
    run.pluginId = step.pluginId();
    run.stepKind = step.definition().stepKind;
    run.attempt = static_cast<int>(attempt);
    run.startedAtMs = clock_();
    services::ReportedOutcome outcome =
        step.run(doc, StepCallInfo{order.id, attempt, idempotencyKey(order.id, run.stepName)});
    run.finishedAtMs = clock_();

    if (outcome.kind == OH_OUTCOME_SUSPEND && !outcome.signal.empty() && !isValidSignalName(outcome.signal)) {
        // Nobody could ever deliver it through the API: the order would wait forever.
        outcome.kind = OH_OUTCOME_FAIL;
        outcome.message = "suspended on an invalid signal name '" + outcome.signal + "'";
        outcome.code = "invalid_signal";
    }
    const bool retryLeft = static_cast<int>(attempt) < step.definition().attempts;
    if (outcome.kind == OH_OUTCOME_RETRY && !retryLeft) {
        outcome.code = "retries_exhausted";
        outcome.message = "gave up after " + std::to_string(attempt) + " attempt(s): " + outcome.message;
    }
    run.outcome = outcomeName(outcome.kind);
    run.code = outcome.code;
    run.message = outcome.message;

    store::OrderRecord updated = order;
    updated.state = nextState(outcome, retryLeft, index, chain.steps.size(), order.state);
    updated.nextAttempt = 1;
    updated.wakeAtMs = 0;
    if (outcome.kind == OH_OUTCOME_RETRY && retryLeft) {
        const std::int64_t delay = retryDelayMs(step.definition(), attempt, outcome.retryAfterMs);
        updated.nextAttempt = static_cast<int>(attempt) + 1;
        if (delay > 0) {  // wait durably instead of sleeping on this thread
            updated.state = states::kRetryWait;
            updated.wakeAtMs = run.finishedAtMs + delay;
        }
    }
    if (updated.state != order.state) states::requireTransition(order.state, updated.state);
    const bool keep = keepsDocumentChanges(outcome.kind);
    if (keep) updated.document = doc.toJson();
    if (outcome.kind == OH_OUTCOME_CONTINUE) updated.currentStep = order.currentStep + 1;
    // A suspended order waits at the same step for this one signal (OrderSignals resumes it).
    updated.awaitingSignal = outcome.kind == OH_OUTCOME_SUSPEND ? awaitedSignal(outcome) : std::string();
    updated.updatedAtMs = run.finishedAtMs;
    store_.recordStep(updated, order.state, run);
    order = std::move(updated);
    if (!keep) doc = parseStored(order);  // the next attempt starts from the committed document
    spdlog::debug("order {} step {} attempt {}: {} -> {}", order.id, run.stepName, attempt, run.outcome,
                  order.state);
    return outcome.kind == OH_OUTCOME_RETRY && retryLeft && order.state != states::kRetryWait;
}

}  // namespace orderhost::engine
