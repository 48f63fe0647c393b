// The payment plugin's view of a card gateway: the four money movements a real connector
// (Stripe, Adyen, a bank's acquiring API) offers, plus a lookup. Every call that moves money
// carries an idempotency key: the gateway answers a repeated key with the original result
// instead of moving money again, which is what makes a retried or re-run step safe.
//
// HttpGateway (HttpGateway.h) speaks the JSON API of scripts/simulators/payment_gateway.py;
// another connector implements this interface and nothing else in the plugin changes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace orderhost::payment {

// What the gateway answered, reduced to what the step decides on.
struct GatewayReply {
    enum class Kind {
        done,            // the operation happened (or had happened, for a repeated key)
        declined,        // the card was refused: declineCode says why (business outcome)
        requiresAction,  // the customer must confirm (3-D Secure); the answer arrives later
        refused,         // the gateway refused the request itself (bad state, bad amount)
        unavailable,     // 5xx, timeout, connection lost: the effect may or may not have happened
    };
    Kind kind = Kind::unavailable;
    std::string id;           // authorization or refund id
    std::string status;       // the gateway's status: authorized, captured, voided, refunded, ...
    std::string declineCode;  // declined: the gateway's code, e.g. "insufficient_funds"
    std::string errorCode;    // refused / unavailable: the gateway's or the transport's code
    std::string message;      // for administrators
    std::int64_t amountMinor = 0;
    std::int64_t capturedMinor = 0;
    std::int64_t refundedMinor = 0;
    // The gateway answered from its idempotency store (an earlier request with the key), not
    // anew: a replayed refusal says nothing about whether the request would be refused now.
    bool replayed = false;
};

struct AuthorizeRequest {
    std::int64_t amountMinor = 0;
    std::string currency;
    std::string cardToken;
    std::string orderId;  // passed as metadata: the gateway's callback names the order with it
    std::string idempotencyKey;
};

// A refund the gateway made on an authorization: its id, amount and the idempotency key it was
// asked with (a Stripe connector: the charge's refunds, each carrying its key in its metadata; a
// refund made by hand in the gateway's dashboard has a key of none of the plugin's refunds).
struct GatewayRefund {
    std::string id;
    std::string idempotencyKey;
    std::int64_t amountMinor = 0;
    std::string currency;
    std::string status;  // succeeded; a real gateway also lists pending, failed and canceled ones
};

// The refunds made on an authorization, or, when !known, why not (`failure`: unavailable → ask
// again later).
struct RefundList {
    bool known = false;
    std::vector<GatewayRefund> refunds;
    GatewayReply failure;
};

class Gateway {
public:
    virtual ~Gateway() = default;
    virtual GatewayReply authorize(const AuthorizeRequest& request) const = 0;
    virtual GatewayReply capture(const std::string& authorizationId, std::int64_t amountMinor,
                                 const std::string& idempotencyKey) const = 0;
    virtual GatewayReply voidAuthorization(const std::string& authorizationId,
                                           const std::string& idempotencyKey) const = 0;
    virtual GatewayReply refund(const std::string& authorizationId, std::int64_t amountMinor,
                                const std::string& idempotencyKey) const = 0;
    // Technical cancel: voids whatever the authorize call with `authorizationKey` did, for a
    // caller that never learnt the authorization's id (the answer was lost). done with status
    // "voided" (or "declined": nothing was held) or "nothing_to_cancel" (no such call arrived;
    // the gateway refuses it if it still arrives); refused when it was captured already.
    virtual GatewayReply cancelByKey(const std::string& authorizationKey, const std::string& idempotencyKey) const = 0;
    // The authorization as the gateway sees it now (after a 3-D Secure answer, or to decide
    // how to undo it).
    virtual GatewayReply lookup(const std::string& authorizationId) const = 0;
    virtual RefundList refunds(const std::string& authorizationId) const = 0;
};

}  // namespace orderhost::payment
