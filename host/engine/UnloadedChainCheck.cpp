#include "host/engine/UnloadedChainCheck.h"

#include "host/store/ChainCensus.h"

#include <spdlog/spdlog.h>

#include <set>

namespace orderhost::engine {
namespace {
const std::string kKeyPrefix = "unloaded-chain:";
}  // namespace

std::int64_t checkUnloadedChains(Engine& engine) {
    std::int64_t waiting = 0;
    std::set<std::string> current;
    const std::shared_ptr<const ChainSet> chains = engine.chains();
    for (const store::ChainInUse& used : store::unfinishedOrdersByChain(engine.store().database())) {
        if (chains->find(used.chain, used.version) != nullptr) continue;
        waiting += used.orders;
        const std::string name = used.chain + " v" + std::to_string(used.version);
        const std::string key = kKeyPrefix + name;
        current.insert(key);
        const std::string description = std::to_string(used.orders) + " unfinished order(s) on chain " + name +
                                        ", which this host does not load: they wait for a host that does";
        if (engine.problems().report(key, description))
            spdlog::warn("{} (load the chain's file in chains.folder, or run them on a host that has it)", description);
    }
    for (const std::string& key : engine.problems().keysWithPrefix(kKeyPrefix)) {
        if (current.count(key) != 0) continue;
        engine.problems().clear(key);
        spdlog::info("no unfinished order waits on chain {} any more", key.substr(kKeyPrefix.size()));
    }
    return waiting;
}

}  // namespace orderhost::engine
