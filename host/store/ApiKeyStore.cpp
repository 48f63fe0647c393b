#include "host/store/ApiKeyStore.h"

#include <Poco/Data/Statement.h>
#include <Poco/Nullable.h>

using namespace Poco::Data::Keywords;
using Poco::Data::Session;
using Poco::Data::Statement;

namespace orderhost::store {

void ApiKeyStore::insert(const ApiKeyRecord& key) {
    db_.withTransaction("create API key " + key.id, [&](Session& s) {
        ApiKeyRecord k = key;
        s << "INSERT INTO api_keys (id, name, secret_hash, roles, chains, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            bind(k.id), bind(k.name), bind(k.secretHash), bind(k.roles), bind(k.chains), bind(k.createdAtMs), now;
    });
}

std::vector<ApiKeyRecord> ApiKeyStore::list() { return read("read API keys", ""); }

std::optional<ApiKeyRecord> ApiKeyStore::find(const std::string& id) {
    std::vector<ApiKeyRecord> found = read("read API key " + id, id);
    if (found.empty()) return std::nullopt;
    return found.front();
}

std::vector<ApiKeyRecord> ApiKeyStore::read(const std::string& what, const std::string& id) {
    return db_.withSession(what, [&](Session& s) {
        std::vector<std::string> ids, names, hashes, roles;
        std::vector<Poco::Nullable<std::string>> chains;  // SQLite's driver reads '' back as NULL
        std::vector<Poco::Int64> created;
        std::vector<Poco::Nullable<Poco::Int64>> revoked;
        std::string bound = id;
        Statement st(s);
        st << "SELECT id, name, secret_hash, roles, chains, created_at, revoked_at FROM api_keys"
           << (id.empty() ? "" : " WHERE id = ?") << " ORDER BY created_at, id";
        if (!id.empty()) st, bind(bound);
        st, into(ids), into(names), into(hashes), into(roles), into(chains), into(created), into(revoked);
        st.execute();
        std::vector<ApiKeyRecord> keys(ids.size());
        for (std::size_t i = 0; i < ids.size(); ++i) {
            keys[i] = {ids[i],
                       names[i],
                       hashes[i],
                       roles[i],
                       chains[i].isNull() ? "" : chains[i].value(),
                       created[i],
                       revoked[i].isNull() ? 0 : revoked[i].value()};
        }
        return keys;
    });
}

bool ApiKeyStore::revoke(const std::string& id, std::int64_t nowMs) {
    bool revoked = false;
    db_.withTransaction("revoke API key " + id, [&](Session& s) {
        std::string bound = id;
        revoked =
            db_.dialect().changesOneRow(s, "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                                        [&](Statement& st) { st, bind(nowMs), bind(bound); });
    });
    return revoked;
}

}  // namespace orderhost::store
