// Refunds a person made at the gateway by hand (its dashboard), told to refund-return by an
// administrator's manual action, so the order records the money it paid back:
//
//   POST /v1/orders/{id}/signals/manual_action
//   {"action": "retry", "note": "refunded by hand, ticket 4711",
//    "data": {"refunded_by_hand": [{"rma_number": "RMA-000012", "refund_id": "re_1b2c..."}]}}
//
// (one claim may also be given as an object instead of a list; a return paid in several refunds
// lists them: "refund_id": ["re_1", "re_2"], HandRefundParts.h). The host stores "data" at
// /signals/manual_action before the order moves on (a retried run or undo reads it). The step never takes the
// administrator's word for money: it records a named refund only when the gateway lists a
// succeeded refund with that id on the order's authorization, in the order's currency, for
// exactly the amount that return is owed, asked under a key that is none of this step's own
// refunds, not recorded for another return already, and while no refund under that return's own
// keys exists (that one was made by the step, its answer lost: recording the hand refund too
// would hide a double refund). Otherwise it FAILs refund_by_hand_unconfirmed saying which of
// these did not hold, and records nothing. A malformed claim, or one naming a return this order
// does not owe, FAILs the same way before any gateway call: a typo must not let the step ask
// for money the person already paid back.
//
// Refunds at the gateway that are no return's (goodwill, a refunded shipping fee) are
// acknowledged instead: data {"acknowledged_refunds": ["re_..."]}. Before any refund's first
// key the step compares the gateway's refunds of the authorization with what the order
// accounts for (reconcileBeforeAsking, below) and stops at refund_unreconciled, naming each
// refund it cannot place, until a manual action names each one way or the other.
#pragma once

#include "Gateway.h"
#include "PaymentRecords.h"
#include "PaymentSettings.h"

#include <orderhost/sdk.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace orderhost::payment {

// The infix of a refund's later keys: <key>:again-1, <key>:again-2, ... (RefundReturn.h).
constexpr char kRefundKeyAgain[] = ":again-";

// Whether `candidate` is the refund key `key` or one of its later generations (<key>:again-<digits>).
inline bool isKeyOfRefund(const std::string& key, const std::string& candidate) {
    const std::string later = key + kRefundKeyAgain;
    if (candidate == key) return true;
    // <key>:again-<digits> only: an RMA number ending in ":again-" must not match another's.
    return candidate.size() > later.size() && candidate.compare(0, later.size(), later) == 0 &&
           candidate.find_first_not_of("0123456789", later.size()) == std::string::npos;
}

// Whether a listed refund moved or will move money (a real gateway also lists failed and
// canceled ones; the simulator lists only succeeded ones).
inline bool refundStands(const GatewayRefund& refund) {
    return refund.status != "failed" && refund.status != "canceled";
}

// How many refunds one return may have been paid in by hand (a claim's list of refund ids).
constexpr std::size_t kMaxRefundParts = 16;

// The refunds the last manual action named: RMA number → the refund ids that paid it (one, or
// the parts of a return refunded in several refunds). `error` says what is wrong with a claim
// that is there but malformed.
struct HandRefundClaims {
    std::map<std::string, std::vector<std::string>> byRma;
    std::string error;
};

