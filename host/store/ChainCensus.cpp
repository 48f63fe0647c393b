#include "host/store/ChainCensus.h"

#include "host/store/Database.h"

#include <Poco/Data/Statement.h>

using namespace Poco::Data::Keywords;

namespace orderhost::store {

namespace {

std::vector<ChainInUse> countByChain(Database& db, const char* what, const std::string& where) {
    return db.withSession(what, [&](Poco::Data::Session& s) {
        std::vector<std::string> chains;
        std::vector<int> versions;
        std::vector<Poco::Int64> counts;
        s << "SELECT chain, chain_version, COUNT(*) FROM orders WHERE " + where +
                 " GROUP BY chain, chain_version ORDER BY chain, chain_version",
            into(chains), into(versions), into(counts), now;
        std::vector<ChainInUse> inUse;
        for (std::size_t i = 0; i < chains.size(); ++i) inUse.push_back({chains[i], versions[i], counts[i]});
        return inUse;
    });
}

}  // namespace

std::vector<ChainInUse> unfinishedOrdersByChain(Database& db) {
    return countByChain(db, "count unfinished orders by chain",
                        "state IN ('received', 'in_progress', 'compensating', 'retry_wait', 'on_hold')");
}

std::vector<ChainInUse> boundOrdersByChain(Database& db) {
    return countByChain(db, "count orders bound to their chain's steps", "state NOT IN ('cancelled', 'rejected')");
}

}  // namespace orderhost::store
