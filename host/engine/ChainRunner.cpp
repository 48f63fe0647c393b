#include "host/engine/ChainRunner.h"

#include "host/engine/ConditionEvaluator.h"
#include "host/engine/OrderEvents.h"
#include "host/engine/OrderState.h"
#include "host/engine/ReturnSettlement.h"
#include "host/engine/RunnerHelpers.h"
#include "host/logging/LogContext.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <regex>

namespace orderhost::engine {

using runner::kCallStillRunning;
using runner::outcomeName;
using runner::parseStored;
using runner::retryDelayMs;

namespace {

// Outcomes whose document changes and database writes are kept with the checkpoint.
bool keepsChanges(oh_outcome_kind kind) {
    return kind == OH_OUTCOME_CONTINUE || kind == OH_OUTCOME_REJECT || kind == OH_OUTCOME_SUSPEND;
}

services::ReportedOutcome retryable(std::string code, std::string message) {
    return services::ReportedOutcome{OH_OUTCOME_RETRY, std::move(code), std::move(message), 0, {}, 0};
}

}  // namespace

bool isValidSignalName(const std::string& name) {
    static const std::regex pattern("[a-z0-9][a-z0-9_.-]{0,63}");
    return std::regex_match(name, pattern);
}

ChainRunner::ChainRunner(Engine& engine) : engine_(engine) {}

std::string ChainRunner::idempotencyKey(const std::string& orderId, const std::string& stepName) {
    return orderId + "/" + stepName;
}

std::shared_ptr<const ReadyChain> ChainRunner::chainOf(const store::OrderRecord& order) const {
    auto chain = engine_.chains()->find(order.chain, order.chainVersion);
    if (chain == nullptr)
        throw std::runtime_error("order " + order.id + ": chain " + order.chain + " v" +
                                 std::to_string(order.chainVersion) + " is not loaded on this host");
    return chain;
}

store::OrderRecord ChainRunner::runClaimed(store::OrderRecord order) {
    // Callers claim first; an order read after another host re-claimed it is not ours to run.
    if (states::isRunning(order.state) && order.leaseOwner != engine_.hostId())
        throw store::StaleOrderError("order " + order.id + " is held by '" + order.leaseOwner +
                                     "', not by this host (" + engine_.hostId() + ")");
    // Taken over after calls that died with their host: held instead of run into a crash loop.
    if (states::isRunning(order.state) && holdAfterCrashes(order, *chainOf(order))) return order;
    // Parsed once per run, not per step: parsing costs more than calling a step (see
    // docs/performance.md). It is re-read from the committed text only after a discarded step.
    document::JsonDocument doc = parseStored(order);
    const logging::LogScope logFields({"", order.id, order.chain, "", "", ""});
    // Taken over after calls died with their host: one commit per step, so that a crash is
    // counted against the step that crashed (ChainRunnerCommit.cpp). With crash_limit 1 the
    // first crash holds the order, so it must already be counted against the right step.
    StepBatch batch;
    batch.off = engine_.stepsPerCommit() <= 1 || engine_.crashLimit() <= 1 || order.callsPending > 1;
    for (;;) {
        // Looked up per step: a cancel or return switches chains. Held until the step's
        // checkpoint, so a reload that drops this version meanwhile does not free it.
        const std::shared_ptr<const ReadyChain> held = chainOf(order);
        const ReadyChain& chain = *held;
        if (!states::isRunning(order.state)) break;
        keepBatchWithinLease(order, chain, batch);
        keepLease(order, chain);
        if (order.state == states::kCompensating) {
            commitBatch(order, batch);  // never open here: a step that starts an undo commits
            compensateNext(order, doc, chain);
        } else if (static_cast<std::size_t>(order.currentStep) < chain.steps.size()) {
            forwardAttempt(order, doc, chain, static_cast<std::uint32_t>(std::max(order.nextAttempt, 1)), batch);
        } else {
            break;  // cannot happen through the runner: the last step sets the final state
        }
    }
    commitBatch(order, batch);  // never open here either: a step that stops the order commits
    return order;
}

void ChainRunner::keepLease(store::OrderRecord& order, const ReadyChain& chain) {
    // Checkpoints renew the lease; this covers a claim made with a short one.
    const std::int64_t needed = engine_.now() + chain.maxStepTimeoutMs + engine_.leaseMs() / 2;
    if (order.leaseUntilMs >= needed) return;
    const std::int64_t until = engine_.leaseUntil(chain);
    if (!engine_.store().renewLease(order.id, engine_.hostId(), order.leaseEpoch, until))
        throw store::StaleOrderError("order " + order.id + ": host " + engine_.hostId() + " no longer holds its lease");
    order.leaseUntilMs = until;
}

services::ReportedOutcome ChainRunner::callPlugin(Attempt& attempt, const std::shared_ptr<StepInstance>& step,
                                                  bool compensate, document::JsonDocument& doc) {
    // Everything the call touches is owned by `call` or shared with it (the step), so a call
    // that outlives its timeout harms nothing the runner uses afterwards, nor a reload.
    struct Call {
        document::JsonDocument doc;
        std::shared_ptr<store::StepTransaction> transaction;
        services::ReportedOutcome outcome;
        std::atomic<bool> abandoned{false};  // set when the runner stops waiting (ABI 1.1)
    };
    if (compensate && engine_.lingeringCalls().stillRunning(attempt.run.orderId, attempt.run.stepName)) {
        attempt.run.startedAtMs = attempt.run.finishedAtMs = engine_.now();
        services::ReportedOutcome waiting =
            retryable(kCallStillRunning,
                      "the step's earlier call, abandoned at its timeout_ms, has not returned: it "
                      "may still act, so its undo waits for it (checked again every second)");
        waiting.retryAfterMs = 1000;
        return waiting;
    }
    auto call = std::make_shared<Call>();
    call->doc = std::move(doc);
    auto returned = std::make_shared<std::atomic<bool>>(false);
    call->transaction = attempt.transaction;
    StepCallInfo info{attempt.run.orderId, static_cast<std::uint32_t>(attempt.run.attempt),
                      idempotencyKey(attempt.run.orderId, attempt.run.stepName), call->transaction.get(),
                      engine_.datasources()};
    const auto timeout = std::chrono::milliseconds(step->definition().timeoutMs);
    attempt.run.startedAtMs = engine_.now();
    info.deadlineMs = timeout.count() > 0 ? attempt.run.startedAtMs + timeout.count() : 0;
    info.abandoned = &call->abandoned;  // `call` outlives the plugin call (the lambda owns it)
    const logging::LogFields fields = logging::fieldsForStep(attempt.run.stepName, attempt.run.pluginId);
    const auto began = std::chrono::steady_clock::now();  // the clock above counts whole ms
    const auto result = engine_.workers().runWithin(timeout, [call, step, info, compensate, fields, returned] {
        const logging::LogScope scope(fields);
        try {
            call->outcome = compensate ? step->compensate(call->doc, info) : step->run(call->doc, info);
        } catch (const std::exception& e) {
            call->outcome = services::ReportedOutcome{OH_OUTCOME_FAIL, "host_error", e.what(), 0, {}, 0};
        }
        returned->store(true, std::memory_order_release);
    });
    attempt.run.finishedAtMs = engine_.now();
    engine_.stepMetrics().observeCall(attempt.run.pluginId, attempt.run.stepKind,
                                      std::chrono::steady_clock::now() - began);
    if (result == StepWorkers::Result::Done) {
        doc = std::move(call->doc);
        attempt.events = std::move(call->outcome.events);
        return call->outcome;
    }
    call->abandoned.store(true, std::memory_order_release);  // its later service calls are refused
    if (result == StepWorkers::Result::TimedOut)
        engine_.lingeringCalls().add(attempt.run.orderId, attempt.run.stepName, std::move(returned));
    attempt.documentLost = true;
    // A call still running keeps the transaction; it is rolled back now, so its locks (SQLite's
    // write lock, an open batch's row locks) go at the deadline, not when the plugin returns.
    if (attempt.transaction && (result == StepWorkers::Result::TimedOut || result == StepWorkers::Result::Stopped))
        attempt.transaction->abandon();
    // A statement that failed without a savepoint may be why the call overran (a plugin retrying
    // a refused statement): the step then runs again with savepoints, uncounted.
    attempt.elidedFailure = attempt.transaction && attempt.transaction->elidedStatementFailed();
    attempt.transaction.reset();
    // No checkpoint: the order resumes later (run() uncounts a call that was not started).
    const bool notStarted = result == StepWorkers::Result::NotStarted;
    if (notStarted || result == StepWorkers::Result::Stopped)
        throw HostStoppingError(
            "order " + attempt.run.orderId + ": the host is stopping; step " + attempt.run.stepName +
                (notStarted ? " was not started" : " was left running past engine.shutdown_grace_ms"),
            notStarted);
    if (result == StepWorkers::Result::Busy)
        return retryable("no_step_worker", "every step worker is busy (plugins that do not return?)");
    return retryable("timeout", "no answer within timeout_ms = " + std::to_string(step->definition().timeoutMs));
}

void ChainRunner::forwardAttempt(store::OrderRecord& order, document::JsonDocument& doc, const ReadyChain& chain,
                                 std::uint32_t attemptNumber, StepBatch& batch) {
    const auto index = static_cast<std::size_t>(order.currentStep);
    const std::shared_ptr<StepInstance>& step = chain.steps[index];
    const chains::StepDefinition& definition = step->definition();
    if (definition.when && !conditionHolds(*definition.when, doc)) return skip(order, doc, chain, index, batch);
    // In an open batch the step writes into the batch's transaction, after the steps before it.
    Attempt attempt{newRun(order, chain, index, attemptNumber), batch.open() ? batch.transaction : newTransaction()};
    // A step without external effects may run again at no cost: its statements go without the
    // host's savepoint until one fails (StepTransaction::elideSavepoints).
    attempt.transaction->elideSavepoints(!step->reachesOutside() && static_cast<int>(index) > batch.savepointsThrough);
    services::ReportedOutcome outcome;
    try {
        outcome = callPlugin(attempt, step, false, doc);
    } catch (const HostStoppingError& stopping) {
        // Refused at a stop before it began: the steps before it all returned, so they stay.
        if (stopping.notStarted) commitBatchQuietly(order, batch);
        throw;
    }

    if (outcome.kind == OH_OUTCOME_SUSPEND && !outcome.signal.empty() && !isValidSignalName(outcome.signal)) {
        // Nobody could ever deliver it through the API: the order would wait forever.
        outcome = {OH_OUTCOME_FAIL,
                   "invalid_signal",
                   "suspended on an invalid signal name '" + outcome.signal + "'",
                   0,
                   {},
                   0};
    }
    if (attempt.elidedFailure || (attempt.transaction && attempt.transaction->elidedStatementFailed())) {
        // Not an attempt: the step runs again, now with a savepoint around each statement, so
        // that the failure undoes only itself as the plugin was promised. What it wrote is gone
        // with the transaction, and it promised no effect outside it.
        batch.savepointsThrough = std::max(batch.savepointsThrough, static_cast<int>(index));
        if (batch.open()) return discardBatch(order, doc, batch, index, "had a statement fail without a savepoint");
        spdlog::debug("order {}: step {} had a statement fail without a savepoint; it runs again with savepoints",
                      order.id, index);
        if (attempt.transaction) attempt.transaction->rollback();
        doc = parseStored(order);
        return;
    }
    if (attempt.transaction && attempt.transaction->doomed()) {
        // A statement took the step's transaction with it (SQLite's whole-transaction rollback,
        // psqlODBC's at Protocol=7.4-1): whatever the plugin answered, nothing of it can commit,
        // and the statements it was refused since may be why it failed. Another attempt.
        outcome = {OH_OUTCOME_RETRY,
                   "step_transaction_lost",
                   "a statement of the step failed and the database rolled the step's transaction back with it; "
                   "nothing of the attempt is kept (the plugin answered " +
                       std::string(outcomeName(outcome.kind)) +
                       (outcome.message.empty() ? "" : ": " + outcome.message) + ")",
                   0,
                   {},
                   0};
    }
    const bool retryLeft = static_cast<int>(attemptNumber) < definition.attempts;
    attempt.run.outcome = outcome.code == "timeout" ? "timeout" : outcomeName(outcome.kind);
    const bool gaveUpUnknown = outcome.kind == OH_OUTCOME_RETRY && !retryLeft;
    if (gaveUpUnknown) {  // the run says retry; the order fails
        outcome.kind = OH_OUTCOME_FAIL;
        outcome.message = "gave up after " + std::to_string(attemptNumber) + " attempt(s): " + outcome.message;
        // What happened to the host's call (a timeout, an isolated worker that died) stays the
        // code: it says more than that attempts ran out.
        if (outcome.code != "timeout" && outcome.code.rfind("plugin_worker_", 0) != 0)
            outcome.code = "retries_exhausted";
    }
    attempt.run.code = outcome.code;
    attempt.run.message = outcome.message;
    if (batch.open() && !keepsChanges(outcome.kind))  // recorded after the batch's steps commit alone
        return discardBatch(order, doc, batch, index);

    // Changes that are not kept go now, before a failure policy reads the step history: the
    // step's session (and on SQLite the write lock) is not held while another one is used.
    if (!keepsChanges(outcome.kind) && attempt.transaction) attempt.transaction->rollback();
    store::OrderRecord updated = order;
    updated.nextAttempt = 1;
    updated.wakeAtMs = 0;
    updated.awaitingSignal.clear();
    switch (outcome.kind) {
        case OH_OUTCOME_CONTINUE:
            advance(updated, chain);
            break;
        case OH_OUTCOME_REJECT:
            // The undo's start reads the step runs in this transaction: the batch's must be there.
            if (attempt.transaction) attempt.transaction->writeDeferredRows();
            beginCompensation(updated, chain, index, states::kRejected, doc, attempt.transaction.get(), false);
            break;
        case OH_OUTCOME_SUSPEND:
            suspend(updated, definition, outcome, attempt.run.finishedAtMs);
            break;
        case OH_OUTCOME_RETRY:
            scheduleRetry(updated, definition, attemptNumber, outcome, attempt.run.finishedAtMs);
            break;
        default:
            applyFailure(updated, chain, index, doc, gaveUpUnknown);
            break;
    }
    commitAttempt(order, updated, attempt, keepsChanges(outcome.kind), doc, &batch,
                  outcome.kind == OH_OUTCOME_CONTINUE && !step->reachesOutside() &&
                      definition.commit == chains::CommitPolicy::Batched);
}

void ChainRunner::skip(store::OrderRecord& order, document::JsonDocument& doc, const ReadyChain& chain,
                       std::size_t index, StepBatch& batch) {
    Attempt skipped{newRun(order, chain, index, 1), batch.transaction};  // an open batch's, or none
    skipped.run.outcome = "skipped";
    skipped.run.message = skipReason(*chain.steps[index]->definition().when);
    skipped.run.startedAtMs = skipped.run.finishedAtMs = engine_.now();
    store::OrderRecord updated = order;
    advance(updated, chain);
    commitAttempt(order, updated, skipped, true, doc, &batch, true);  // nothing changed; no re-read
}

void ChainRunner::suspend(store::OrderRecord& updated, const chains::StepDefinition& definition,
                          const services::ReportedOutcome& outcome, std::int64_t nowMs) {
    updated.state = states::kOnHold;
    updated.awaitingSignal = outcome.signal.empty() ? std::string(kDefaultSignal) : outcome.signal;
    const std::int64_t wait =
        definition.signalTimeoutMs > 0 ? definition.signalTimeoutMs : static_cast<std::int64_t>(outcome.timeoutMs);
    updated.wakeAtMs = wait > 0 ? nowMs + wait : 0;  // 0: wait for the signal only
}

void ChainRunner::scheduleRetry(store::OrderRecord& updated, const chains::StepDefinition& definition,
                                std::uint32_t attemptNumber, const services::ReportedOutcome& outcome,
                                std::int64_t nowMs) {
    const std::int64_t delay = retryDelayMs(definition, attemptNumber, outcome.retryAfterMs);
    updated.nextAttempt = static_cast<int>(attemptNumber) + 1;
    if (delay > 0) {  // wait durably instead of sleeping on this thread
        updated.state = states::kRetryWait;
        updated.wakeAtMs = nowMs + delay;
    }
}

void ChainRunner::advance(store::OrderRecord& updated, const ReadyChain& chain) {
    updated.currentStep += 1;
    updated.nextAttempt = 1;
    updated.state = static_cast<std::size_t>(updated.currentStep) >= chain.steps.size() ? chain.successState()
                                                                                        : states::kInProgress;
}

store::StepRunRecord ChainRunner::newRun(const store::OrderRecord& order, const ReadyChain& chain, std::size_t index,
                                         std::uint32_t attemptNumber) const {
    store::StepRunRecord run;
    run.orderId = order.id;
    run.chain = chain.definition.name;
    run.stepIndex = static_cast<int>(index);
    if (index < chain.steps.size()) {
        const StepInstance& step = *chain.steps[index];
        run.stepName = step.definition().name;
        run.pluginId = step.pluginId();
        run.stepKind = step.definition().stepKind;
    }
    run.attempt = static_cast<int>(attemptNumber);
    return run;
}

std::shared_ptr<store::StepTransaction> ChainRunner::newTransaction() const {
    return std::make_shared<store::StepTransaction>(engine_.store().database());
}

}  // namespace orderhost::engine