inline HandRefundClaims handRefundClaims(const sdk::OrderDocument& order) {
    HandRefundClaims claims;
    const std::string at = "/signals/manual_action/refunded_by_hand";
    if (!order.has(at)) return claims;
    const auto stringAt = [&](const std::string& pointer) -> std::optional<std::string> {
        const std::optional<std::string> json = order.optionalJson(pointer);
        if (!json || sdk::jsonTypeOf(*json) != sdk::JsonType::string) return std::nullopt;
        return order.optionalString(pointer);
    };
    const auto claimAt = [&](const std::string& pointer) {
        if (order.type(pointer) != sdk::JsonType::object) {  // members of a non-object cannot be read
            claims.error = pointer + " must be an object {rma_number, refund_id}";
            return;
        }
        const std::optional<std::string> rma = stringAt(pointer + "/rma_number");
        const std::string idAt = pointer + "/refund_id";
        std::vector<std::string> ids;
        if (order.has(idAt) && order.type(idAt) == sdk::JsonType::array) {  // a return paid in several refunds
            for (std::size_t i = 0; i < order.size(idAt); ++i) {
                const std::optional<std::string> id = stringAt(idAt + "/" + std::to_string(i));
                if (!id || id->empty() || std::find(ids.begin(), ids.end(), *id) != ids.end()) {
                    claims.error = idAt + "/" + std::to_string(i) + " must be a refund id not named before in the list";
                    return;
                }
                ids.push_back(*id);
            }
            if (ids.empty() || ids.size() > kMaxRefundParts) {
                claims.error = idAt + " must list 1 to " + std::to_string(kMaxRefundParts) + " refund ids";
                return;
            }
        } else if (const std::optional<std::string> id = stringAt(idAt); id && !id->empty()) {
            ids.push_back(*id);
        }
        if (!rma || rma->empty() || ids.empty()) {
            claims.error = pointer + " needs a string rma_number and a refund_id (a string, or a list of the " +
                           "refunds that paid the return in parts)";
        } else if (!claims.byRma.emplace(*rma, ids).second) {
            claims.error = pointer + " names RMA " + *rma + " a second time";
        }
    };
    if (order.type(at) == sdk::JsonType::array) {
        for (std::size_t i = 0; i < order.size(at) && claims.error.empty(); ++i) claimAt(at + "/" + std::to_string(i));
    } else {
        claimAt(at);
    }
    if (claims.byRma.empty() && claims.error.empty()) claims.error = at + " names no refund";
    return claims;
}

// "a, b, c": RMA numbers or refund ids in a message.
inline std::string joined(const std::vector<std::string>& items) {
    std::string text;
    for (const std::string& item : items) text += (text.empty() ? "" : ", ") + item;
    return text;
}

// The outcome to stop with when the gateway could not list an authorization's refunds
// (unavailable: ask again later); nullopt when `made` is known.
inline std::optional<sdk::Outcome> refundListFailure(const RefundList& made) {
    if (made.known) return std::nullopt;
    if (made.failure.kind == GatewayReply::Kind::unavailable) return retryLater(made.failure, "refund_list");
    return refusedByGateway(made.failure, "refund_list");
}

// Whether `refundId` is the refund_id of an entry of the array at `array` (/payment/refunds:
// recorded for a return; /payment/acknowledged_refunds: acknowledged as no return's).
inline bool refundListedIn(const sdk::OrderDocument& order, const std::string& array, const std::string& refundId) {
    const std::size_t count = order.has(array) ? order.size(array) : 0;
    for (std::size_t i = 0; i < count; ++i)
        if (order.optionalString(array + "/" + std::to_string(i) + "/refund_id").value_or("") == refundId) return true;
    return false;
}

// The money of the refunds acknowledged as no return's (/payment/acknowledged_refunds).
inline std::int64_t acknowledgedMinor(const sdk::OrderDocument& order) {
    const std::string array = "/payment/acknowledged_refunds";
    std::int64_t sum = 0;
    const std::size_t count = order.has(array) ? order.size(array) : 0;
    for (std::size_t i = 0; i < count; ++i)
        sum += order.optionalInteger(array + "/" + std::to_string(i) + "/amount_minor").value_or(0);
    return sum;
}

// /payment/status after money went back: "refunded" once returns' refunds and acknowledged
// refunds add up to what was captured, else "partially_refunded".
inline void setRefundedStatus(const sdk::OrderDocument& order) {
    const std::int64_t back = order.optionalInteger("/payment/refunded_minor").value_or(0) + acknowledgedMinor(order);
    order.set("/payment/status", back >= order.integer("/payment/captured_minor") ? "refunded" : "partially_refunded");
}

// Refunds at the gateway that belong to no return (goodwill, a refunded shipping fee), which the
// last manual action acknowledged: data.acknowledged_refunds, a list of refund ids (or one id).
// refund-return then records them at /payment/acknowledged_refunds and they stop no refund of
// this order again. `error` says what is wrong with a list that is there but malformed.
struct AcknowledgedRefunds {
    std::vector<std::string> ids;
    std::string error;
};

