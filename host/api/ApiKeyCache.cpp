#include "host/api/ApiKeyCache.h"

#include <Poco/String.h>
#include <spdlog/spdlog.h>

namespace orderhost::api {

ApiKeyCache::ApiKeyCache(store::ApiKeyStore* keys, std::string legacyToken, bool alwaysRequired)
    : keys_(keys), legacyToken_(std::move(legacyToken)), alwaysRequired_(alwaysRequired) {}

std::optional<ApiKeyCache::Entry> ApiKeyCache::entryOf(store::ApiKeyRecord record) {
    Entry entry;
    try {
        entry.roles = parseRoles(record.roles);
        entry.chains = parseChainList(record.chains);
    } catch (const std::invalid_argument& e) {
        // Written by hand into the table: the key stays unusable rather than too powerful.
        spdlog::warn("API key {} ignored: {}", record.id, e.what());
        return std::nullopt;
    }
    entry.record = std::move(record);
    return entry;
}

void ApiKeyCache::refreshIfOlder(std::chrono::milliseconds maxAge) {
    if (keys_ == nullptr) return;
    const auto now = std::chrono::steady_clock::now();
    if (everRead_ && now - readAt_ < maxAge) return;
    std::unordered_map<std::string, Entry> active;
    std::vector<store::ApiKeyRecord> rows;
    try {
        rows = keys_->list();
    } catch (const std::exception& e) {
        if (!everRead_) throw;  // nothing to go by: the request gets 503
        // Keep the copy (a key revoked meanwhile works until the database answers again) and
        // ask again in a second, not on every request: during an outage each read can wait for
        // a connect timeout while holding the lock.
        readAt_ = now - kRefreshMs + std::chrono::seconds(1);
        spdlog::warn("API keys: reading api_keys failed, the keys read before stay in use: {}", e.what());
        return;
    }
    anyKeyEver_ = !rows.empty();
    for (store::ApiKeyRecord& record : rows) {
        if (record.revokedAtMs != 0) continue;
        const std::string id = record.id;
        if (std::optional<Entry> entry = entryOf(std::move(record))) active.emplace(id, std::move(*entry));
    }
    active_ = std::move(active);
    unknown_.clear();  // a key made since may have one of these ids
    readAt_ = now;
    everRead_ = true;
}

bool ApiKeyCache::required() const { return alwaysRequired_ || !legacyToken_.empty() || anyKeyEver_; }

Caller ApiKeyCache::authenticate(const std::string& authorization) {
    const std::string prefix = "bearer ";  // the scheme name is case-insensitive (RFC 9110 §11.1)
    const bool bearer =
        authorization.size() >= prefix.size() && Poco::icompare(authorization.substr(0, prefix.size()), prefix) == 0;
    const std::string presented = bearer ? authorization.substr(prefix.size()) : std::string();
    const std::lock_guard<std::mutex> lock(mutex_);
    // Open, the host looks for a first key more often: it must not stay open long after one.
    refreshIfOlder(required() ? kRefreshMs : kOpenRefreshMs);
    // A key shown to a host that looks open is a key made a moment ago: read the table now,
    // so that key gets its own roles and chains, not the open host's "everything".
    if (!required() && presented.rfind("ohk_", 0) == 0) refreshIfOlder(std::chrono::milliseconds(0));
    if (!required()) return Caller{};
    if (authorization.empty()) throw Unauthenticated{"this endpoint needs an API key: Authorization: Bearer <key>"};
    if (!bearer) throw Unauthenticated{"the Authorization header must be 'Bearer <key>'"};
    if (!legacyToken_.empty() && sameSecret(presented, legacyToken_)) return Caller{"", "api.token", kAllRoles, {}};
    std::string id, secret;
    if (!splitApiKey(presented, id, secret)) throw Unauthenticated{"missing or wrong API key"};
    const std::string hash = hashSecret(secret);  // before the lookup: known and unknown ids take as long
    auto found = active_.find(id);
    if (found == active_.end() && keys_ != nullptr && unknown_.count(id) == 0) {
        // Made a moment ago, perhaps on another host: one row by its key, so that a new key
        // works at once (and unknown ids cost one indexed read, not the table).
        if (std::optional<store::ApiKeyRecord> row = keys_->find(id); row && row->revokedAtMs == 0) {
            if (std::optional<Entry> entry = entryOf(std::move(*row)))
                found = active_.emplace(id, std::move(*entry)).first;
        }
        if (found == active_.end()) {
            if (unknown_.size() >= kMaxUnknownIds) unknown_.clear();  // bounded: a flood costs queries, not memory
            unknown_.insert(id);
        }
    }
    // The same answer for an unknown, revoked or wrong key: a caller learns nothing about ids.
    if (found == active_.end() || !sameSecret(hash, found->second.record.secretHash))
        throw Unauthenticated{"missing or wrong API key"};
    return Caller{id, found->second.record.name, found->second.roles, found->second.chains};
}

}  // namespace orderhost::api
