// ChainRunner: how a step's result is committed. Each step's checkpoint is one transaction with
// the order, its step run, its outbox events and the plugin's own writes (OrderStore::recordStep)
// — except that steps whose plugins promise OH_STEP_NO_EXTERNAL_EFFECTS share one transaction
// with the steps after them (issue 12 item 2), up to engine.steps_per_commit of them:
//
// - a checkpoint stays open (written, not committed) only when the step continued, and both it
//   and the next step promise no external effect; a step that reaches outside (a gateway, a
//   carrier, mail) therefore starts only after everything before it is committed, and its own
//   checkpoint commits at once, so nothing that could be seen outside is ever repeated by it;
// - a crash, a lost lease or a store error before the commit loses the batch as a whole: the
//   order resumes from the last commit and runs those steps again, as it would any step a crash
//   interrupted — harmless because nothing outside the host's database saw them, and their
//   database writes were in the transaction that was lost;
// - a step in an open batch that does not continue (retry, fail, a timeout) discards the batch
//   and the order runs again from the last commit, each step up to that one committed alone,
//   so the failure is recorded and handled (retried, undone) against committed predecessors;
// - a reject or a suspend keeps its changes: it commits the batch with itself;
// - a step the chain marks `commit: at_once` that continued commits the batch with itself, so
//   the row locks it took (billing's number series) are not held across the steps after it (a
//   skipped one takes none and does not);
// - the lease as committed must cover the next step, or the batch commits first; and a batch
//   older than kBatchMaxAgeMs commits before its next step: on SQLite it holds the database's
//   write lock, on PostgreSQL its rows' locks, for as long as it is open;
// - a step that times out in a batch has its transaction rolled back at the deadline
//   (StepTransaction::abandon), not when the plugin returns;
// - an order taken over after calls died with their host runs one commit per step, so the crash
//   breaker (CrashBreaker.cpp) counts the crashing step and no other: the first crash may be
//   counted against the batch's first step, but that step's commit in the next run clears it
//   (with engine.crash_limit = 1 the first crash holds, so nothing is batched then);
// - the metrics count a step run when its checkpoint commits (PendingSample);
// - the batch's first checkpoint writes the order row (taking its lock on PostgreSQL and
//   checking the guard); the ones after it that leave the guard as it was (state, lease owner
//   and epoch) leave the row, which the batch's last checkpoint, or commitBatch, writes once,
//   as it then is, guarded by the same values — so a batch of N steps writes the order's
//   document twice instead of N times; every checkpoint's step run and events are written by
//   the commit, one multi-row INSERT per table (store/CheckpointRows.h). Nothing outside the
//   transaction can tell: the rows were not visible before the commit either. (A plugin that
//   reads the orders row through orderhost.db inside the batch sees it as of the first write,
//   and not the batch's step runs and events.)
#include "host/engine/ChainRunner.h"

#include "host/engine/ConditionEvaluator.h"
#include "host/engine/OrderEvents.h"
#include "host/engine/OrderState.h"
#include "host/engine/ReturnSettlement.h"
#include "host/engine/RunnerHelpers.h"
#include "host/plugins/PluginText.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace orderhost::engine {

using runner::parseStored;

namespace {

// How long a batch may stay open before its next step: the locks it holds (SQLite's write lock)
// keep every other writer waiting meanwhile.
constexpr std::int64_t kBatchMaxAgeMs = 200;

}  // namespace

void ChainRunner::commitAttempt(store::OrderRecord& order, store::OrderRecord& updated, Attempt& attempt, bool keep,
                                document::JsonDocument& doc, StepBatch* batch, bool batchable) {
    if (keep && !attempt.documentLost) updated.document = doc.toJson();
    if (!keep && attempt.transaction) attempt.transaction->rollback();  // before recordStep takes the lock
    const bool defer = batch != nullptr && batchable && keep && !attempt.documentLost &&
                       mayDefer(updated, *chainOf(order), *batch, doc);
    if (defer && !attempt.transaction) attempt.transaction = newTransaction();  // a skip: nothing ran
    const bool rewritten =
        checkpoint(order, std::move(updated), std::move(attempt.run), keep ? attempt.transaction.get() : nullptr,
                   keep ? std::move(attempt.events) : std::vector<services::EmittedEvent>{}, defer ? batch : nullptr);
    if (batch != nullptr) {
        if (defer) {
            if (batch->deferred == 0) batch->openedAtMs = engine_.now();
            batch->transaction = attempt.transaction;
            ++batch->deferred;
        } else {  // committed, with whatever the batch held
            batch->transaction.reset();
            batch->deferred = 0;
            batch->orderUnwritten = batch->rowWritten = false;
            batch->committedLeaseUntilMs = order.leaseUntilMs;
            recordSamples(*batch);
        }
    }
    if (!keep || attempt.documentLost || rewritten)
        doc = parseStored(order);  // the next attempt starts from the checkpoint
}

