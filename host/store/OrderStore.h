// Orders and their step runs: what the engine and the HTTP API read and write.
//
//   OrderStore store(db);
//   if (store.insertOrder(order) == InsertResult::DuplicateRef) { /* ERP retried */ }
//   store.recordStep(advanced, "validating", run);   // StaleOrderError if someone was faster
//
// Text fields are byte strings (UTF-8 expected) and round-trip byte-exactly. Length limits
// are in bytes and match the schema; an over-long field is refused with StoreError rather
// than truncated — except StepRunRecord::message and ::code, a plugin's diagnostics, which are
// cut at a UTF-8 boundary (kMaxStepMessageBytes, kMaxStepCodeBytes) so that a chatty plugin
// cannot fail a transition.
// Thread-safe: one OrderStore may be shared by all threads (each call takes its own session).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "host/store/Database.h"
#include "host/store/Outbox.h"
#include "host/store/StepRunRecord.h"
#include "host/store/StepTransaction.h"

namespace orderhost::store {

struct OrderRecord {
    std::string id, orderRef, chain;
    int chainVersion = 0;
    std::string state;
    int currentStep = 0;
    std::string document, requestHash;  // document: JSON, at most kMaxDocumentBytes
    int64_t createdAtMs = 0, updatedAtMs = 0;
    std::string awaitingSignal;  // on_hold orders: the signal that resumes them; else empty
    int nextAttempt = 1;         // the attempt number the current step runs with next
    int64_t wakeAtMs = 0;        // retry_wait/on_hold orders: when their timer is due; else 0
    std::string leaseOwner;      // the host running the order now; empty when nobody does
    int64_t leaseUntilMs = 0;    // until when leaseOwner holds it; others may claim it after
    std::string compensateTo;    // compensating (or held while compensating): the final state
    // The fencing token: incremented by every claim. A writer's checkpoints and renewals must
    // match the epoch it claimed with (an owner string alone is the same on A's two claims).
    int64_t leaseEpoch = 0;
    // Plugin calls started for the order and not yet followed by a checkpoint (the crash
    // breaker, Migrations.cpp v8): 1 while it runs, 0 when it stops, +1 by every claim.
    int callsPending = 0;
    // The ERP's customer id (/customer/id), a column of its own for order search (Migrations.cpp
    // v9); written by insertOrder only, at most 256 bytes, empty when the document has none.
    std::string customerId;
};

// An order claimed for this host, with the epoch the claim gave it.
struct ClaimedOrder {
    std::string id;
    int64_t leaseEpoch = 0;
    // Plugin calls started for the order and not yet followed by a checkpoint (the crash
    // breaker, Migrations.cpp v8): 1 while it runs, 0 when it stops, +1 by every claim.
    int callsPending = 0;
};

// What a checkpoint carries besides the order and its step run.
struct CheckpointExtras {
    // The guard: the lease the writer must still hold (empty: nobody may hold one), and the
    // epoch of the claim it holds it by. The order's lease_epoch becomes updated.leaseEpoch,
    // which is expectedLeaseEpoch, or one more when the checkpoint is itself a claim (a
    // cancel or return taking up a stopped order).
    std::string expectedLeaseOwner;
    int64_t expectedLeaseEpoch = 0;
    // Commit inside this transaction (a plugin wrote in it); otherwise recordStep opens one.
    StepTransaction* transaction = nullptr;
    // Write into `transaction` but leave it open: the checkpoint commits with the steps after it
    // (steps without external effects batched into one commit, ChainRunnerCommit.cpp).
    bool keepOpen = false;
    // With keepOpen: leave the order row as it is, add only the step run and the events; a
    // later checkpoint (or writeOrder) in the same transaction writes the order as it then is,
    // before the commit. The guard must then still hold for that write (ChainRunnerCommit.cpp).
    bool orderWriteDeferred = false;
    // Appended to the outbox in the same transaction.
    std::vector<OutboxEvent> events;
};

inline constexpr std::size_t kMaxStepMessageBytes = 65536;
inline constexpr std::size_t kMaxStepCodeBytes = 128;  // outcome codes are clipped, like messages

// QuoteUnavailable: the order named a quote (insertOrder's quoteId) that another order used
// or whose validity ended by then; nothing was inserted.
enum class InsertResult { Inserted, DuplicateRef, QuoteUnavailable };

class OrderStore {
public:
    explicit OrderStore(Database&);

