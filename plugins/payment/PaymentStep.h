// The base of orderhost.payment's authorize and capture steps: the capture itself, and the
// undo both share (void an uncaptured authorization, refund a captured one, and what to do when
// the gateway's answer was lost). The step kinds are described in payment_step.cpp.
#pragma once

#include "Gateway.h"
#include "HandRefund.h"
#include "HttpGateway.h"
#include "PaymentRecords.h"
#include "PaymentSettings.h"
#include "RefundKeys.h"

#include <orderhost/sdk.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

namespace orderhost::payment {

using Kind = GatewayReply::Kind;

inline void writeStatus(const sdk::OrderDocument& order, const std::string& status) {
    order.set("/payment/status", status);
}

class PaymentStep : public sdk::Step {
public:
    PaymentStep(HttpGateway gateway, std::int64_t timeoutMs) : gateway_(std::move(gateway)), timeoutMs_(timeoutMs) {}

    // Voids an uncaptured authorization or refunds a captured one, deciding by the order's
    // committed /payment/status; the keys make a repeated undo replay the gateway's answer.
    sdk::Outcome compensate(sdk::StepCall& call) override {
        sdk::OrderDocument order = call.order();
        const std::optional<std::string> id = order.optionalString("/payment/authorization_id");
        const std::string status = order.optionalString("/payment/status").value_or("");
        if (!id) return sdk::Outcome::proceed();
        const HttpGateway gateway = forCall(gateway_, timeoutMs_, call);
        const std::string currency = order.optionalString("/payment/currency").value_or("");
        if (status == "authorized" || status == "requires_action") {
            const GatewayReply voided = gateway.voidAuthorization(*id, keyOf(call, "void"));
            if (voided.kind == Kind::unavailable) return retryLater(voided, "void");
            if (voided.kind == Kind::refused) return refundUnknownCapture(call, gateway, *id, currency, voided);
            savePaymentRecord(call, {"void", keyOf(call, "void"), voided.amountMinor, currency, *id, "voided", ""});
            writeStatus(order, "voided");
        } else if (status == "captured" || status == "partially_refunded") {
            // What returns refunded already (refund-return) is not refunded twice, nor what a
            // person refunded by hand and an administrator acknowledged as no return's
            // (HandRefund.h): the gateway would refuse more than is left, and the undo stick.
            // A refund by hand before the cancel (goodwill) is acknowledged to the held undo
            // itself: manual_action retry with data acknowledged_refunds, recorded first.
            if (std::optional<sdk::Outcome> stop = recordActionsAcknowledgments(
                    [&] { return forCall(gateway_, timeoutMs_, call); }, call, *id, keyOf(call, "refund")))
                return *stop;
            const std::int64_t captured = order.integer("/payment/captured_minor");
            const std::int64_t before = order.optionalInteger("/payment/refunded_minor").value_or(0);
            const std::int64_t accounted = before + acknowledgedMinor(order);  // what the gateway refunded already
            const std::int64_t left = captured - accounted;
            if (left > 0) {
                // Money the gateway paid back that the order does not account for stops the
                // undo before its first key, as it stops refund-return: asking could pay twice.
                if (std::optional<sdk::Outcome> stop = reconcileBeforeAsking(
                        forCall(gateway_, timeoutMs_, call), call, *id, keyOf(call, "refund"),
                        "the undo's refund of authorization " + *id,
                        "acknowledge each refund made by hand (manual_action retry with data acknowledged_refunds: "
                        "[refund_id]); the undo then refunds only what is left"))
                    return *stop;
                // Under the refund's keys (RefundKeys.h): the same key was refused forever once the
                // issuer had refused it, so a held undo could never be paid by a retry (found by a
                // black-box probe); the next key is asked only while the gateway's refunds match.
                const RefundWalk walk = refundUnderKeys([&] { return forCall(gateway_, timeoutMs_, call); }, *id, left,
                                                        keyOf(call, "refund"), accounted, undoRefundTexts(*id));
                if (walk.stop) return *walk.stop;
                const GatewayReply& refunded = walk.reply;
                if (refunded.kind == Kind::unavailable) return retryLater(refunded, "refund");
                if (refunded.kind == Kind::refused) return refusedByGateway(refunded, "refund");
                savePaymentRecord(call, {"refund", walk.used, left, currency, *id, "refunded", ""});
                moveReceivable(call, left);  // paid back: the credit note settles it
            }
            writeStatus(order, "refunded");
            order.set("/payment/refunded_minor", before + std::max<std::int64_t>(left, 0));
        }
        return sdk::Outcome::proceed();  // declined, voided, refunded: nothing left to undo
    }

protected:
    // Captures `amount` on the authorization, recording it; nullopt when it worked.
    // `settle`: the authorize step captures at placement, and a step of its own that fails is
    // not undone, so an unknown capture is resolved here (void, or find it captured).
    std::optional<sdk::Outcome> capture(const sdk::StepCall& call, const HttpGateway& gateway, const std::string& id,
                                        std::int64_t amount, const std::string& currency, bool settle = false) const {
        GatewayReply captured = gateway.capture(id, amount, keyOf(call, "capture"));
        if (captured.kind == Kind::unavailable)
            captured = forCall(gateway_, timeoutMs_, call).capture(id, amount, keyOf(call, "capture"));
        if (captured.kind == Kind::unavailable && settle)
            if (std::optional<sdk::Outcome> settled =
                    voidUnknownCapture(call, forCall(gateway_, timeoutMs_, call), id, captured))
                return settled;
        if (captured.kind == Kind::unavailable && !settle) return retryLater(captured, "capture");
        if (captured.kind == Kind::refused) return refusedByGateway(captured, "capture");
        savePaymentRecord(call, {"capture", keyOf(call, "capture"), amount, currency, id, "captured", ""});
        const sdk::OrderDocument order = call.order();
        writeStatus(order, "captured");
        order.set("/payment/captured_minor", amount);
        moveReceivable(call, -amount);  // an invoice paid by card is not an open receivable
        orderhost::payment::closePaidExposure(call);
        return std::nullopt;
    }

