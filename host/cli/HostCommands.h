// The commands that work against a running host through its HTTP API:
//
//   orderhost orders list [--state S] [--customer C] [--chain X] [--limit N] [--page-size N] [--json]
//   orderhost orders show ID | --ref ORDER_REF [--json]
//   orderhost orders retry|release ID [--note TEXT]
//   orderhost orders cancel ID [--reason TEXT]
//   orderhost orders hold ID            (refused: the API has no such request, exit 64)
//   orderhost chains list [--json]
//   orderhost plugins list [--json]
//   orderhost reload                    (POST /v1/admin/reload: chains and plugins)
//
// each with [--url URL] [--token TOKEN] (or --config FILE for both). Exit codes: HostConnection.h.
#pragma once

#include "host/cli/HostConnection.h"

#include <Poco/Util/OptionSet.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace orderhost::cli {

struct CliOptions {
    std::map<std::string, std::string> values;  // option name → value, for the options below
    bool json = false;                          // --json: the host's objects, one JSON object per line

    std::optional<std::string> value(const std::string& name) const;
};

// Adds --url, --token, --state, --customer, --chain, --limit, --page-size, --ref, --reason,
// --note and the flag --retire-all to the executable's options; isHostCommandOption says
// whether one of them was seen.
void defineHostCommandOptions(Poco::Util::OptionSet& options);
bool isHostCommandOption(const std::string& name);

// True for `orders ...`, `chains list`, `plugins list` and `reload`.
bool isHostCommand(const std::vector<std::string>& args);

// Runs one of them against the host at `target`; returns the exit code.
int runHostCommand(const std::vector<std::string>& args, const CliOptions& options, const HostTarget& target);

}  // namespace orderhost::cli