    Database& database() const { return db_; }

    // Inserts the order in one transaction. A second order with the same orderRef inserts
    // nothing and returns DuplicateRef, also when both race from different threads/processes.
    InsertResult insertOrder(const OrderRecord&);
    // The same, and marks quote `quoteId` used by this order in the same transaction, if it is
    // unused and still valid at o.createdAtMs (QuoteStore.h); otherwise inserts nothing.
    InsertResult insertOrder(const OrderRecord& o, const std::string& quoteId);

    std::optional<OrderRecord> findById(const std::string& id);
    std::optional<OrderRecord> findByRef(const std::string& orderRef);

    // The order's step runs ordered by seq (1, 2, 3, ...).
    std::vector<StepRunRecord> stepRuns(const std::string& orderId);
    // Ids of orders in `state`, oldest first, at most `limit` (crash recovery).
    std::vector<std::string> idsInState(const std::string& state, std::size_t limit);
    // Ids of orders in `state` with a timer (wake_at > 0) due at or before `nowMs`, earliest first.
    std::vector<std::string> idsDue(const std::string& state, int64_t nowMs, std::size_t limit);
    // Claims the order for `owner` until `untilMs`, moving it from `from` to `to`, if it is
    // still in `from` and nobody else holds an unexpired lease on it, and returns the claim's
    // lease epoch; nullopt if another request or host got there first. Besides the epoch,
    // only calls_pending changes (+1: the claimer calls a plugin next); not a timer, say.
    // With `atEpoch`, only if the order's lease epoch is still that, and no claim of it is still
    // live without a checkpoint yet (calls_pending 0, or the claimer's lease expired): a request
    // that decided on what it read claims only the order as it read it, and never one another
    // request has just claimed (a claim from on_hold leaves it on_hold until its checkpoint). An
    // owner may claim its own lease again, so without it two requests to one host could both
    // claim, the earlier one's checkpoint fail as stale, and a later one write what it read
    // before the earlier one's run.
    std::optional<int64_t> claim(const std::string& id, const std::string& from, const std::string& to,
                                 const std::string& owner, int64_t untilMs, int64_t nowMs,
                                 std::optional<int64_t> atEpoch = std::nullopt);

    // Claims up to `limit` orders in one of `states` whose lease expired before `nowMs` (their
    // host died or lost them), for `owner` until `untilMs`, and returns them with the epoch of
    // each claim (calls_pending + 1 too: the call that was running never checkpointed). Orders
    // another host is claiming at the same moment are skipped, never taken by both.
    // With includeOwn, also orders `owner` itself holds (a restarted host taking back its own:
    // its previous run is gone, since the host id includes the port it now holds).
    // Only orders on one of `chains` (names) are claimed: a host never takes an order it cannot run.
    std::vector<ClaimedOrder> claimExpired(const std::vector<std::string>& states, const std::string& owner,
                                           int64_t untilMs, int64_t nowMs, std::size_t limit, bool includeOwn = false,
                                           const std::vector<std::string>& chains = {});

    // Crash recovery at start, in two parts so that the orders can be claimed one by one as a
    // thread is free to run each (a claim's lease ticks from the claim). First the orders
    // claimExpired(..., includeOwn = true, chains) would take, with their epoch and calls_pending
    // as they are now, oldest lease first; nothing is claimed. List them before anything of
    // this run can claim an order: later, orders `owner` holds include the ones it runs now.
    std::vector<ClaimedOrder> listReclaimable(const std::vector<std::string>& states, const std::string& owner,
                                              int64_t nowMs, const std::vector<std::string>& chains);
    // Then claims one of them as claimExpired would, only if its lease epoch is still `epoch`
    // (nobody claimed it since it was listed: not this host's poller, a request or another
    // host); returns the claim's epoch, nullopt if it is no longer there to take.
    std::optional<int64_t> claimListed(const std::string& id, int64_t epoch, const std::vector<std::string>& states,
                                       const std::string& owner, int64_t untilMs, int64_t nowMs);

    // Extends `owner`'s lease on an order, claimed with `epoch`; false when the lease is no
    // longer theirs (expired and claimed since, by another host or by `owner` again).
    bool renewLease(const std::string& id, const std::string& owner, int64_t epoch, int64_t untilMs);

