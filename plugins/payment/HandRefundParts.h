// One return refunded by hand in several refunds (a person paid it back in parts at the
// gateway's dashboard), named in the manual action's claim as a list of refund ids:
//
//   {"refunded_by_hand": [{"rma_number": "RMA-000012", "refund_id": ["re_1a", "re_2b"]}]}
//
// Each part passes the checks of a single refund by hand (HandRefund.h: succeeded, the payment's
// currency, not this step's, not acknowledged, not recorded for any return), and together they
// must be exactly what the return is owed. Each is recorded as a part of the return's refund: a
// /payment/refunds entry and a payment_records row under <key>:by-hand, <key>:by-hand-2, ...
// A refund is either shared by several returns or a part of one return's, never both in one
// action (namedOnceAsPart), so no money is counted for two returns.
#pragma once

#include "HandRefund.h"

#include <orderhost/sdk.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace orderhost::payment {

// The suffix of the payment_records key of a refund made by hand: <key>:by-hand for the first
// (or only) part, <key>:by-hand-2, <key>:by-hand-3, ... for later parts.
constexpr char kRefundKeyByHand[] = ":by-hand";

inline std::string byHandKey(const std::string& key, std::size_t part) {
    return key + kRefundKeyByHand + (part == 0 ? std::string() : "-" + std::to_string(part + 1));
}

// Whether `candidate` is the payment_records key of a part of the refund by hand of `key`.
inline bool isByHandKeyOf(const std::string& key, const std::string& candidate) {
    const std::string first = key + kRefundKeyByHand;
    const std::string later = first + "-";
    if (candidate == first) return true;
    return candidate.size() > later.size() && candidate.compare(0, later.size(), later) == 0 &&
           candidate.find_first_not_of("0123456789", later.size()) == std::string::npos;
}

// The refund ids /payment/refunds records for `rma` (several when it was paid in parts).
inline std::vector<std::string> refundIdsFor(const sdk::OrderDocument& order, const std::string& rma) {
    std::vector<std::string> ids;
    const std::size_t refunds = order.has("/payment/refunds") ? order.size("/payment/refunds") : 0;
    for (std::size_t i = 0; i < refunds; ++i)
        if (order.optionalString(sdk::path("payment", "refunds", i, "rma_number")).value_or("") == rma)
            ids.push_back(order.optionalString(sdk::path("payment", "refunds", i, "refund_id")).value_or(""));
    return ids;
}

// A claim's parts must be named for no other return in the same action; nullopt when they are not.
inline std::optional<sdk::Outcome> namedOnceAsPart(const HandRefundClaims& claims) {
    for (const auto& [rma, ids] : claims.byRma) {
        if (ids.size() < 2) continue;
        for (const auto& [other, otherIds] : claims.byRma)
            for (const std::string& id : ids)
                if (other != rma && std::find(otherIds.begin(), otherIds.end(), id) != otherIds.end())
                    return sdk::Outcome::fail(
                        "refund_by_hand_unconfirmed",
                        "the manual action names refund " + id + " as a part of RMA " + rma + "'s refund and for RMA " +
                            other +
                            "; a refund may pay several returns, or a return be paid in several refunds, not both "
                            "at once; nothing was recorded");
    }
    return std::nullopt;
}

// nullopt when the gateway confirms each of `parts` on authorization `id` as a refund by hand
// of a part of `rma`'s refund, together exactly `amount`; `amounts` gets each part's amount.
// `ownKey` is the key of `rma`'s refund by this step.
inline std::optional<sdk::Outcome> confirmHandRefundParts(const Gateway& gateway, const sdk::StepCall& call,
                                                          const std::string& id, const std::string& rma,
                                                          const std::vector<std::string>& parts, std::int64_t amount,
                                                          const std::string& ownKey,
                                                          std::vector<std::int64_t>& amounts) {
    const auto unconfirmed = [&](const std::string& why) {
        return sdk::Outcome::fail("refund_by_hand_unconfirmed",
                                  "the manual action says RMA " + rma + " was refunded by hand in parts as " +
                                      joined(parts) + ", but " + why + "; nothing was recorded");
    };
    const RefundList made = gateway.refunds(id);
    if (std::optional<sdk::Outcome> stop = refundListFailure(made)) return stop;
    if (std::optional<sdk::Outcome> stop = ownRefundListed(made, ownKey, unconfirmed)) return stop;
    const sdk::OrderDocument order = call.order();
    std::int64_t together = 0;
    amounts.clear();
    for (const std::string& part : parts) {
        const auto found = std::find_if(made.refunds.begin(), made.refunds.end(),
                                        [&](const GatewayRefund& refund) { return refund.id == part; });
        if (found == made.refunds.end())
            return unconfirmed("the gateway has no refund " + part + " on authorization " + id);
        if (std::optional<std::string> why = handRefundProblem(*found, call))
            return unconfirmed("refund " + part + ": " + *why);
        if (refundListedIn(order, "/payment/refunds", part))
            return unconfirmed("the order records refund " + part + " already, for another return");
        if (__builtin_add_overflow(together, found->amountMinor, &together))
            return unconfirmed("their amounts add up to more than 2^63-1 minor units");
        amounts.push_back(found->amountMinor);
    }
    if (together != amount)
        return unconfirmed("they refunded " + std::to_string(together) +
                           " minor units together where the return is owed " + std::to_string(amount) +
                           " (name every refund that paid it, and only those)");
    return std::nullopt;
}

}  // namespace orderhost::payment