inline AcknowledgedRefunds acknowledgedRefunds(const sdk::OrderDocument& order) {
    AcknowledgedRefunds acknowledged;
    const std::string at = "/signals/manual_action/acknowledged_refunds";
    if (!order.has(at)) return acknowledged;
    const auto idAt = [&](const std::string& pointer) {
        const std::optional<std::string> id =
            order.type(pointer) == sdk::JsonType::string ? order.optionalString(pointer) : std::optional<std::string>();
        if (!id || id->empty() || id->size() > 64) {  // 64: its payment_records key stays within 200
            acknowledged.error = pointer + " must be a refund id (a string of 1 to 64 bytes)";
        } else if (std::find(acknowledged.ids.begin(), acknowledged.ids.end(), *id) == acknowledged.ids.end()) {
            acknowledged.ids.push_back(*id);
        }
    };
    if (order.type(at) == sdk::JsonType::array) {
        for (std::size_t i = 0; i < order.size(at) && acknowledged.error.empty(); ++i)
            idAt(at + "/" + std::to_string(i));
    } else {
        idAt(at);
    }
    if (acknowledged.ids.empty() && acknowledged.error.empty()) acknowledged.error = at + " names no refund";
    return acknowledged;
}

// The standing refunds in `made` that the order does not account for: not asked for by this step
// (keys starting with `ownPrefix`, whose unrecorded ones it replays), not recorded for a return,
// not acknowledged. A person made them; refunding a return beside them could pay twice.
inline std::vector<GatewayRefund> unaccountedRefunds(const RefundList& made, const sdk::OrderDocument& order,
                                                     const std::string& ownPrefix) {
    std::vector<GatewayRefund> unaccounted;
    for (const GatewayRefund& refund : made.refunds)
        if (refundStands(refund) && refund.idempotencyKey.rfind(ownPrefix, 0) != 0 &&
            !refundListedIn(order, "/payment/refunds", refund.id) &&
            !refundListedIn(order, "/payment/acknowledged_refunds", refund.id))
            unaccounted.push_back(refund);
    return unaccounted;
}

// A refund a manual action names: its id, and every return the action names with it (a person
// may have refunded several returns together in one refund), and what they are owed together.
struct NamedHandRefund {
    std::string refundId;
    std::vector<std::string> rmas;   // in RMA order; `rma` itself among them
    std::int64_t owedTogether = 0;   // -1 when the sum does not fit in 64 bits, or a return is owed nothing
    std::size_t recordedBefore = 0;  // /payment/refunds entries before this run: only later ones are its parts
    std::vector<std::string> parts;  // one return paid in several refunds: their ids (HandRefundParts.h)
};

// Why the gateway's refund `found` cannot be recorded as made by hand for this order: not
// succeeded, another currency, made by this step, acknowledged as no return's; nullopt when it can.
inline std::optional<std::string> handRefundProblem(const GatewayRefund& found, const sdk::StepCall& call) {
    const sdk::OrderDocument order = call.order();
    const std::string currency = order.optionalString("/payment/currency").value_or("");
    if (found.status != "succeeded") return "the gateway says it is " + found.status;
    if (found.currency != currency) return "it is in " + found.currency + ", the payment in " + currency;
    if (found.idempotencyKey.rfind(keyOf(call, "refund:"), 0) == 0)
        return "it was made by this step (key " + found.idempotencyKey + "), not by hand";
    if (refundListedIn(order, "/payment/acknowledged_refunds", found.id))
        return std::string("the order acknowledged it as no return's refund (/payment/acknowledged_refunds)");
    return std::nullopt;
}

// The outcome when the gateway lists a standing refund under `ownKey` (or a later generation of
// it): the step's own refund of the return, its answer lost. nullopt when there is none.
inline std::optional<sdk::Outcome> ownRefundListed(const RefundList& made, const std::string& ownKey,
                                                   const std::function<sdk::Outcome(const std::string&)>& unconfirmed) {
    for (const GatewayRefund& refund : made.refunds)
        if (isKeyOfRefund(ownKey, refund.idempotencyKey) && refundStands(refund))
            return unconfirmed("the gateway lists this step's own refund of it (key " + refund.idempotencyKey +
                               ", its answer lost): retry without the data and the step records that one");
    return std::nullopt;
}

