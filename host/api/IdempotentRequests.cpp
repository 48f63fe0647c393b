#include "host/api/IdempotentRequests.h"

#include "host/api/CapturedResponse.h"
#include "host/api/ClientText.h"
#include "host/api/JsonReply.h"
#include "host/store/Clock.h"
#include "host/store/IdempotencyStore.h"
#include "host/store/StoreError.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>
#include <Poco/String.h>
#include <Poco/Thread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>

namespace orderhost::api {
namespace {
using Poco::Net::HTTPResponse;

constexpr std::size_t kMaxKeyBytes = 255;
constexpr int64_t kPurgeEveryMs = 60000;

using store::nowMs;

// The header's key, or an empty string after answering 400. Accepts a bare token and the
// structured-field string of the IETF draft (`"8e03978e-..."`).
std::string keyOf(const Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
    const auto first = request.find("Idempotency-Key");
    if (std::next(first) != request.end() && Poco::icompare(std::next(first)->first, "Idempotency-Key") == 0) {
        sendProblem(response, HTTPResponse::HTTP_BAD_REQUEST, "the Idempotency-Key header is given more than once");
        return {};
    }
    std::string key = first->second;
    if (key.size() >= 2 && key.front() == '"' && key.back() == '"') key = key.substr(1, key.size() - 2);
    const bool printable = std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7f; });
    if (key.empty() || key.size() > kMaxKeyBytes || !printable) {
        sendProblem(response, HTTPResponse::HTTP_BAD_REQUEST,
                    "the Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID is a good key), got '" +
                        clientText(key, 64) + "'");
        return {};
    }
    return key;
}

std::string fingerprint(const std::string& path, const std::string& body) {
    Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
    sha.update(path);
    sha.update('\n');
    sha.update(body);
    return Poco::DigestEngine::digestToHex(sha.digest());
}

void purgeNowAndThen(store::IdempotencyStore& keys, int64_t now) {
    static std::atomic<int64_t> lastPurge{0};
    int64_t last = lastPurge.load();
    if (now - last < kPurgeEveryMs || !lastPurge.compare_exchange_strong(last, now)) return;
    try {
        keys.purgeExpired(now);
    } catch (const std::exception& e) {
        spdlog::warn("could not delete expired idempotency keys (they are ignored anyway): {}", e.what());
    }
}

void sendReplay(const store::StoredReply& reply, Poco::Net::HTTPServerResponse& response) {
    response.setStatusAndReason(static_cast<HTTPResponse::HTTPStatus>(reply.status));
    response.setContentType(reply.contentType);
    if (!reply.location.empty()) response.set("Location", reply.location);
    response.set("Cache-Control", "no-store");
    response.set("Idempotent-Replayed", "true");
    response.setContentLength(static_cast<std::streamsize>(reply.body.size()));
    response.send() << reply.body;
}

// Runs the claimed request, keeps its reply unless it is a 409 or a 5xx, and sends it.
void runClaimed(store::IdempotencyStore& keys, const store::KeyId& id, int64_t claimedAtMs,
                Poco::Net::HTTPServerResponse& response,
                const std::function<void(Poco::Net::HTTPServerResponse&)>& endpoint) {
    CapturedResponse captured;
    try {
        endpoint(captured);
    } catch (...) {
        keys.release(id, claimedAtMs);  // the request failed: a repeat must run it, not replay a failure
        throw;
    }
    try {
        // Kept: what the request did (2xx) or a refusal of the request itself (4xx). Not kept:
        // a 409, which refused it for the order's state at that moment (running, not waiting
        // for this signal...) and nothing ran — a repeat asks again, as Stripe's keys do — and
        // a 5xx, after which a repeat must run it.
        if (captured.getStatus() >= 500 || captured.getStatus() == Poco::Net::HTTPResponse::HTTP_CONFLICT) {
            keys.release(id, claimedAtMs);
        } else {
            keys.complete(id, claimedAtMs,
                          {static_cast<int>(captured.getStatus()), captured.getContentType(),
                           captured.get("Location", ""), captured.body()});
        }
    } catch (const std::exception& e) {
        // The request did its work: its client gets the reply. A repeat then runs it again
        // (once the claim is released or abandoned), as without a key.
        spdlog::warn("the reply to {} with Idempotency-Key '{}' could not be kept: {}", id.route,
                     loggableText(id.key, 64), loggableText(e.what(), 1000));
        try {
            keys.release(id, claimedAtMs);
        } catch (const std::exception&) {
            // The claim is abandoned after store::kAbandonedClaimMs.
        }
    }
    sendCaptured(captured, response);
}

}  // namespace

void runIdempotent(ApiContext& context, const Poco::Net::HTTPServerRequest& request, const std::string& client,
                   const std::string& route, const std::string& path, const std::string& body,
                   Poco::Net::HTTPServerResponse& response,
                   const std::function<void(Poco::Net::HTTPServerResponse&)>& endpoint) {
    if (context.idempotency == nullptr || !request.has("Idempotency-Key")) return endpoint(response);
    const std::string key = keyOf(request, response);
    if (key.empty()) return;
    const store::KeyId id{client, route, key};
    const std::string hash = fingerprint(path, body);
    const int64_t ttlMs = int64_t{context.settings.idempotencyTtlSeconds} * 1000;
    const int64_t started = nowMs();
    purgeNowAndThen(*context.idempotency, started);
    for (int64_t pause = 5;; pause = std::min<int64_t>(pause * 2, 100)) {
        store::KeyClaim claim;
        try {
            claim = context.idempotency->claim(id, hash, nowMs(), ttlMs);
        } catch (const store::DatabaseUnavailableError&) {
            throw;  // 503 with Retry-After (ApiRequestHandler)
        } catch (const store::StoreError& e) {
            // Many requests with one key queue for the write lock (SQLite) or a session while
            // the first one runs its chain: a claim that timed out there waits like one that
            // found the key in progress, within the same deadline.
            if (nowMs() - started >= kWaitForFirstMs) throw;
            spdlog::debug("claiming Idempotency-Key '{}' failed, trying again: {}", loggableText(key, 64),
                          loggableText(e.what(), 1000));
            claim.outcome = store::ClaimOutcome::InProgress;
        }
        switch (claim.outcome) {
            case store::ClaimOutcome::Claimed:
                return runClaimed(*context.idempotency, id, claim.claimedAtMs, response, endpoint);
            case store::ClaimOutcome::Replay:
                return sendReplay(claim.reply, response);
            case store::ClaimOutcome::Mismatch:
                return sendProblem(response, HTTPResponse::HTTP_UNPROCESSABLE_ENTITY,
                                   "Idempotency-Key '" + clientText(key, 64) + "' was already used for a different " +
                                       route + " request (another path or body); send a new key for a new request");
            case store::ClaimOutcome::InProgress:
                break;
        }
        if (nowMs() - started >= kWaitForFirstMs) {
            response.set("Retry-After", "1");
            return sendProblem(response, HTTPResponse::HTTP_CONFLICT,
                               "the first request with Idempotency-Key '" + clientText(key, 64) +
                                   "' is still running; repeat this one later to get its reply");
        }
        Poco::Thread::sleep(static_cast<long>(pause));
    }
}

}  // namespace orderhost::api
