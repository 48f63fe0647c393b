// The states an order goes through on its chains, and the transitions allowed between them.
//
//                 ┌──────────── retry_wait ◄────────┐ (step asked to retry later)
//                 ▼                                 │
//   received ──► in_progress ──► completed ──► (cancel: compensating, return: in_progress)
//      │  ▲          │  ▲
//      │  │          │  └── on_hold (signal, manual action, signal timeout)
//      │  │          ▼
//      │  └──── compensating ──► rejected | failed | cancelled
//      └──────► rejected | on_hold | failed | retry_wait | compensating
//
// received:     stored, no step has finished yet.
// in_progress:  at least one step finished, more remain (or a cancel/return chain runs).
// completed:    every step of a place/service/custom order chain went through.
// rejected:     a step refused the order for a business reason (final, after compensation).
// on_hold:      waiting for a named signal: a step suspended the order (e.g. credit_approval),
//               or a step failed with on_failure: hold ("manual_action"). The signal moves it
//               back to in_progress (or compensating) and the step runs again.
// failed:       a step failed or ran out of attempts (final, after compensation if chosen).
// retry_wait:   a step (or a compensation) asked to be retried later; a durable timer
//               (orders.wake_at) moves it back when it is due, even after a restart.
// compensating: completed steps are being undone in reverse order; compensate_to holds the
//               final state (rejected, failed or cancelled).
// cancelled:    the order was cancelled: compensated, then its cancel chain (if any) ran.
// returned:     a completed order went through its return chain. A further partial return
//               (POST .../return with a new return_ref) runs the return chain again from
//               returned. A return that is refused or fails ends the return, not the order:
//               the order goes back to completed (or returned) as it was before that return,
//               also from compensating (ReturnSettlement.h).
//
// A transition not drawn above is a bug and throws; it is never silently applied.
#pragma once

#include <stdexcept>
#include <string>

namespace orderhost::engine::states {

inline const std::string kReceived = "received";
inline const std::string kInProgress = "in_progress";
inline const std::string kCompleted = "completed";
inline const std::string kRejected = "rejected";
inline const std::string kOnHold = "on_hold";
inline const std::string kFailed = "failed";
inline const std::string kRetryWait = "retry_wait";
inline const std::string kCompensating = "compensating";
inline const std::string kCancelled = "cancelled";
inline const std::string kReturned = "returned";

bool isAllowedTransition(const std::string& from, const std::string& to);

// Throws std::logic_error naming both states when the transition is not allowed.
void requireTransition(const std::string& from, const std::string& to);

// States in which a host is (or should be) running the order: it holds a lease.
bool isRunning(const std::string& state);
// States no chain leaves again on its own (cancel and return start from completed; a further
// return from returned).
bool isFinal(const std::string& state);

}  // namespace orderhost::engine::states
