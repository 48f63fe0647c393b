#include "host/engine/OrderState.h"

#include <set>
#include <utility>

namespace orderhost::engine::states {

bool isAllowedTransition(const std::string& from, const std::string& to) {
    static const std::set<std::pair<std::string, std::string>> allowed = {
        {kReceived, kInProgress},   {kReceived, kCompleted},   {kReceived, kRejected},
        {kReceived, kOnHold},       {kReceived, kFailed},      {kInProgress, kInProgress},
        {kInProgress, kCompleted},  {kInProgress, kRejected},  {kInProgress, kOnHold},
        {kInProgress, kFailed},     {kOnHold, kInProgress},    {kReceived, kRetryWait},
        {kInProgress, kRetryWait},  {kRetryWait, kInProgress},
    };
    return allowed.count({from, to}) != 0;
}

void requireTransition(const std::string& from, const std::string& to) {
    if (!isAllowedTransition(from, to)) {
        throw std::logic_error("forbidden order state transition: " + from + " -> " + to);
    }
}

}  // namespace orderhost::engine::states
