// Who is calling: the Authorization header of a request checked against api_keys (or the
// legacy shared api.token), with the rows kept in memory so a request costs no query.
//
// When keys are required: the host listens beyond loopback, api.require_keys is set, api.token
// is set, or a key was ever created (revoking every key does not open the host again).
// Otherwise (a fresh host on loopback, before its first key) every caller has every role, as
// before keys existed.
//
// Freshness: the table is read again when the copy is older than kRefreshMs (kOpenRefreshMs
// while the host is open, and at once when a key is shown to an open host), and a key id that
// is not in the copy is looked up by itself. So a new key works at once, the first key closes
// an open host within 0.2 s, and a
// revoked key stops working within kRefreshMs, on every host sharing the database. An id found
// in neither is remembered as unknown until the next full read (at most kMaxUnknownIds of
// them), so a flood of made-up keys costs one query per id and refresh, not one per request
// under the lock every authentication takes. When the
// table cannot be read, the copy read before stays in use (retried every second); before any
// successful read, requests get 503.
#pragma once

#include "host/api/ApiKeys.h"
#include "host/store/ApiKeyStore.h"

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace orderhost::api {

inline constexpr std::chrono::milliseconds kRefreshMs{2000}, kOpenRefreshMs{200};
inline constexpr std::size_t kMaxUnknownIds = 4096;

struct Caller {
    std::string keyId;  // "" for the open host and for api.token
    std::string name;   // the key's name; "api.token"; "" on the open host
    unsigned roles = kAllRoles;
    std::vector<std::string> chains;  // empty: any chain
};

// 401: no key, an unknown, malformed or revoked key.
struct Unauthenticated {
    std::string detail;
};

class ApiKeyCache {
public:
    // `keys` null: only api.token (tests of the handler without a database).
    ApiKeyCache(store::ApiKeyStore* keys, std::string legacyToken, bool alwaysRequired);

    // The caller of a request with this Authorization header ("" when absent); throws
    // Unauthenticated, or StoreError when the table cannot be read.
    Caller authenticate(const std::string& authorization);

private:
    struct Entry {
        store::ApiKeyRecord record;
        unsigned roles = 0;
        std::vector<std::string> chains;
    };
    // Under mutex_: reads the table when the copy is older than `maxAge`.
    void refreshIfOlder(std::chrono::milliseconds maxAge);
    bool required() const;  // under mutex_
    // Roles and chains parsed; nullopt (and a warning) for a row that does not parse.
    static std::optional<Entry> entryOf(store::ApiKeyRecord record);

    store::ApiKeyStore* keys_;
    const std::string legacyToken_;
    const bool alwaysRequired_;
    std::mutex mutex_;
    std::unordered_map<std::string, Entry> active_;  // by key id
    std::unordered_set<std::string> unknown_;        // ids looked up since the last read and not found
    std::chrono::steady_clock::time_point readAt_{};
    bool everRead_ = false;
    bool anyKeyEver_ = false;  // a row exists, revoked or not: keys stay required
};

}  // namespace orderhost::api
