// `orderhost orders ...`: list (paging through GET /v1/orders), show, and the actions an
// administrator takes on a held or waiting order, each mapped onto the API's requests:
//
//   retry   → POST /v1/orders/{id}/signals/manual_action {"action": "retry", "note": …}
//   release → the signal the held order waits for: credit_approval {"approved": true, …}, or
//             manual_action "retry" for an order held by a failed step; others are refused
//   cancel  → POST /v1/orders/{id}/cancel {"reason": …}
//   hold    → refused (exit 64): the API has no request that holds an order
//
// Each throws UsageError for a wrong command line and returns the exit code otherwise.
#pragma once

#include "host/cli/HostCommands.h"

#include <string>
#include <vector>

namespace orderhost::cli {

int listOrders(const HostConnection& host, const CliOptions& options, const std::vector<std::string>& arguments);
int showOrder(const HostConnection& host, const CliOptions& options, const std::vector<std::string>& arguments);
// action: retry, release, hold or cancel.
int actOnOrder(const HostConnection& host, const std::string& action, const CliOptions& options,
               const std::vector<std::string>& arguments);

}  // namespace orderhost::cli
