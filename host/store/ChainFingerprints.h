// The fingerprint of every chain version a host served (its steps' names, plugins and kinds in
// order, hashed: engine::refuseEditedVersions), kept in chain_fingerprints, so that a restart can
// tell a chain file edited in place (same name and version, other steps) from the version its
// unfinished orders started on. Orders keep their place by step position; bound to other steps
// they would run, or skip, the wrong ones.
//
//   for (const ChainPrint& was : recordedOtherwise(db, loaded)) refuse(was);
//   recordChainPrints(db, kept);
#pragma once

#include <string>
#include <vector>

namespace orderhost::store {

class Database;

struct ChainPrint {
    std::string chain;
    int version = 0;
    std::string fingerprint;  // SHA-256, hex
};

// The recorded prints of `loaded`'s versions whose fingerprint differs (as recorded). Throws StoreError.
std::vector<ChainPrint> recordedOtherwise(Database& db, const std::vector<ChainPrint>& loaded);

// Records `prints` as the versions are now (a differing record is replaced: callers pass only
// versions no unfinished order depends on otherwise). Throws StoreError.
void recordChainPrints(Database& db, const std::vector<ChainPrint>& prints);

}  // namespace orderhost::store