// nullopt when the gateway confirms `named.refundId` on authorization `id` as `rma`'s refund
// of `amount` (or, for a refund named with other returns, `named.owedTogether`) by hand. `ownKey`
// is the key of `rma`'s refund by this step.
inline std::optional<sdk::Outcome> confirmHandRefund(const Gateway& gateway, const sdk::StepCall& call,
                                                     const std::string& id, const std::string& rma,
                                                     const NamedHandRefund& named, std::int64_t amount,
                                                     const std::string& ownKey) {
    const std::string& refundId = named.refundId;
    const bool shared = named.rmas.size() > 1;
    const auto unconfirmed = [&](const std::string& why) {
        return sdk::Outcome::fail("refund_by_hand_unconfirmed", "the manual action says RMA " + rma +
                                                                    " was refunded by hand as " + refundId + ", but " +
                                                                    why + "; nothing was recorded");
    };
    const RefundList made = gateway.refunds(id);
    if (std::optional<sdk::Outcome> stop = refundListFailure(made)) return stop;
    if (std::optional<sdk::Outcome> stop = ownRefundListed(made, ownKey, unconfirmed)) return stop;
    const auto found = std::find_if(made.refunds.begin(), made.refunds.end(),
                                    [&](const GatewayRefund& refund) { return refund.id == refundId; });
    if (found == made.refunds.end())
        return unconfirmed("the gateway has no refund with that id on authorization " + id);
    const sdk::OrderDocument order = call.order();
    if (std::optional<std::string> why = handRefundProblem(*found, call)) return unconfirmed(*why);
    const std::string together = joined(named.rmas);
    if (!shared && found->amountMinor != amount)
        return unconfirmed("it refunded " + std::to_string(found->amountMinor) +
                           " minor units where the return is owed " + std::to_string(amount) +
                           " (a claim names one refund of exactly the amount owed, or the list of refunds that paid it "
                           "in parts; name every return a refund paid)");
    if (shared && found->amountMinor != named.owedTogether)
        return unconfirmed("it refunded " + std::to_string(found->amountMinor) + " minor units where the returns " +
                           together + " named with it are owed " + std::to_string(named.owedTogether) + " together");
    const std::size_t recorded = order.has("/payment/refunds") ? order.size("/payment/refunds") : 0;
    for (std::size_t i = 0; i < recorded; ++i) {
        if (order.optionalString(sdk::path("payment", "refunds", i, "refund_id")).value_or("") != refundId) continue;
        const std::string other = order.optionalString(sdk::path("payment", "refunds", i, "rma_number")).value_or("?");
        // Its part for another return named with it, recorded by this run just before, is not another use.
        if (i < named.recordedBefore || std::find(named.rmas.begin(), named.rmas.end(), other) == named.rmas.end())
            return unconfirmed("the order records it already, for RMA " + other);
    }
    return std::nullopt;
}

// Records the refunds the last manual action acknowledged as no return's, each once: the gateway
// must list it on the authorization as a succeeded refund the order does not account for yet
// (else FAIL refund_acknowledgment_unconfirmed, nothing recorded). At
// /payment/acknowledged_refunds and in payment_records (operation and status "acknowledged").
// `ownPrefix`: the keys of the step's own refunds, never a person's (an own refund whose answer
// was lost must not be recorded as goodwill).
inline std::optional<sdk::Outcome> recordAcknowledged(const Gateway& gateway, const sdk::StepCall& call,
                                                      const std::string& id, const AcknowledgedRefunds& acknowledged,
                                                      const std::string& ownPrefix) {
    const sdk::OrderDocument order = call.order();
    const RefundList made = gateway.refunds(id);
    if (std::optional<sdk::Outcome> stop = refundListFailure(made)) return stop;
    const std::vector<GatewayRefund> unaccounted = unaccountedRefunds(made, order, ownPrefix);
    for (const std::string& each : acknowledged.ids) {
        if (refundListedIn(order, "/payment/acknowledged_refunds", each)) continue;  // by an earlier run
        const auto found = std::find_if(unaccounted.begin(), unaccounted.end(),
                                        [&](const GatewayRefund& refund) { return refund.id == each; });
        if (found == unaccounted.end() || found->status != "succeeded")
            return sdk::Outcome::fail(
                "refund_acknowledgment_unconfirmed",
                "the manual action acknowledges refund " + each + " as no return's, but the gateway lists " +
                    (found == unaccounted.end()
                         ? "no refund with that id on authorization " + id + " that the order does not account for"
                         : "it as " + found->status + ", not succeeded") +
                    "; nothing was recorded");
        savePaymentRecord(call, {"acknowledged", keyOf(call, "acknowledged:") + found->id, found->amountMinor,
                                 found->currency, id, "acknowledged", ""});
        sdk::JsonObject entry;
        entry.add("refund_id", found->id).add("amount_minor", found->amountMinor).add("currency", found->currency);
        order.setJson("/payment/acknowledged_refunds/-", entry.str());
        setRefundedStatus(order);  // the money went back, as for a return's refund
        // And it reopens the invoice's receivable as every refund does: money went back without a
        // credit note. The notes that follow (a return's, the cancel's, which credits all that
        // returns did not) settle it, so the account comes out even whatever comes after.
        moveReceivable(call, found->amountMinor);
    }
    return std::nullopt;
}

