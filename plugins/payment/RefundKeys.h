// The keys of one refund: <key>, then <key>:again-1, <key>:again-2, ... A gateway stores a
// refusal under its key as it stores a refund (Stripe stores a decline the same way), so the
// same key is refused forever, also once the cause is gone. A refusal moved no money: when the
// gateway answers a *replayed* refusal, the refund is asked again under the next key. Every
// walk starts at the first key, so a key that refunded is replayed, never repeated; a fresh
// refusal ends the walk. A new key is asked only while the gateway has refunded exactly what the
// order accounts for; money it does not account for is either this walk's (a later key refunded
// with its answer lost: the walk replays up to it) or someone else's (a refund by hand): then the
// step FAILs for a person instead of refunding twice. Used by refund-return (RefundReturn.h) and
// by the undo of a captured payment (PaymentStep.h): both keep their refunds on these keys. A key
// the gateway says was asked with another amount (kKeyReused) is passed like a replayed refusal
// when it refunded nothing.
#pragma once

#include "Gateway.h"
#include "HandRefund.h"
#include "PaymentSettings.h"

#include <orderhost/sdk.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

namespace orderhost::payment {

// How many keys one refund may use.
constexpr int kMaxKeyGenerations = 16;

inline std::string keyAt(const std::string& key, int generation) {
    return generation == 0 ? key : key + kRefundKeyAgain + std::to_string(generation);
}

// What a walk ended with: `stop` when the step must stop there (the gateway could not be asked
// what it refunded; money the order does not account for; every key refused), else the
// gateway's last answer (done, a fresh refusal, unavailable) and the key it answered.
struct RefundWalk {
    std::optional<sdk::Outcome> stop;
    GatewayReply reply;
    std::string used;
};

// What the FAIL messages of a walk say: `what` ("the refund of RMA R-1"), and what a person does
// when money was refunded that the order does not account for (`byHand`) and when every key
// was refused (`exhausted`).
struct RefundWalkTexts {
    std::string what;
    std::string byHand;
    std::string exhausted;
};

// Generation `generation` (> 0) of `key` may be new to the gateway: asked only while the
// gateway's refunds equal `accounted` (what the order records, acknowledged refunds included),
// or when a later key of this walk stands among its refunds (`sentUpTo` moves up to it).
inline std::optional<sdk::Outcome> mayAskNewKey(const Gateway& gateway, const std::string& id, const std::string& key,
                                                int generation, std::int64_t accounted, int& sentUpTo,
                                                const RefundWalkTexts& texts) {
    const GatewayReply now = gateway.lookup(id);
    if (now.kind == GatewayReply::Kind::unavailable) return retryLater(now, "lookup");
    if (now.kind != GatewayReply::Kind::done) return refusedByGateway(now, "lookup");
    if (now.refundedMinor == accounted) return std::nullopt;
    const RefundList made = gateway.refunds(id);
    if (std::optional<sdk::Outcome> stop = refundListFailure(made)) return stop;
    for (int later = kMaxKeyGenerations - 1; later >= generation; --later) {
        const std::string asked = keyAt(key, later);
        if (std::none_of(made.refunds.begin(), made.refunds.end(), [&](const GatewayRefund& refund) {
                return refund.idempotencyKey == asked && refundStands(refund);
            }))
            continue;
        sentUpTo = later;
        return std::nullopt;
    }
    return sdk::Outcome::fail("refund_unreconciled",
                              "the gateway refused " + texts.what + " before, and has refunded " +
                                  std::to_string(now.refundedMinor) + " minor units of authorization " + id +
                                  " where the order records " + std::to_string(accounted) +
                                  ", none of the difference under this refund's keys (a refund made by hand?): "
                                  "asking could refund twice; " +
                                  texts.byHand);
}

// The gateway's answer to a key asked before with another body (Stripe answers such a reuse
// with an error too). The amount of a refund changes when a person acknowledges a refund made
// by hand after the key was asked (HandRefund.h): what is left is less.
constexpr char kKeyReused[] = "idempotency_key_reused";

// `used` was asked before with another amount: nullopt when that request moved no money (it was
// refused, so the walk goes on as after a replayed refusal), else the outcome that stops it.
inline std::optional<sdk::Outcome> reusedKeyMovedNothing(const Gateway& gateway, const std::string& id,
                                                         const std::string& used, const RefundWalkTexts& texts) {
    const RefundList made = gateway.refunds(id);
    if (std::optional<sdk::Outcome> stop = refundListFailure(made)) return stop;
    for (const GatewayRefund& refund : made.refunds)
        if (refund.idempotencyKey == used && refundStands(refund))
            return sdk::Outcome::fail("refund_unreconciled",
                                      "the gateway holds a refund of " + std::to_string(refund.amountMinor) +
                                          " minor units (" + refund.id + ") under the key of " + texts.what + " (" +
                                          used +
                                          "), asked before for another amount, which the order does not "
                                          "record (its answer lost?): asking again could refund twice; " +
                                          texts.byHand);
    return std::nullopt;
}

// Refunds `amount` on authorization `id` under the keys of `key`, from the first (see above).
// `gatewayFor()` gives the gateway for each request, its timeout what is left of the step's.
template <typename GatewayFor>
RefundWalk refundUnderKeys(const GatewayFor& gatewayFor, const std::string& id, std::int64_t amount,
                           const std::string& key, std::int64_t accounted, const RefundWalkTexts& texts) {
    RefundWalk walk;
    int sentUpTo = 0;  // generations asked before (refused, or refunded with the answer lost)
    for (int generation = 0;; ++generation) {
        walk.used = keyAt(key, generation);
        if (generation > sentUpTo) {
            walk.stop = mayAskNewKey(gatewayFor(), id, key, generation, accounted, sentUpTo, texts);
            if (walk.stop) return walk;
        }
        walk.reply = gatewayFor().refund(id, amount, walk.used);
        const bool refused = walk.reply.kind == GatewayReply::Kind::refused;
        if (refused && walk.reply.errorCode == kKeyReused) {
            walk.stop = reusedKeyMovedNothing(gatewayFor(), id, walk.used, texts);
            if (walk.stop) return walk;
        } else if (!refused || !walk.reply.replayed) {
            return walk;
        }
        if (generation + 1 == kMaxKeyGenerations) {
            walk.stop = sdk::Outcome::fail("gateway_refused_refund", "the gateway refused " + texts.what + " " +
                                                                         std::to_string(kMaxKeyGenerations) +
                                                                         " times; " + texts.exhausted);
            return walk;
        }
    }
}

}  // namespace orderhost::payment
