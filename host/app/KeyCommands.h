// `orderhost keys create|list|revoke --config FILE`: API keys of the HTTP API (issue 13 item 3,
// api/ApiKeys.h), written straight into the configured database, so the first key can be made
// before the host accepts any request. Every host on the database sees a change within two
// seconds (api/ApiKeyCache.h). Exit codes as Commands.h: 0 ok, 64 usage, 65 refused input
// (a bad role, name or chain; an unknown key), 69 the database cannot be reached.
#pragma once

#include "host/app/HostSettings.h"

#include <map>
#include <string>
#include <vector>

namespace orderhost::app {

struct KeyOptions {
    std::string name;          // --name
    std::string roles;         // --role erp,viewer,admin
    std::string chains;        // --chains a,b: limits the key to these chains
    bool chainsGiven = false;  // --chains was there, even empty
    bool json = false;         // list: one JSON object per line
};

// args: what follows "keys" ("create", "list", "revoke ID").
int runKeyCommand(const std::vector<std::string>& args, const KeyOptions& options, const HostSettings& settings);

}  // namespace orderhost::app
