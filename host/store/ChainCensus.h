// Which chains the unfinished orders in the database are on, counted per chain version: so a
// host can notice orders that wait for a chain it does not load (nobody may ever run them).
//
//   for (const ChainInUse& c : unfinishedOrdersByChain(db)) if (!loaded(c)) warn(c);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace orderhost::store {

class Database;

struct ChainInUse {
    std::string chain;
    int version = 0;
    std::int64_t orders = 0;  // not in a final state, nor completed
};

// Orders in received, in_progress, compensating, retry_wait or on_hold, grouped by chain and
// version. Throws StoreError.
std::vector<ChainInUse> unfinishedOrdersByChain(Database& db);

// Orders whose steps may still run or be undone, by chain and version: every state but
// cancelled and rejected (a failed or completed order can still be cancelled, its undo walking
// the version's steps by position). Throws StoreError.
std::vector<ChainInUse> boundOrdersByChain(Database& db);

}  // namespace orderhost::store