bool ChainRunner::mayDefer(const store::OrderRecord& updated, const ReadyChain& chain, const StepBatch& batch,
                           const document::JsonDocument& doc) const {
    if (batch.off || batch.deferred + 1 >= engine_.stepsPerCommit()) return false;
    if (batch.open() && engine_.now() - batch.openedAtMs >= kBatchMaxAgeMs) return false;
    if (updated.state != states::kInProgress || !updated.compensateTo.empty()) return false;
    const auto next = static_cast<std::size_t>(updated.currentStep);
    if (next >= chain.steps.size() || updated.currentStep <= batch.unbatchedThrough) return false;
    // A step whose `when:` is false on the document as it now is will be skipped: nothing runs.
    const StepInstance& step = *chain.steps[next];
    const auto& when = step.definition().when;
    return !step.reachesOutside() || (when && !conditionHolds(*when, doc));
}

void ChainRunner::commitBatch(store::OrderRecord& order, StepBatch& batch) {
    if (!batch.open()) return;
    const std::shared_ptr<store::StepTransaction> transaction = std::move(batch.transaction);
    batch.deferred = 0;
    const bool unwritten = std::exchange(batch.orderUnwritten, false);
    batch.rowWritten = false;
    try {
        if (unwritten) {  // the guard is the order as held: deferring left it as the row has it
            store::CheckpointExtras guard;
            guard.expectedLeaseOwner = order.leaseOwner;
            guard.expectedLeaseEpoch = order.leaseEpoch;
            guard.transaction = transaction.get();
            engine_.store().writeOrder(order, order.state, guard);
        }
        transaction->commit();  // throws StoreError: the order stays at its last commit
    } catch (...) {
        batch.samples.clear();
        throw;
    }
    batch.committedLeaseUntilMs = order.leaseUntilMs;
    recordSamples(batch);
}

void ChainRunner::commitBatchQuietly(store::OrderRecord& order, StepBatch& batch) noexcept {
    try {
        commitBatch(order, batch);
    } catch (const std::exception& e) {
        spdlog::warn("order {}: the steps committed together could not be committed ({}); they run again", order.id,
                     e.what());
    }
}

void ChainRunner::recordSamples(StepBatch& batch) {
    for (const PendingSample& s : batch.samples)
        engine_.stepMetrics().recordCheckpoint(
            {s.chain, s.pluginId, s.stepKind, s.outcome, s.attempt, s.fromState, s.toState, s.awaitingSignal});
    batch.samples.clear();
}

void ChainRunner::keepBatchWithinLease(store::OrderRecord& order, const ReadyChain& chain, StepBatch& batch) {
    if (!batch.open()) {  // nothing uncommitted: the order as held is the order as stored
        batch.committedLeaseUntilMs = order.leaseUntilMs;
        return;
    }
    // The lease other hosts see is the committed one: it must outlast the next step, as
    // keepLease makes sure for an order with nothing uncommitted.
    const std::int64_t needed = engine_.now() + chain.maxStepTimeoutMs + engine_.leaseMs() / 2;
    if (batch.committedLeaseUntilMs < needed || engine_.now() - batch.openedAtMs >= kBatchMaxAgeMs)
        commitBatch(order, batch);
}

void ChainRunner::discardBatch(store::OrderRecord& order, document::JsonDocument& doc, StepBatch& batch,
                               std::size_t index, const char* why) {
    spdlog::info("order {}: step {} {}; the {} step(s) before it, not committed yet, run again, each committed alone",
                 order.id, index, why, batch.deferred);
    // A call that timed out has already rolled it back (StepTransaction::abandon): then a no-op.
    batch.transaction->rollback();
    batch.transaction.reset();
    batch.deferred = 0;
    batch.orderUnwritten = batch.rowWritten = false;
    batch.samples.clear();  // none of them committed
    batch.unbatchedThrough = std::max(batch.unbatchedThrough, static_cast<int>(index));
    const std::optional<store::OrderRecord> stored = engine_.store().findById(order.id);
    if (!stored || stored->leaseOwner != engine_.hostId() || stored->leaseEpoch != order.leaseEpoch ||
        !states::isRunning(stored->state))
        throw store::StaleOrderError("order " + order.id + ": host " + engine_.hostId() +
                                     " no longer holds its lease (a batch of steps was discarded)");
    order = *stored;
    doc = parseStored(order);
    batch.committedLeaseUntilMs = order.leaseUntilMs;
}

