// Runs an order along its chain, one committed step at a time, and undoes it when it must.
//
// After each step the runner commits, in one store transaction (OrderStore::recordStep), the
// order's new state, document, position and lease together with the step-run record, the
// outbox events and whatever the plugin wrote to the host's database during the step. A
// step whose outcome is RETRY or FAIL leaves the document and the database as they were
// before it, so a retry starts from the same input.
//
// Per step: a timeout (the call runs on a worker; past timeout_ms the attempt counts as a
// retryable failure), retries with exponential backoff and jitter (short delays at once,
// others durably in retry_wait), and an on_failure policy once no attempt is left:
// compensate (undo the completed steps in reverse order, then failed), fail, hold (on_hold
// for the "manual_action" signal) or continue. A REJECT compensates the completed steps too,
// then the order is rejected. A step that reaches outside and gave up not knowing what it did
// (RETRY out of attempts, a timeout) is undone with them (runner::stepsToUndo). Compensation
// is durable: each undone step is a checkpoint, so after a crash it goes on where it stopped;
// compensate() gets the step's idempotency key.
//
// Steps whose plugins promise OH_STEP_NO_EXTERNAL_EFFECTS run back to back in one transaction
// and commit as one checkpoint (at most engine.steps_per_commit of them; ChainRunnerCommit.cpp):
// a crash repeats them all, which nothing outside saw.
#pragma once

#include "host/engine/Engine.h"

#include <optional>

namespace orderhost::engine {

// The signal a SUSPEND outcome waits for when the plugin names none.
inline constexpr const char* kDefaultSignal = "resume";

// Signal names: what plugins may put in oh_outcome.signal and the API accepts in a URL.
bool isValidSignalName(const std::string& name);

// What an administrator may answer to an order held by on_failure: hold ("manual_action").
// Resume: abandon a cancel whose first undo failed (the step's effect stands: a parcel the
// carrier picked up) and run the order on from that step (ChainRunner::resumeProblem).
enum class ManualAction { Retry, Skip, Compensate, Fail, Resume };

class ChainRunner {
public:
    explicit ChainRunner(Engine& engine);

    // Runs the order, whose lease this host must hold, until it stops (completed, rejected,
    // on_hold, failed, retry_wait, cancelled, returned) and returns it as stored. Throws store
    // errors (the order then stays at its last checkpoint, and its lease runs out) and
    // StaleOrderError when another host took the order over.
    store::OrderRecord run(store::OrderRecord order);

    // The held order's suspended step did not get its signal in time: applies the step's
    // on_signal_timeout policy, then runs on. The caller holds the order's lease.
    store::OrderRecord signalTimedOut(store::OrderRecord order);

    // Applies an administrator's answer to an order held for manual action and runs on.
    // The order must be on_hold waiting for "manual_action", its lease held by this host.
    // `data` (a JSON object, or none) is written at /signals/manual_action for the step to read.
    store::OrderRecord applyManualAction(store::OrderRecord order, ManualAction action, const std::string& note,
                                         const std::optional<std::string>& data = std::nullopt);

    // Why `resume` cannot apply to this held order ("" when it can): only a cancel's
    // compensation, and only while it has undone nothing (an undone step would run again under
    // a key whose effect was reversed: a voided authorization, released stock).
    std::string resumeProblem(const store::OrderRecord& order);

