#include "host/api/ApiKeyCache.h"

#include <spdlog/spdlog.h>

namespace orderhost::api {

ApiKeyCache::ApiKeyCache(store::ApiKeyStore* keys, std::string legacyToken, bool alwaysRequired)
    : keys_(keys), legacyToken_(std::move(legacyToken)), alwaysRequired_(alwaysRequired) {}

void ApiKeyCache::refreshIfOlder(std::chrono::milliseconds maxAge) {
    if (keys_ == nullptr) return;
    const auto now = std::chrono::steady_clock::now();
    if (everRead_ && now - readAt_ < maxAge) return;
    std::unordered_map<std::string, Entry> active;
    std::vector<store::ApiKeyRecord> rows = keys_->list();
    anyKeyEver_ = !rows.empty();
    for (store::ApiKeyRecord& record : rows) {
        if (record.revokedAtMs != 0) continue;
        Entry entry;
        try {
            entry.roles = parseRoles(record.roles);
            entry.chains = parseChainList(record.chains);
        } catch (const std::invalid_argument& e) {
            // Written by hand into the table: the key stays unusable rather than too powerful.
            spdlog::warn("API key {} ignored: {}", record.id, e.what());
            continue;
        }
        const std::string id = record.id;
        entry.record = std::move(record);
        active.emplace(id, std::move(entry));
    }
    active_ = std::move(active);
    readAt_ = now;
    everRead_ = true;
}

bool ApiKeyCache::required() const { return alwaysRequired_ || !legacyToken_.empty() || anyKeyEver_; }

std::size_t ApiKeyCache::activeKeys() {
    const std::lock_guard<std::mutex> lock(mutex_);
    refreshIfOlder(kRefreshMs);
    return active_.size();
}

Caller ApiKeyCache::authenticate(const std::string& authorization) {
    const std::string prefix = "Bearer ";
    const bool bearer = authorization.compare(0, prefix.size(), prefix) == 0;
    const std::string presented = bearer ? authorization.substr(prefix.size()) : std::string();
    const std::lock_guard<std::mutex> lock(mutex_);
    // Open, the host looks for a first key more often: it must not stay open long after one.
    refreshIfOlder(required() ? kRefreshMs : kMissRefreshMs);
    if (!required()) return Caller{};
    if (authorization.empty()) throw Unauthenticated{"this endpoint needs an API key: Authorization: Bearer <key>"};
    if (!bearer) throw Unauthenticated{"the Authorization header must be 'Bearer <key>'"};
    if (!legacyToken_.empty() && sameSecret(presented, legacyToken_)) return Caller{"", "api.token", kAllRoles, {}};
    std::string id, secret;
    if (!splitApiKey(presented, id, secret)) throw Unauthenticated{"missing or wrong API key"};
    const std::string hash = hashSecret(secret);  // before the lookup: known and unknown ids take as long
    auto found = active_.find(id);
    if (found == active_.end()) {
        refreshIfOlder(kMissRefreshMs);  // made a moment ago, perhaps on another host
        found = active_.find(id);
    }
    // The same answer for an unknown, revoked or wrong key: a caller learns nothing about ids.
    if (found == active_.end() || !sameSecret(hash, found->second.record.secretHash))
        throw Unauthenticated{"missing or wrong API key"};
    return Caller{id, found->second.record.name, found->second.roles, found->second.chains};
}

}  // namespace orderhost::api
