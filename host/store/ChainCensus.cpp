#include "host/store/ChainCensus.h"

#include "host/store/Database.h"

#include <Poco/Data/Statement.h>

using namespace Poco::Data::Keywords;

namespace orderhost::store {

std::vector<ChainInUse> unfinishedOrdersByChain(Database& db) {
    return db.withSession("count unfinished orders by chain", [](Poco::Data::Session& s) {
        std::vector<std::string> chains;
        std::vector<int> versions;
        std::vector<Poco::Int64> counts;
        s << "SELECT chain, chain_version, COUNT(*) FROM orders"
             " WHERE state IN ('received', 'in_progress', 'compensating', 'retry_wait', 'on_hold')"
             " GROUP BY chain, chain_version ORDER BY chain, chain_version",
            into(chains), into(versions), into(counts), now;
        std::vector<ChainInUse> inUse;
        for (std::size_t i = 0; i < chains.size(); ++i) inUse.push_back({chains[i], versions[i], counts[i]});
        return inUse;
    });
}

}  // namespace orderhost::store
