// ChainRunner: what moves a held order on (a signal that did not come in time, an
// administrator's manual action). The rest of the runner is in ChainRunner.cpp.
#include "host/engine/ChainRunner.h"

#include "host/engine/OrderState.h"
#include "host/engine/RunnerHelpers.h"

#include "host/document/JsonDocument.h"

#include <algorithm>

namespace orderhost::engine {

using runner::parseStored;
using runner::previousCompensable;

store::StepRunRecord ChainRunner::hostRun(const store::OrderRecord& order, const ReadyChain& chain, const char* kind,
                                          const std::string& outcome, const std::string& code,
                                          const std::string& message) const {
    store::StepRunRecord run = newRun(order, chain, static_cast<std::size_t>(std::max(order.currentStep, 0)), 1);
    run.pluginId = "orderhost";
    run.stepKind = kind;
    run.outcome = outcome;
    run.code = code;
    run.message = message;
    run.startedAtMs = run.finishedAtMs = engine_.now();
    return run;
}

store::OrderRecord ChainRunner::signalTimedOut(store::OrderRecord order) {
    const std::shared_ptr<const ReadyChain> held = chainOf(order);
    const ReadyChain& chain = *held;
    const auto index = static_cast<std::size_t>(order.currentStep);
    if (order.state != states::kOnHold || index >= chain.steps.size())
        throw std::logic_error("order " + order.id + " is not held at a step");
    const chains::StepDefinition& definition = chain.steps[index]->definition();
    document::JsonDocument doc = parseStored(order);
    store::OrderRecord updated = order;
    updated.wakeAtMs = 0;
    updated.nextAttempt = 1;
    const std::string signal = updated.awaitingSignal;
    updated.awaitingSignal.clear();
    store::StepRunRecord record = hostRun(order, chain, "signal_timeout", "signal_timeout", "signal_timeout",
                                          "signal '" + signal + "' did not arrive in time");
    switch (definition.onSignalTimeout) {
        case chains::SignalTimeoutPolicy::Rerun:
            // The step decides: it finds {"timed_out": true} where the payload would be.
            doc.set("/signals/" + signal, "{\"timed_out\":true}");
            updated.document = doc.toJson();
            updated.state = states::kInProgress;
            break;
        case chains::SignalTimeoutPolicy::Continue:
            advance(updated, chain);
            break;
        case chains::SignalTimeoutPolicy::Failure:
            applyFailure(updated, chain, index, doc);
            break;
    }
    checkpoint(order, std::move(updated), std::move(record), nullptr);
    return run(std::move(order));
}

store::OrderRecord ChainRunner::applyManualAction(store::OrderRecord order, ManualAction action,
                                                  const std::string& note, const std::optional<std::string>& data) {
    const std::shared_ptr<const ReadyChain> held = chainOf(order);
    const ReadyChain& chain = *held;
    if (order.state != states::kOnHold || order.awaitingSignal != chains::kManualActionSignal)
        throw std::logic_error("order " + order.id + " is not held for manual action");
    document::JsonDocument doc = parseStored(order);
    store::OrderRecord updated = order;
    const std::string at = std::string("/signals/") + chains::kManualActionSignal;
    if (!data)
        doc.remove(at);  // an older action's data must not reach this run (NotFound: there was none)
    else if (doc.set(at, *data) != document::Status::Ok)  // OrderSignals tried it before claiming the order
        throw std::logic_error("the manual action's data does not fit in order " + order.id + "'s document");
    updated.document = doc.toJson();
    updated.awaitingSignal.clear();
    updated.wakeAtMs = 0;
    updated.nextAttempt = 1;
    const bool undoing = !order.compensateTo.empty();
    // While undoing, the step in question is the one whose undo failed, below current_step.
    const int undoIndex =
        undoing ? previousCompensable(order.currentStep, runner::stepsToUndo(engine_.store(), order.id, chain), chain)
                : -1;
    static const char* const names[] = {"retry", "skip", "compensate", "fail", "resume"};
    store::OrderRecord named = order;
    if (undoIndex >= 0) named.currentStep = undoIndex;
    store::StepRunRecord record =
        hostRun(named, chain, "manual_action", "manual_action", names[static_cast<int>(action)], note);
    switch (action) {
        case ManualAction::Retry:
            updated.state = undoing ? states::kCompensating : states::kInProgress;
            break;
        case ManualAction::Skip:
            if (undoing) {  // leave the step that could not be undone as it is
                updated.currentStep = std::max(undoIndex, 0);
                updated.state = states::kCompensating;
            } else {
                advance(updated, chain);
            }
            break;
        case ManualAction::Compensate:
            if (undoing)
                updated.state = states::kCompensating;
            else
                beginCompensation(updated, chain, static_cast<std::size_t>(order.currentStep), states::kFailed, doc);
            break;
        case ManualAction::Fail:
            updated.compensateTo.clear();
            updated.state = states::kFailed;
            break;
        case ManualAction::Resume: {
            if (const std::string problem = resumeProblem(order); !problem.empty()) throw std::logic_error(problem);
            // The cancel came too late: the step whose undo failed runs again under its key
            // (it finds its effect: the booking, now picked up) and the chain goes on from it.
            doc.set("/cancellation/abandoned_at", std::to_string(engine_.now()));  // cosmetic: the event says it too
            updated.document = doc.toJson();
            updated.compensateTo.clear();
            updated.currentStep = std::max(undoIndex, 0);
            updated.state = states::kInProgress;
            break;
        }
    }
    checkpoint(order, std::move(updated), std::move(record), nullptr);
    return run(std::move(order));
}

std::string ChainRunner::resumeProblem(const store::OrderRecord& order) {
    const std::string held = "order " + order.id + " is held ";
    const std::string others = " (retry, skip or fail apply)";
    if (order.compensateTo != states::kCancelled)
        return held +
               (order.compensateTo.empty() ? "after a step failed"
                                           : "while it is undone to end " + order.compensateTo) +
               ": resume only abandons a cancel whose undo failed (retry, skip, compensate or fail apply)";
    // Where the cancel found the order (OrderCommands::cancelOnce records it): resume returns it
    // there, so it must have been waiting at a step on its way forward (not completed, failed or
    // being undone already), and the held undo must be that very step's: then nothing above it
    // was undone and no finished chain restarts.
    const auto parsed = document::JsonDocument::parse(order.document);
    std::string beforeState, beforeUndo;
    std::int64_t beforeStep = -1;
    if (!parsed.ok() || parsed.document->getString("/cancellation/before/state", beforeState) != document::Status::Ok ||
        parsed.document->getInt("/cancellation/before/current_step", beforeStep) != document::Status::Ok)
        return held + "by a cancel that did not record where the order stood: resume cannot tell where to go on" +
               others;
    parsed.document->getString("/cancellation/before/compensate_to", beforeUndo);
    if (!beforeUndo.empty() || (beforeState != states::kOnHold && beforeState != states::kRetryWait))
        return held + "by a cancel of an order that was " +
               (beforeUndo.empty() ? beforeState : "being undone to end " + beforeUndo) +
               ": resume only returns an order the cancel stopped while it waited at a step" + others;
    const std::vector<store::StepRunRecord> runs = engine_.store().stepRuns(order.id);
    const std::shared_ptr<const ReadyChain> chain = chainOf(order);
    const bool undoOfThatStep = !runs.empty() && runs.back().outcome == "undo_failed" &&
                                runs.back().chain == order.chain && runs.back().stepIndex == beforeStep &&
                                static_cast<std::size_t>(beforeStep) < chain->steps.size();
    if (!undoOfThatStep) return held + "but not because the undo of the step the cancel found it at failed" + others;
    // A FAIL is an undo that knows it did nothing; an undo that gave up on its last attempt may
    // have retried a lost answer, and its effect may be gone (a void that went through).
    const chains::StepDefinition& step = chain->steps[static_cast<std::size_t>(beforeStep)]->definition();
    if (runs.back().attempt >= step.attempts)
        return held + "after the undo of step '" + step.name + "' ended on its last attempt (" +
               std::to_string(runs.back().attempt) + " of " + std::to_string(step.attempts) +
               "): it may have given up not knowing what it did, so its effect may be gone" + others;
    return {};
}

}  // namespace orderhost::engine