// The acknowledgments of the last manual action, recorded (recordAcknowledged) before anything
// else the step does; nullopt to go on. `gatewayFor()` is asked only when there are some.
template <typename GatewayFor>
std::optional<sdk::Outcome> recordActionsAcknowledgments(const GatewayFor& gatewayFor, const sdk::StepCall& call,
                                                         const std::string& id, const std::string& ownPrefix) {
    const AcknowledgedRefunds acknowledged = acknowledgedRefunds(call.order());
    if (!acknowledged.error.empty())
        return sdk::Outcome::fail("refund_acknowledgment_unconfirmed", acknowledged.error + "; nothing was recorded");
    if (acknowledged.ids.empty()) return std::nullopt;
    return recordAcknowledged(gatewayFor(), call, id, acknowledged, ownPrefix);
}

// Before a refund's first key: the gateway must have refunded nothing on the authorization
// that the order does not account for (refunds recorded for returns, acknowledged ones, and
// this step's own keys, whose unrecorded refunds — answers lost — are replayed by key). A
// refund a person made by hand before the step asked would otherwise be paid twice. Such
// refunds stop the step (refund_unreconciled) until a manual action names each: a return's
// as refunded_by_hand (above), one of no return as acknowledged_refunds (recordAcknowledged).
// `ownPrefix`: the keys of the asking step's own refunds; `asking`: what it would ask for ("RMA
// R-1's refund"); `howToPlace`: how a person names the refunds it cannot place.
inline std::optional<sdk::Outcome> reconcileBeforeAsking(const Gateway& gateway, const sdk::StepCall& call,
                                                         const std::string& id, const std::string& ownPrefix,
                                                         const std::string& asking, const std::string& howToPlace) {
    const sdk::OrderDocument order = call.order();
    const std::int64_t accounted =
        order.optionalInteger("/payment/refunded_minor").value_or(0) + acknowledgedMinor(order);
    const GatewayReply now = gateway.lookup(id);  // the usual case: one lookup, no list
    if (now.kind == GatewayReply::Kind::unavailable) return retryLater(now, "lookup");
    if (now.kind != GatewayReply::Kind::done) return refusedByGateway(now, "lookup");
    if (now.refundedMinor == accounted) return std::nullopt;
    const RefundList made = gateway.refunds(id);
    if (std::optional<sdk::Outcome> stop = refundListFailure(made)) return stop;
    const std::vector<GatewayRefund> unaccounted = unaccountedRefunds(made, order, ownPrefix);
    if (unaccounted.empty()) return std::nullopt;
    std::string listed;  // the first five: the message stays readable (the host caps it too)
    for (std::size_t i = 0; i < unaccounted.size() && i < 5; ++i)
        listed += (listed.empty() ? "" : ", ") + unaccounted[i].id + " (" + std::to_string(unaccounted[i].amountMinor) +
                  " minor units, key " + unaccounted[i].idempotencyKey + ")";
    if (unaccounted.size() > 5) listed += " and " + std::to_string(unaccounted.size() - 5) + " more";
    // What this action named is recorded only when the step gets through, so it is not listed:
    // a person who named one refund at a time would go round in circles.
    const bool named = order.has("/signals/manual_action/refunded_by_hand") ||
                       order.has("/signals/manual_action/acknowledged_refunds");
    return sdk::Outcome::fail(
        "refund_unreconciled",
        "the gateway has refunded " + std::to_string(now.refundedMinor) + " minor units of authorization " + id +
            " where the order accounts for " + std::to_string(accounted) + "; not the order's: " + listed +
            ". Asking for " + asking + " could pay twice: " + howToPlace +
            (named ? ", in one action together with what this action named (recorded only when the step gets through)"
                   : ""));
}

}  // namespace orderhost::payment