    HttpGateway gateway_;
    std::int64_t timeoutMs_;

private:
    // What the undo's refusals tell a person (RefundKeys.h). A refund made by hand is recorded
    // only when acknowledged: refunding by hand and skipping the undo would leave it out of
    // payment_records and the receivables.
    static RefundWalkTexts undoRefundTexts(const std::string& id) {
        return {"the undo's refund of authorization " + id,
                "look at the gateway's refunds of this authorization; one made by hand is acknowledged "
                "(manual_action retry with data acknowledged_refunds: [refund_id]) and the undo refunds the rest",
                "the customer is not refunded: find out why at the gateway, then retry (or refund by hand and "
                "acknowledge that refund the same way)"};
    }

    // The void of an authorization the order knows as uncaptured was refused: a capture step
    // that gave up not knowing (every answer lost) may have captured it, and the host undoes
    // such a step. Ask the gateway: captured → refund the capture (the capture never reached
    // the order, nor the receivables, so neither does its refund); voided → nothing to do.
    // Always the whole capture, never "what is left": a repeated undo (its answer lost, a crash
    // before the checkpoint) must send the same body under the same key to get the replay.
    static sdk::Outcome refundUnknownCapture(const sdk::StepCall& call, const HttpGateway& gateway,
                                             const std::string& id, const std::string& currency,
                                             const GatewayReply& refusal) {
        const GatewayReply now = gateway.lookup(id);
        if (now.kind == Kind::unavailable) return retryLater(now, "lookup");
        const sdk::OrderDocument order = call.order();
        if (now.kind == Kind::done && now.status == "voided") {
            writeStatus(order, "voided");
            return sdk::Outcome::proceed();
        }
        if (now.kind != Kind::done || now.capturedMinor <= 0) return refusedByGateway(refusal, "void");
        savePaymentRecord(call, {"capture", keyOf(call, "capture"), now.capturedMinor, currency, id, "captured", ""});
        // Under the refund's keys (RefundKeys.h), as the other undo: a refusal replayed forever
        // would hold the order for good. The order records no refund of this capture.
        const RefundWalk walk = refundUnderKeys([&] { return gateway; }, id, now.capturedMinor, keyOf(call, "refund"),
                                                0, undoRefundTexts(id));
        if (walk.stop) return *walk.stop;
        const GatewayReply& refunded = walk.reply;
        if (refunded.kind == Kind::unavailable) return retryLater(refunded, "refund");
        if (refunded.kind == Kind::refused) return refusedByGateway(refunded, "refund");
        savePaymentRecord(call, {"refund", walk.used, now.capturedMinor, currency, id, "refunded", ""});
        writeStatus(order, "refunded");
        order.set("/payment/captured_minor", now.capturedMinor);
        order.set("/payment/refunded_minor", now.capturedMinor);
        return sdk::Outcome::proceed();
    }

    // A capture at placement went unanswered twice. Void the authorization: the void works →
    // FAIL with nothing held; the gateway refuses it and shows the authorization captured →
    // nullopt (the capture happened, go on); otherwise RETRY.
    static std::optional<sdk::Outcome> voidUnknownCapture(const sdk::StepCall& call, const HttpGateway& gateway,
                                                          const std::string& id, const GatewayReply& lost) {
        const GatewayReply voided = gateway.voidAuthorization(id, keyOf(call, "void"));
        if (voided.kind == Kind::done)
            return sdk::Outcome::fail("payment_outcome_unknown", "the gateway did not answer the capture (" +
                                                                     lost.message + "); authorization " + id +
                                                                     " voided: nothing is held or charged");
        const GatewayReply now = voided.kind == Kind::refused ? gateway.lookup(id) : voided;
        if (now.kind == Kind::done && now.status == "captured") return std::nullopt;
        return retryLater(lost, "capture");
    }
};

}  // namespace orderhost::payment
