#include "host/engine/OrderState.h"

#include <set>
#include <utility>

namespace orderhost::engine::states {

bool isAllowedTransition(const std::string& from, const std::string& to) {
    static const std::set<std::pair<std::string, std::string>> allowed = {
        // running forward
        {kReceived, kInProgress},
        {kReceived, kCompleted},
        {kReceived, kRejected},
        {kReceived, kOnHold},
        {kReceived, kFailed},
        {kReceived, kRetryWait},
        {kReceived, kCompensating},
        {kInProgress, kInProgress},
        {kInProgress, kCompleted},
        {kInProgress, kRejected},
        {kInProgress, kOnHold},
        {kInProgress, kFailed},
        {kInProgress, kRetryWait},
        {kInProgress, kCompensating},
        {kInProgress, kCancelled},
        {kInProgress, kReturned},
        // waiting
        {kRetryWait, kInProgress},
        {kRetryWait, kCompensating},
        {kOnHold, kInProgress},
        {kOnHold, kCompensating},
        {kOnHold, kFailed},
        {kOnHold, kOnHold},
        {kOnHold, kCompleted},
        {kOnHold, kCancelled},
        {kOnHold, kReturned},
        {kRetryWait, kCancelled},
        // undoing
        {kCompensating, kCompensating},
        {kCompensating, kRejected},
        {kCompensating, kFailed},
        {kCompensating, kCancelled},
        {kCompensating, kOnHold},
        {kCompensating, kRetryWait},
        {kCompensating, kInProgress},
        // after completion: cancel (compensate, then the cancel chain) and return (its chain)
        {kCompleted, kCompensating},
        {kCompleted, kInProgress},
        {kCompleted, kCancelled},
        // a failed order may still be cancelled: what it completed is undone (stock released)
        {kFailed, kCompensating},
        {kFailed, kCancelled},
        // a further partial return (a new return_ref): after the last one, or after a refused one
        // (rejected: returns started before refused returns were settled, ReturnSettlement.h)
        {kReturned, kInProgress},
        {kRejected, kInProgress},
        // a refused or failed return whose steps were undone: the order is as before it
        {kCompensating, kCompleted},
        {kCompensating, kReturned},
    };
    return allowed.count({from, to}) != 0;
}

void requireTransition(const std::string& from, const std::string& to) {
    if (!isAllowedTransition(from, to)) {
        throw std::logic_error("forbidden order state transition: " + from + " -> " + to);
    }
}

bool isRunning(const std::string& state) {
    return state == kReceived || state == kInProgress || state == kCompensating;
}

bool isFinal(const std::string& state) {
    return state == kRejected || state == kFailed || state == kCancelled || state == kReturned;
}

}  // namespace orderhost::engine::states