    // Takes `count` calls off calls_pending of the order claimed with `epoch`: calls that
    // returned though their checkpoint failed (the crash breaker's excused calls). False
    // when the order was claimed again since.
    bool forgiveCalls(const std::string& id, int64_t epoch, int count);
    // Takes one call off calls_pending of the order `owner` holds under `epoch`: the call the
    // last checkpoint (or the insert) counted ahead was never made — the host is stopping and
    // refused it, or a respond-async order queued at a stop never started. Without this the
    // next claim would count it as a call that died with the host (the crash breaker). The
    // lease stays. False when the order was claimed again since.
    // With `inState`, only while the order is still in that state: a claim from a wait that
    // failed before its first checkpoint (the database went away, the document would not take
    // the payload) is given up this way, so the next request or timer on this host may claim it
    // at once (a claim "as read" refuses a pending one until its lease runs out); the lease
    // stays, as a lingering call's hold needs it, so another host waits for it as before. False
    // once checkpointed or claimed since: nothing to give up.
    bool uncountCall(const std::string& id, const std::string& owner, int64_t epoch, const std::string& inState = "");

    // In ONE transaction: updates the order's chain and version, state, position, document,
    // timers, lease and updated_at from `updated` — only if its state in the database still
    // equals expectedState and its lease owner and epoch equal extras.expectedLeaseOwner and
    // .expectedLeaseEpoch — appends `run` with the next seq
    // and extras.events to the outbox. All rows change or none. With extras.transaction the run
    // and the events are written by that transaction's commit (StepTransaction::deferRows). Throws StaleOrderError when
    // the guard fails (or the order is gone), StoreError on any other failure. run.orderId may be empty (taken from
    // updated.id) but must not name another order.
    void recordStep(const OrderRecord& updated, const std::string& expectedState, StepRunRecord run,
                    const CheckpointExtras& extras = {});
    // The order row of recordStep alone, in extras.transaction, which stays open: the last of
    // a batch's checkpoints that deferred it (orderWriteDeferred). Same guard, same errors.
    void writeOrder(const OrderRecord& updated, const std::string& expectedState, const CheckpointExtras& extras);

    // Step indexes of `chain` that completed (outcome continue) for the order and were not
    // undone since (outcome compensated), ascending.
    std::vector<int> completedSteps(const std::string& orderId, const std::string& chain);
    // Step indexes of `chain` whose effects are still in place: the step completed (continue)
    // or suspended (suspend: it may have booked a shipment or opened work orders before it
    // waited) and was not undone since, ascending. What compensation undoes.
    std::vector<int> stepsWithEffects(const std::string& orderId, const std::string& chain);
    // Whether step `index` of `chain` suspended since the order last arrived at it (no later
    // run of another step, no host record without a step, no undo): the step the order waits
    // or failed at acted in this pass. A return chain runs again with the same step indexes, so
    // an earlier return's runs do not count.
    // A host record of a delivered signal does not end the pass: the step runs again after it.
    // `within`: the caller's open transaction's session (a second pooled session while it holds
    // one could wait for a session held by a step that waits for this one's lock).
    bool suspendedInCurrentPass(const std::string& orderId, const std::string& chain, int index,
                                Poco::Data::Session* within = nullptr);
    // Step indexes of `chain` whose latest run ended not knowing what it did: RETRY (also the
    // one the host gave up after) or a timeout, with no later run of that step but unfinished
    // undos, and not skipped by a person since (a skip leaves the step as it is). A gateway may
    // have authorized, a carrier booked: compensation undoes them by key.
    std::vector<int> stepsLeftUnknown(const std::string& orderId, const std::string& chain,
                                      Poco::Data::Session* within = nullptr);

private:
    std::optional<OrderRecord> findBy(const char* column, const std::string& value);
    bool updateIfState(Poco::Data::Session&, const OrderRecord&, const std::string& expectedState,
                       const CheckpointExtras& guard);
    // updateIfState, or StaleOrderError saying what the row holds instead.
    void writeGuarded(Poco::Data::Session&, const std::string& op, const OrderRecord&, const std::string& expectedState,
                      const CheckpointExtras& guard);
    // Inside the claim's transaction, which holds the row: the epoch it was just given.
    static int64_t epochOf(Poco::Data::Session&, const std::string& id);
    std::string staleMessage(Poco::Data::Session&, const std::string& id, const std::string& expectedState,
                             const CheckpointExtras& guard);

    Database& db_;
};

}  // namespace orderhost::store