bool ChainRunner::checkpoint(store::OrderRecord& order, store::OrderRecord updated, store::StepRunRecord run,
                             store::StepTransaction* transaction, std::vector<services::EmittedEvent> pluginEvents,
                             StepBatch* keepOpenIn) {
    // A return ends as a return: a refused or failed one puts the order back (ReturnSettlement.h).
    const std::string settled = returns::settle(*chainOf(order), updated, run);
    if (updated.state != order.state) states::requireTransition(order.state, updated.state);
    if (states::isRunning(updated.state)) {
        updated.leaseOwner = engine_.hostId();
        updated.leaseUntilMs = engine_.leaseUntil(*chainOf(updated));
        updated.callsPending = 1;        // the next call starts right after this commit
    } else if (keepLeaseUntilMs_ > 0) {  // waits for this host's abandoned call (LingeringCalls.h)
        updated.leaseOwner = engine_.hostId();
        updated.leaseUntilMs = std::exchange(keepLeaseUntilMs_, 0);
        updated.callsPending = 0;
    } else {  // stopped: nobody runs it until a signal, a timer or a request claims it
        updated.leaseOwner.clear();
        updated.leaseUntilMs = 0;
        updated.callsPending = 0;
    }
    updated.updatedAtMs = run.finishedAtMs;
    store::CheckpointExtras extras;
    extras.expectedLeaseOwner = order.leaseOwner;
    extras.expectedLeaseEpoch = order.leaseEpoch;  // a stale attempt from an earlier claim is refused
    extras.transaction = transaction;
    extras.keepOpen = keepOpenIn != nullptr && transaction != nullptr;
    // The row's guard as the step left it: a later write in this transaction is guarded alike.
    // Not the batch's first: its write takes the row's lock and checks the guard early, so a host
    // that took the order over meanwhile stops this batch at once, and the step runs' numbering
    // (MAX(seq) + 1) runs under that lock, never beside another host's.
    extras.orderWriteDeferred = extras.keepOpen && keepOpenIn->rowWritten && settled.empty() &&
                                updated.state == order.state && updated.leaseOwner == order.leaseOwner &&
                                updated.leaseEpoch == order.leaseEpoch;
    extras.events = eventsFor(order, updated, run);
    if ((settled == "refused" || settled == "failed") && !extras.events.empty())
        extras.events.front().type = "order.return_" + settled;   // not news of a completion
    appendPluginEvents(extras.events, order, run, pluginEvents);  // after the host's own
    spdlog::debug("order {} step {} attempt {}: {} -> {}{}", order.id, run.stepName, run.attempt, run.outcome,
                  updated.state, extras.keepOpen ? " (committed with the next step)" : "");
    // A person must act (an undo that failed, a failure held by policy): the log says which
    // order, where and why, with the plugin's code (its text escaped: one log line).
    if (updated.state == states::kOnHold && updated.awaitingSignal == chains::kManualActionSignal)
        spdlog::warn("order {}: held for a manual action at step {} ({}{}{}): {}", order.id, run.stepName, run.outcome,
                     run.code.empty() ? "" : ", code ", plugins::escapeForLog(run.code),
                     plugins::escapeForLog(run.message));
    PendingSample sample{run.chain,   run.pluginId,  run.stepKind,           run.outcome,
                         order.state, updated.state, updated.awaitingSignal, run.attempt};
    engine_.store().recordStep(updated, order.state, std::move(run), extras);
    if (extras.keepOpen) {
        keepOpenIn->orderUnwritten = extras.orderWriteDeferred;
        keepOpenIn->rowWritten = true;
        keepOpenIn->samples.push_back(std::move(sample));
    } else {
        engine_.stepMetrics().recordCheckpoint({sample.chain, sample.pluginId, sample.stepKind, sample.outcome,
                                                sample.attempt, sample.fromState, sample.toState,
                                                sample.awaitingSignal});
    }
    order = std::move(updated);
    return !settled.empty();
}

}  // namespace orderhost::engine
