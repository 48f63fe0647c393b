// API keys of the HTTP API (issue 13 item 3), rows of api_keys (Migrations.cpp, "api keys").
// A key is shown once, when it is made; the table keeps only a hash of its secret
// (api/ApiKeys.h makes keys and checks them). Created, listed and revoked with
// `orderhost keys create|list|revoke`; the host reads the table (api/ApiKeyCache.h).
// Thread-safe: each call takes its own session.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "host/store/Database.h"

namespace orderhost::store {

struct ApiKeyRecord {
    std::string id;          // public part of the key: "ohk_<id>_<secret>"
    std::string name;        // who or what holds it ("erp-production")
    std::string secretHash;  // hex of the secret's hash (api/ApiKeys.h)
    std::string roles;       // comma-separated: erp, viewer, admin
    std::string chains;      // comma-separated chain names the key is limited to; "" = any chain
    std::int64_t createdAtMs = 0;
    std::int64_t revokedAtMs = 0;  // 0: active
};

class ApiKeyStore {
public:
    explicit ApiKeyStore(Database& db) : db_(db) {}

    // Throws StoreError when the id exists already.
    void insert(const ApiKeyRecord& key);
    // Every key, revoked ones included, oldest first.
    std::vector<ApiKeyRecord> list();
    // The key with this id, revoked or not; nullopt when there is none.
    std::optional<ApiKeyRecord> find(const std::string& id);
    // Sets revoked_at; false when no active key has this id.
    bool revoke(const std::string& id, std::int64_t nowMs);

private:
    // Every key, or the one with `id` when it is not empty.
    std::vector<ApiKeyRecord> read(const std::string& what, const std::string& id);

    Database& db_;
};

}  // namespace orderhost::store
