// Idempotency keys of the HTTP API (issue 13 item 2): the first request with a key runs and
// its reply is kept; a repeat with the same key gets that reply again, a different request
// with it is refused. Rows live in idempotency_keys (Migrations.cpp, "idempotency keys").
//
//   IdempotencyStore keys(db);
//   const KeyClaim claim = keys.claim({"*", "POST /v1/orders", key}, requestHash, now, ttlMs);
//   switch (claim.outcome) {
//       case ClaimOutcome::Claimed: ... run the request ...; keys.complete(id, reply, now); break;
//       case ClaimOutcome::Replay: ... send claim.reply ...; break;
//       ...
//   }
//
// Claims are rows, so they hold across threads, restarts and hosts sharing the database: of
// many requests with one key exactly one is Claimed. A claim whose request never finished (its
// host died) is abandoned after kAbandonedClaimMs and may be claimed again.
// Thread-safe: each call takes its own session.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "host/store/Database.h"

namespace orderhost::store {

// How long a claim whose request has not finished keeps others out.
inline constexpr int64_t kAbandonedClaimMs = 5 * 60 * 1000;

// Which key: scoped by the API client (its API key's id; "*" for api.token and an open host)
// and by the route ("POST /v1/orders").
struct KeyId {
    std::string client;
    std::string route;
    std::string key;  // 1 to 255 bytes, checked by the caller (the HTTP boundary)
};

// A reply as it was sent the first time.
struct StoredReply {
    int status = 0;
    std::string contentType;
    std::string location;  // the Location header; empty when there was none
    std::string body;
};

enum class ClaimOutcome {
    Claimed,     // this request runs; complete() or release() it
    Replay,      // the key's request finished: `reply` is its reply
    Mismatch,    // the key was used for a different request (another path or body)
    InProgress,  // the key's first request is still running
};

struct KeyClaim {
    ClaimOutcome outcome = ClaimOutcome::Claimed;
    StoredReply reply;        // Replay only
    int64_t claimedAtMs = 0;  // Claimed only: names this claim for complete() and release()
};

class IdempotencyStore {
public:
    explicit IdempotencyStore(Database& db) : db_(db) {}

    // Claims `id` for a request whose fingerprint is `requestHash` (64 bytes at most), or says
    // why not. An expired key (a reply older than `ttlMs`) or an abandoned claim is replaced; a
    // claim still running never expires before it is abandoned (kAbandonedClaimMs).
    KeyClaim claim(const KeyId& id, const std::string& requestHash, int64_t nowMs, int64_t ttlMs);

    // Keeps the claimed request's reply; repeats get it until the key expires. `claimedAtMs`:
    // the claim's (KeyClaim); a claim abandoned and taken by another request since is left alone.
    void complete(const KeyId& id, int64_t claimedAtMs, const StoredReply& reply);

    // Forgets a claim whose request ended without a reply worth keeping (a 5xx, an
    // exception): a repeat runs the request again. Only this claim (`claimedAtMs`).
    void release(const KeyId& id, int64_t claimedAtMs);

    // Deletes every key that expired at or before `nowMs`.
    void purgeExpired(int64_t nowMs);

private:
    std::optional<KeyClaim> classify(Poco::Data::Session& s, const std::string& op, const KeyId& id,
                                     const std::string& requestHash, int64_t nowMs);

    Database& db_;
};

}  // namespace orderhost::store
