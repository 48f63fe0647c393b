#include "host/store/ChainFingerprints.h"

#include "host/store/Database.h"

#include <Poco/Data/Statement.h>

#include <chrono>

using namespace Poco::Data::Keywords;

namespace orderhost::store {

std::vector<ChainPrint> recordedOtherwise(Database& db, const std::vector<ChainPrint>& loaded) {
    return db.withSession("read chain fingerprints", [&](Poco::Data::Session& s) {
        std::vector<std::string> chains, prints;
        std::vector<int> versions;
        s << "SELECT chain, chain_version, fingerprint FROM chain_fingerprints", into(chains), into(versions),
            into(prints), now;
        std::vector<ChainPrint> differing;
        for (const ChainPrint& print : loaded)
            for (std::size_t i = 0; i < chains.size(); ++i)
                if (chains[i] == print.chain && versions[i] == print.version && prints[i] != print.fingerprint)
                    differing.push_back({chains[i], versions[i], prints[i]});
        return differing;
    });
}

void recordChainPrints(Database& db, const std::vector<ChainPrint>& prints) {
    const Poco::Int64 nowMs =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    db.withSession("record chain fingerprints", [&](Poco::Data::Session& s) {
        for (const ChainPrint& print : prints) {
            std::string chain = print.chain, fingerprint = print.fingerprint;
            int version = print.version;
            Poco::Int64 at = nowMs;
            // ON CONFLICT: two hosts starting at once on one PostgreSQL database.
            s << "INSERT INTO chain_fingerprints (chain, chain_version, fingerprint, recorded_at)"
                 " VALUES (?, ?, ?, ?) ON CONFLICT (chain, chain_version) DO UPDATE SET"
                 " fingerprint = excluded.fingerprint, recorded_at = excluded.recorded_at",
                use(chain), use(version), use(fingerprint), use(at), now;
        }
        return 0;
    });
}

}  // namespace orderhost::store
