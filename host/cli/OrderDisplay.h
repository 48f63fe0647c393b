// How the CLI prints what the host's API returns: order summaries as a table, one order's view
// (state, chain, current step, steps and timeline), chains and plugins. JSON output (--json)
// does not come through here: it is the host's own objects, one per line.
#pragma once

#include "host/cli/TextTable.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <ostream>

namespace orderhost::cli {

// The columns of `orders list`.
TextTable orderSummaryTable();
void addOrderSummary(TextTable& table, const Poco::JSON::Object& summary);

// `orders show`: `chains` is GET /v1/chains (to name the current step), or null.
void printOrderView(std::ostream& out, const Poco::JSON::Object& order, const Poco::JSON::Object::Ptr& chains);

// One line after an action: "<id> (<ref>): <state> on <chain> v<n>[, awaiting <signal>]".
std::string orderStatusLine(const Poco::JSON::Object& order);

void printChains(std::ostream& out, const Poco::JSON::Object& chains);
void printPlugins(std::ostream& out, const Poco::JSON::Object& plugins);

}  // namespace orderhost::cli
