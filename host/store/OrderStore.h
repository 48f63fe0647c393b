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
    int64_t wakeAtMs = 0;        // retry_wait orders: when they are due; else 0
};

struct StepRunRecord {
    std::string orderId;
    int seq = 0;  // assigned by recordStep()
    std::string stepName, pluginId, stepKind;
    int attempt = 1;
    std::string outcome, code, message;
    int64_t startedAtMs = 0, finishedAtMs = 0;
};

inline constexpr std::size_t kMaxStepMessageBytes = 65536;
inline constexpr std::size_t kMaxStepCodeBytes = 128;  // outcome codes are clipped, like messages

enum class InsertResult { Inserted, DuplicateRef };

class OrderStore {
public:
    explicit OrderStore(Database&);

    // Inserts the order in one transaction. A second order with the same orderRef inserts
    // nothing and returns DuplicateRef, also when both race from different threads/processes.
    InsertResult insertOrder(const OrderRecord&);

    std::optional<OrderRecord> findById(const std::string& id);
    std::optional<OrderRecord> findByRef(const std::string& orderRef);

    // The order's step runs ordered by seq (1, 2, 3, ...).
    std::vector<StepRunRecord> stepRuns(const std::string& orderId);
    // Ids of orders in `state`, oldest first, at most `limit` (crash recovery).
    std::vector<std::string> idsInState(const std::string& state, std::size_t limit);
    // Ids of orders in `state` whose wake_at is at or before `nowMs`, earliest first.
    std::vector<std::string> idsDue(const std::string& state, int64_t nowMs, std::size_t limit);
    // Moves the order from `from` to `to` if it is still in `from`; false if another request
    // or host got there first. Nothing else changes (a timer firing, for instance).
    bool transition(const std::string& id, const std::string& from, const std::string& to, int64_t nowMs);

    // In ONE transaction: updates the order's state, current_step, document and updated_at
    // from `updated` — only if its state in the database still equals expectedState — and
    // appends `run` with the next seq. Both rows change or neither. Throws StaleOrderError
    // when the state differs (or the order is gone), StoreError on any other failure.
    // run.orderId may be empty (taken from updated.id) but must not name another order.
    void recordStep(const OrderRecord& updated, const std::string& expectedState, StepRunRecord run);

private:
    std::optional<OrderRecord> findBy(const char* column, const std::string& value);
    bool updateIfState(Poco::Data::Session&, const OrderRecord&, const std::string& expectedState);
    void appendStepRun(Poco::Data::Session&, const StepRunRecord&);
    std::string staleMessage(Poco::Data::Session&, const std::string& id, const std::string& expectedState);

    Database& db_;
};

}  // namespace orderhost::store
