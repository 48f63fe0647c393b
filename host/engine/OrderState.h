// The states an order goes through on its chain, and the transitions allowed between them.
//
//   received ──► in_progress ──► completed
//      │             │  ▲  ▲  ▲
//      │             ▼  │  │  └──────── retry_wait (timer due)
//      │             ▼  │  └──────────── on_hold (signal)
//      └──────► rejected | on_hold | failed | retry_wait
//
// received:    stored, no step has finished yet.
// in_progress: at least one step finished, more remain.
// completed:   every step of the chain continued.
// rejected:    a step refused the order for a business reason (final).
// on_hold:     a step suspended the order until a named signal (e.g. credit_approval). The
//              signal moves it back to in_progress and the suspended step runs again.
// failed:      a step failed or ran out of attempts (final).
// retry_wait:  a step asked to be retried later; a durable timer (orders.wake_at) moves the
//              order back to in_progress when it is due, even after a restart.
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

bool isAllowedTransition(const std::string& from, const std::string& to);

// Throws std::logic_error naming both states when the transition is not allowed.
void requireTransition(const std::string& from, const std::string& to);

}  // namespace orderhost::engine::states
