// Refunds a person made at the gateway by hand (its dashboard), told to refund-return by an
// administrator's manual action, so the order records the money it paid back:
//
//   POST /v1/orders/{id}/signals/manual_action
//   {"action": "retry", "note": "refunded by hand, ticket 4711",
//    "data": {"refunded_by_hand": [{"rma_number": "RMA-000012", "refund_id": "re_1b2c..."}]}}
//
// (one claim may also be given as an object instead of a list). The host stores "data" at
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
#pragma once

#include "Gateway.h"
#include "PaymentSettings.h"

#include <orderhost/sdk.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

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

// The refunds the last manual action named: RMA number → refund id. `error` says what is wrong
// with a claim that is there but malformed.
struct HandRefundClaims {
    std::map<std::string, std::string> byRma;
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
        const std::optional<std::string> refund = stringAt(pointer + "/refund_id");
        if (!rma || rma->empty() || !refund || refund->empty()) {
            claims.error = pointer + " needs a string rma_number and a string refund_id";
        } else if (!claims.byRma.emplace(*rma, *refund).second) {
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

// nullopt when the gateway confirms `refundId` on authorization `id` as `rma`'s refund of
// `amount` by hand; else the outcome to stop with. `ownKey` is the key of `rma`'s refund by this step.
inline std::optional<sdk::Outcome> confirmHandRefund(const Gateway& gateway, const sdk::StepCall& call,
                                                     const std::string& id, const std::string& rma,
                                                     const std::string& refundId, std::int64_t amount,
                                                     const std::string& ownKey) {
    const auto unconfirmed = [&](const std::string& why) {
        return sdk::Outcome::fail("refund_by_hand_unconfirmed", "the manual action says RMA " + rma +
                                                                    " was refunded by hand as " + refundId + ", but " +
                                                                    why + "; nothing was recorded");
    };
    const RefundList made = gateway.refunds(id);
    if (!made.known && made.failure.kind == GatewayReply::Kind::unavailable)
        return retryLater(made.failure, "refund_list");
    if (!made.known) return refusedByGateway(made.failure, "refund_list");
    for (const GatewayRefund& refund : made.refunds)
        if (isKeyOfRefund(ownKey, refund.idempotencyKey) && refundStands(refund))
            return unconfirmed("the gateway lists this step's own refund of it (key " + refund.idempotencyKey +
                               ", its answer lost): retry without the data and the step records that one");
    const auto found = std::find_if(made.refunds.begin(), made.refunds.end(),
                                    [&](const GatewayRefund& refund) { return refund.id == refundId; });
    if (found == made.refunds.end())
        return unconfirmed("the gateway has no refund with that id on authorization " + id);
    if (found->status != "succeeded") return unconfirmed("the gateway says it is " + found->status);
    const sdk::OrderDocument order = call.order();
    const std::string currency = order.optionalString("/payment/currency").value_or("");
    if (found->currency != currency) return unconfirmed("it is in " + found->currency + ", the payment in " + currency);
    if (found->amountMinor != amount)
        return unconfirmed("it refunded " + std::to_string(found->amountMinor) +
                           " minor units where the return is owed " + std::to_string(amount) +
                           " (a claim names one refund of exactly the amount owed)");
    if (found->idempotencyKey.rfind(keyOf(call, "refund:"), 0) == 0)
        return unconfirmed("it was made by this step (key " + found->idempotencyKey + "), not by hand");
    const std::size_t recorded = order.has("/payment/refunds") ? order.size("/payment/refunds") : 0;
    for (std::size_t i = 0; i < recorded; ++i)
        if (order.optionalString(sdk::path("payment", "refunds", i, "refund_id")).value_or("") == refundId)
            return unconfirmed("the order records it already, for RMA " +
                               order.optionalString(sdk::path("payment", "refunds", i, "rma_number")).value_or("?"));
    return std::nullopt;
}

}  // namespace orderhost::payment
