// ChainRunner: what a failed step leads to and how its predecessors are undone (compensation,
// then a cancellation's own chain). The forward path is in ChainRunner.cpp.
#include "host/engine/ChainRunner.h"

#include "host/engine/OrderState.h"
#include "host/engine/RunnerHelpers.h"

#include <algorithm>

namespace orderhost::engine {

using runner::compensationStart;
using runner::kCallStillRunning;
using runner::outcomeName;
using runner::previousCompensable;

void ChainRunner::applyFailure(store::OrderRecord& updated, const ReadyChain& chain, std::size_t index,
                               const document::JsonDocument& doc, std::optional<bool> unknown) {
    switch (chain.steps[index]->definition().onFailure) {
        case chains::FailurePolicy::Fail:
            updated.state = states::kFailed;
            break;
        case chains::FailurePolicy::Compensate:
            beginCompensation(updated, chain, index, states::kFailed, doc, nullptr, unknown);
            break;
        case chains::FailurePolicy::Hold:
            updated.state = states::kOnHold;
            updated.awaitingSignal = chains::kManualActionSignal;
            break;
        case chains::FailurePolicy::Continue:
            advance(updated, chain);
            break;
    }
}

void ChainRunner::beginCompensation(store::OrderRecord& updated, const ReadyChain& chain, std::size_t fromIndex,
                                    const std::string& finalState, const document::JsonDocument& doc,
                                    store::StepTransaction* open, std::optional<bool> unknown) {
    updated.compensateTo = finalState;
    updated.currentStep = compensationStart(engine_.store(), updated.id, chain, static_cast<int>(fromIndex),
                                            open != nullptr && open->isOpen() ? &open->session() : nullptr, unknown);
    updated.nextAttempt = 1;
    updated.awaitingSignal.clear();
    const auto below = std::min(static_cast<std::size_t>(updated.currentStep), chain.steps.size());
    const bool anyUndoable = std::any_of(chain.steps.begin(), chain.steps.begin() + static_cast<long>(below),
                                         [](const auto& step) { return step->canCompensate(); });
    if (anyUndoable) {
        updated.state = states::kCompensating;
    } else {
        finishCompensation(updated, doc);  // nothing to undo: no round trip through compensating
    }
}

void ChainRunner::finishCompensation(store::OrderRecord& updated, const document::JsonDocument& doc) {
    const std::string target = updated.compensateTo;
    updated.compensateTo.clear();
    updated.state = target;
    if (target != states::kCancelled) return;
    // A cancellation then runs the cancel chain chosen when it was requested (OrderCommands).
    std::string cancelChain;
    std::int64_t version = 0;
    if (doc.getString("/cancellation/chain", cancelChain) != document::Status::Ok ||
        doc.getInt("/cancellation/chain_version", version) != document::Status::Ok)
        return;
    if (engine_.chains()->find(cancelChain, static_cast<int>(version)) == nullptr) return;
    updated.chain = cancelChain;
    updated.chainVersion = static_cast<int>(version);
    updated.currentStep = 0;
    updated.nextAttempt = 1;
    updated.state = states::kInProgress;
}

void ChainRunner::compensateNext(store::OrderRecord& order, document::JsonDocument& doc, const ReadyChain& chain) {
    const std::vector<int> completed = runner::stepsToUndo(engine_.store(), order.id, chain);
    const int index = previousCompensable(order.currentStep, completed, chain);
    store::OrderRecord updated = order;
    updated.wakeAtMs = 0;
    if (index < 0) {  // resumed after the last undo was committed, or a skip
        Attempt done{newRun(order, chain, static_cast<std::size_t>(std::max(order.currentStep, 0)), 1), nullptr};
        done.run.pluginId = "orderhost";
        done.run.stepKind = "compensation";
        done.run.outcome = "compensated";
        done.run.message = "nothing left to undo";
        done.run.startedAtMs = done.run.finishedAtMs = engine_.now();
        finishCompensation(updated, doc);
        return commitAttempt(order, updated, done, true, doc);
    }
    const std::shared_ptr<StepInstance>& step = chain.steps[static_cast<std::size_t>(index)];
    const auto attemptNumber = static_cast<std::uint32_t>(std::max(order.nextAttempt, 1));
    Attempt attempt{newRun(order, chain, static_cast<std::size_t>(index), attemptNumber), newTransaction()};
    attempt.run.stepKind = step->definition().stepKind + ".compensate";
    services::ReportedOutcome outcome = callPlugin(attempt, step, true, doc);
    if (outcome.kind == OH_OUTCOME_REJECT || outcome.kind == OH_OUTCOME_SUSPEND) {
        outcome = {
            OH_OUTCOME_FAIL,
            "invalid_compensation",
            std::string("compensate() may only continue, retry or fail; it reported ") + outcomeName(outcome.kind),
            0,
            {},
            0};
    }
    const bool retryLeft = static_cast<int>(attemptNumber) < step->definition().attempts;
    attempt.run.code = outcome.code;
    attempt.run.message = outcome.message;
    updated.nextAttempt = 1;
    if (outcome.kind == OH_OUTCOME_CONTINUE) {
        attempt.run.outcome = "compensated";
        updated.currentStep = index;
        if (previousCompensable(index, completed, chain) < 0) finishCompensation(updated, doc);
    } else if (outcome.kind == OH_OUTCOME_RETRY && (retryLeft || outcome.code == kCallStillRunning)) {
        attempt.run.outcome = "undo_retry";
        scheduleRetry(updated, step->definition(), attemptNumber, outcome, attempt.run.finishedAtMs);
        if (outcome.code == kCallStillRunning) {
            // Waiting for the abandoned call is no attempt of the undo (it has not run); it is
            // checked again each second, and only this host knows the call: it keeps the lease.
            updated.nextAttempt = static_cast<int>(attemptNumber);
            updated.state = states::kRetryWait;
            updated.wakeAtMs = attempt.run.finishedAtMs + 1000;
            keepLeaseUntilMs_ = updated.wakeAtMs + engine_.leaseMs();
        }
    } else {
        // An undo that cannot be done needs a person: hold, keeping the compensation's place.
        attempt.run.outcome = "undo_failed";
        updated.state = states::kOnHold;
        updated.awaitingSignal = chains::kManualActionSignal;
    }
    commitAttempt(order, updated, attempt, outcome.kind == OH_OUTCOME_CONTINUE, doc);
}

}  // namespace orderhost::engine
