// A refund a person made at the gateway by hand (its dashboard), told to refund-return by an
// administrator's manual action, so the order records the money it paid back:
//
//   POST /v1/orders/{id}/signals/manual_action
//   {"action": "retry", "note": "refunded by hand, ticket 4711",
//    "data": {"refunded_by_hand": {"rma_number": "RMA-000012", "refund_id": "re_1b2c..."}}}
//
// The host stores "data" at /signals/manual_action for the step's next run (an undo's too). The
// step never takes the administrator's word for money: it records the refund only when the
// gateway lists a refund with that id on the order's authorization, for exactly the amount this
// return is owed, asked under a key that is none of the plugin's own refunds (one of those is
// this step's to replay, not to claim), and not recorded for another return already. Otherwise
// it FAILs refund_by_hand_unconfirmed saying which of these did not hold, and moves nothing.
// Asked for no refund, a claim can only stop money from going out twice, never send any.
#pragma once

#include "HttpGateway.h"
#include "PaymentSettings.h"

#include <orderhost/sdk.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

namespace orderhost::payment {

// The refund id the administrator named for `rma`, if the last manual action named one.
inline std::optional<std::string> handRefundClaim(const sdk::OrderDocument& order, const std::string& rma) {
    const char* const at = "/signals/manual_action/refunded_by_hand";
    if (order.optionalString(std::string(at) + "/rma_number").value_or("") != rma) return std::nullopt;
    return order.optionalString(std::string(at) + "/refund_id");
}

// The refund `refundId` on authorization `id` if the gateway confirms it as `rma`'s refund of
// `amount` by hand (then nullopt is returned and `confirmed` holds it); else the outcome to stop with.
inline std::optional<sdk::Outcome> confirmHandRefund(const HttpGateway& gateway, const sdk::StepCall& call,
                                                     const std::string& id, const std::string& rma,
                                                     const std::string& refundId, std::int64_t amount,
                                                     GatewayRefund& confirmed) {
    const auto unconfirmed = [&](const std::string& why) {
        return sdk::Outcome::fail("refund_by_hand_unconfirmed", "the manual action says RMA " + rma +
                                                                    " was refunded by hand as " + refundId + ", but " +
                                                                    why + "; nothing was recorded");
    };
    const RefundList made = gateway.refunds(id);
    if (!made.known && made.failure.kind == GatewayReply::Kind::unavailable)
        return retryLater(made.failure, "refund_list");
    if (!made.known) return refusedByGateway(made.failure, "refund_list");
    const auto found = std::find_if(made.refunds.begin(), made.refunds.end(),
                                    [&](const GatewayRefund& refund) { return refund.id == refundId; });
    if (refundId.empty() || found == made.refunds.end())
        return unconfirmed("the gateway has no refund with that id on authorization " + id);
    if (found->amountMinor != amount)
        return unconfirmed("it refunded " + std::to_string(found->amountMinor) +
                           " minor units where the return is owed " + std::to_string(amount));
    if (found->idempotencyKey.rfind(keyOf(call, "refund:"), 0) == 0)
        return unconfirmed("it was made by this step (key " + found->idempotencyKey +
                           "), not by hand: retry without the data and the step replays it");
    const sdk::OrderDocument order = call.order();
    const std::size_t recorded = order.has("/payment/refunds") ? order.size("/payment/refunds") : 0;
    for (std::size_t i = 0; i < recorded; ++i)
        if (order.optionalString(sdk::path("payment", "refunds", i, "refund_id")).value_or("") == refundId)
            return unconfirmed("the order records it already, for RMA " +
                               order.optionalString(sdk::path("payment", "refunds", i, "rma_number")).value_or("?"));
    confirmed = *found;
    return std::nullopt;
}

}  // namespace orderhost::payment