    // The key handed to plugins: the same for every attempt of one step of one order.
    static std::string idempotencyKey(const std::string& orderId, const std::string& stepName);

private:
    // One call into a plugin and the checkpoint that records it.
    struct Attempt {
        store::StepRunRecord run;
        std::shared_ptr<store::StepTransaction> transaction;
        bool documentLost = false;   // the call timed out and kept the document: re-read it
        bool elidedFailure = false;  // a statement without a savepoint failed (kept past a timeout's rollback)
        std::vector<services::EmittedEvent> events{};  // orderhost.events/1: written only if kept
    };
    // A step run's metrics sample, kept until its checkpoint commits (metrics count committed runs).
    struct PendingSample {
        std::string chain, pluginId, stepKind, outcome, fromState, toState, awaitingSignal;
        int attempt = 1;
    };
    // The steps of one run committed together (ChainRunnerCommit.cpp). Local to one run().
    struct StepBatch {
        std::shared_ptr<store::StepTransaction> transaction;  // holds the checkpoints not committed yet
        int deferred = 0;                                     // how many
        std::int64_t openedAtMs = 0;                          // when the first of them was written
        std::int64_t committedLeaseUntilMs = 0;               // the lease as the database has it
        int unbatchedThrough = -1;                            // after a discarded batch: steps up to here commit alone
        int savepointsThrough = -1;  // after a statement failed without one: steps up to here run with savepoints
        bool off = false;            // every step commits alone in this run
        // A checkpoint of this batch wrote the order row: it holds the row's lock (PostgreSQL)
        // and found the guard holding, so the checkpoints after it may defer theirs.
        bool rowWritten = false;
        // The last checkpoints deferred the order row (CheckpointExtras::orderWriteDeferred):
        // the row in `transaction` is behind the order as held; commitBatch writes it.
        bool orderUnwritten = false;
        std::vector<PendingSample> samples;
        bool open() const { return deferred > 0; }
    };
    // The chain version the order runs on, held for as long as the caller works with it.
    std::shared_ptr<const ReadyChain> chainOf(const store::OrderRecord& order) const;
    void keepLease(store::OrderRecord& order, const ReadyChain& chain);
    // run() without the crash breaker's bookkeeping of a run that ends by an exception.
    store::OrderRecord runClaimed(store::OrderRecord order);
    // The crash breaker (CrashBreaker.cpp): holds the order (plugin_crashed) when its last
    // engine.crash_limit plugin calls died with their host; true when it did. Calls excused
    // by this host (their checkpoint failed, the host alive: ExcusedCalls) do not count.
    bool holdAfterCrashes(store::OrderRecord& order, const ReadyChain& chain);
    void forwardAttempt(store::OrderRecord& order, document::JsonDocument& doc, const ReadyChain& chain,
                        std::uint32_t attemptNumber, StepBatch& batch);
    void compensateNext(store::OrderRecord& order, document::JsonDocument& doc, const ReadyChain& chain);
    // The step's `when:` condition is false: recorded as skipped, the chain goes on.
    void skip(store::OrderRecord& order, document::JsonDocument& doc, const ReadyChain& chain, std::size_t index,
              StepBatch& batch);
    services::ReportedOutcome callPlugin(Attempt& attempt, const std::shared_ptr<StepInstance>& step, bool compensate,
                                         document::JsonDocument& doc);
    // `batch`: the attempt's step may stay uncommitted, with the ones after it (ChainRunnerCommit.cpp).
    void commitAttempt(store::OrderRecord& order, store::OrderRecord& updated, Attempt& attempt, bool keep,
                       document::JsonDocument& doc, StepBatch* batch = nullptr, bool batchable = false);
    // Batching (ChainRunnerCommit.cpp): whether the checkpoint to `updated` may stay open for the
    // next step; committing what is open; and giving up a batch whose step did not continue.
    bool mayDefer(const store::OrderRecord& updated, const ReadyChain& chain, const StepBatch& batch,
                  const document::JsonDocument& doc) const;
    void commitBatch(store::OrderRecord& order, StepBatch& batch);
    void commitBatchQuietly(store::OrderRecord& order, StepBatch& batch) noexcept;  // failures logged
    void keepBatchWithinLease(store::OrderRecord& order, const ReadyChain& chain, StepBatch& batch);
    void discardBatch(store::OrderRecord& order, document::JsonDocument& doc, StepBatch& batch, std::size_t index,
                      const char* why = "did not continue");

    // How `updated` changes for each way a step can end.
    void suspend(store::OrderRecord& updated, const chains::StepDefinition& definition,
                 const services::ReportedOutcome& outcome, std::int64_t nowMs);
    void scheduleRetry(store::OrderRecord& updated, const chains::StepDefinition& definition,
                       std::uint32_t attemptNumber, const services::ReportedOutcome& outcome, std::int64_t nowMs);
    void advance(store::OrderRecord& updated, const ReadyChain& chain);
    // `unknown`: from the attempt that just ended the step (not recorded yet): whether it gave
    // up not knowing what it did (RETRY with no attempt left); unset: read the step's runs.
    void applyFailure(store::OrderRecord& updated, const ReadyChain& chain, std::size_t index,
                      const document::JsonDocument& doc, std::optional<bool> unknown = std::nullopt);
    // `open`: the step's transaction, when it stays open until the checkpoint (a REJECT keeps
    // the plugin's writes): the lookup of where the undo starts runs on its session.
    void beginCompensation(store::OrderRecord& updated, const ReadyChain& chain, std::size_t fromIndex,
                           const std::string& finalState, const document::JsonDocument& doc,
                           store::StepTransaction* open = nullptr, std::optional<bool> unknown = std::nullopt);
    void finishCompensation(store::OrderRecord& updated, const document::JsonDocument& doc);

    store::StepRunRecord newRun(const store::OrderRecord& order, const ReadyChain& chain, std::size_t index,
                                std::uint32_t attemptNumber) const;
    std::shared_ptr<store::StepTransaction> newTransaction() const;
    store::StepRunRecord hostRun(const store::OrderRecord& order, const ReadyChain& chain, const char* kind,
                                 const std::string& outcome, const std::string& code, const std::string& message) const;
    // Commits `updated` with `run` (one transaction, guarded by the order's state and lease).
    // `pluginEvents` (orderhost.events/1) follow the host's own events in the outbox. True when
    // it rewrote the document (a return settled, ReturnSettlement.h): callers re-read it.
    // `keepOpenIn`: write into `transaction` without committing, the metrics sample kept in the
    // batch until it commits (see commitAttempt).
    bool checkpoint(store::OrderRecord& order, store::OrderRecord updated, store::StepRunRecord run,
                    store::StepTransaction* transaction, std::vector<services::EmittedEvent> pluginEvents = {},
                    StepBatch* keepOpenIn = nullptr);
    void recordSamples(StepBatch& batch);  // the batch committed: its runs count

    Engine& engine_;
    // Set for the checkpoint of an undo that waits for this host's abandoned call: the order
    // stays leased to this host until then, so no other host undoes it beside the call.
    std::int64_t keepLeaseUntilMs_ = 0;
};

}  // namespace orderhost::engine
