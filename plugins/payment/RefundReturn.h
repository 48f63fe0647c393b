// refund-return: the step of orderhost.payment that pays back a return (return chain).
//
// The amount is the gross total of the return's credit notes, the /billing/return_credits
// entries whose rma_number is the order's /return/rma/number (billing's credit-return runs
// first; an order invoiced per shipment may get one note per invoice). Without one (no billing
// in the chains) it is the sum of quantity x unit_price of the returned lines
// (/return/received/lines, else /return/rma/lines): the prices as the order was charged
// (authorize charges /totals/net when there is no invoice). It never refunds more than was
// captured and not refunded yet (/payment/captured_minor minus /payment/refunded_minor);
// several partial returns refund part after part.
//
// Refunds follow credit notes: a credit note of an earlier return of the order whose refund was
// never made (the gateway refused it and the return was undone around the note, which stays;
// or the refund was skipped) is refunded first, by any later run of this step on the order —
// an administrator's retry of a held refund, or the next return. So credit notes of returns =
// refunds made + refunds outstanding. A refund the gateway could not be asked for is not left
// outstanding: the undo pays it (compensate(), below), holding the order until it can.
//
// Exactly once: the gateway call for a return carries "<idempotency_key>:refund:<RMA number>",
// the same for every attempt and restart of that return and for a later run that pays it as
// outstanding (the host's key is per order and step), and different for each return of the
// order. So a refund the gateway made although its answer was lost is replayed, not repeated.
// Its payment_records row (same key) commits with the step, so a re-run after a commit finds it.
// A refusal is stored under its key at the gateway too (as Stripe stores a decline), so the same
// key would be refused forever, also after its cause is gone. A refusal moved no money: when the
// gateway answers a *replayed* refusal (header Idempotent-Replayed), the step asks again under
// the next key of the sequence <key>, <key>:again-1, <key>:again-2, ... Every run walks the same
// sequence from its start, so a key that refunded is replayed, never repeated; a fresh refusal
// stops the walk (FAIL, as before). A new key is asked only while the gateway has refunded
// exactly what the order records (lookup). Money it does not record under a later key of the
// walk (its answer lost) is replayed by walking up to that key; any other (a refund by hand)
// could be refunded twice, so the step FAILs for a person. Before a refund's first key the step
// also asks whether the gateway refunded money on the authorization that the order does not
// account for (made by hand in the gateway's dashboard): then it FAILs refund_unreconciled
// instead of paying a second time. A refund made by hand is recorded when an administrator
// names it for its return (manual_action data refunded_by_hand) and the gateway confirms it;
// one that is no return's (goodwill) is acknowledged (data acknowledged_refunds) and stops
// nothing again (HandRefund.h).
//
// An order without a captured card payment (paid by invoice: no /payment; or nothing captured)
// continues with nothing to refund. Writes /payment/refunded_minor, /payment/status
// ("partially_refunded", or "refunded" once everything captured was paid back) and appends
// {rma_number, amount_minor, refund_id} to /payment/refunds per refund; an invoiced order's
// receivables grow by the amount (the credit note reduced them). 5xx / timeout -> RETRY; the
// gateway refusing -> FAIL gateway_refused_refund.
// compensate(): money paid back cannot be taken back, and the notes of an undone return stand,
// so the undo pays them: the same refunds as run(), under the same keys (nothing twice). While
// the gateway is away the undo RETRYs, then the host holds the order for manual_action retry:
// a return is not undone around an unpaid credit note.
#pragma once

#include "HandRefund.h"
#include "HandRefundParts.h"
#include "PaymentRecords.h"
#include "PaymentSettings.h"
#include "RefundKeys.h"

#include <orderhost/sdk.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace orderhost::payment {

constexpr char kRefundReturnSchema[] = R"({
  "type": "object", "required": ["base_url"],
  "properties": {
    "base_url": {"type": "string", "description": "the gateway, http://host:port"},
    "timeout_ms": {"type": "integer", "minimum": 1, "maximum": 600000, "default": 10000}
  }
})";

class RefundReturnStep : public sdk::Step {
public:
    explicit RefundReturnStep(sdk::CreateContext& ctx)
        : gateway_(gatewayFrom(ctx.config())),
          timeoutMs_(integerSetting(ctx.config(), "timeout_ms", 10000, 1, 600000)) {}

    sdk::Outcome run(sdk::StepCall& call) override {
        const std::optional<std::string> rma = call.order().optionalString("/return/rma/number");
        if (!rma) return sdk::Outcome::fail("rma_missing", "/return/rma/number is missing: run authorize-return first");
        return refundOwed(call, *rma);
    }

    // Undoing a return leaves its credit notes standing (legal documents), so it must not leave
    // them unpaid either: the undo pays what run() would have, under the same keys (a refund the
    // gateway made already is replayed, a recorded one skipped). The host undoes this step when
    // its run gave up (gateway away, answers lost) or completed. Gateway still away → RETRY, then
    // the host holds the order (undo_failed) until a manual_action retry: the outstanding refund's
    // trigger. Refused → FAIL: held for a person as well.
    sdk::Outcome compensate(sdk::StepCall& call) override {
        const std::optional<std::string> rma = call.order().optionalString("/return/rma/number");
        return rma ? refundOwed(call, *rma) : sdk::Outcome::proceed();
    }

private:
    // Refunds the credit notes of earlier returns whose refund was never made (outstanding),
    // then this return's; CONTINUE when everything is paid (or nothing was paid by card).
    sdk::Outcome refundOwed(const sdk::StepCall& call, const std::string& rma) const {
        const sdk::OrderDocument order = call.order();
        const std::optional<std::string> id = order.optionalString("/payment/authorization_id");
        const std::string status = order.optionalString("/payment/status").value_or("");
        if (!id || (status != "captured" && status != "partially_refunded")) return sdk::Outcome::proceed();
        // Checked before anything is paid: a FAIL after an outstanding refund would roll back its record.
        const std::optional<std::int64_t> amount = amountOf(order, rma);
        if (!amount)
            return sdk::Outcome::fail("refund_amount_out_of_range",
                                      "the returned lines of RMA " + rma + " add up to more than 2^63-1 minor units");
        // Refunds made by hand that the last manual action named (HandRefund.h): checked before
        // any gateway call, so a typo cannot let the step ask for money paid back already.
        const HandRefundClaims claims = handRefundClaims(order);
        if (!claims.error.empty())
            return sdk::Outcome::fail("refund_by_hand_unconfirmed", claims.error + "; nothing was recorded");
        // Acknowledged refunds are recorded first, then whatever each return needs (a claim,
        // nothing, a refund).
        if (std::optional<sdk::Outcome> stop = recordActionsAcknowledgments(
                [&] { return forCall(gateway_, timeoutMs_, call); }, call, *id, keyOf(call, "refund:")))
            return *stop;
        // Credit notes of earlier returns whose refund was never made (outstanding), then this return's.
        std::vector<std::string> owed = outstandingRmas(order, rma);
        owed.push_back(rma);
        for (const auto& [claimed, refundIds] : claims.byRma) {
            // A return paid already may be named again (a re-run) with the refunds recorded for it.
            std::vector<std::string> recorded = refundIdsFor(order, claimed), named = refundIds;
            std::sort(recorded.begin(), recorded.end());
            std::sort(named.begin(), named.end());
            if (!recorded.empty() ? recorded != named : std::find(owed.begin(), owed.end(), claimed) == owed.end())
                return sdk::Outcome::fail("refund_by_hand_unconfirmed",
                                          "the manual action names RMA " + claimed + " (" + joined(refundIds) +
                                              "), for which this order owes no refund (" +
                                              (!recorded.empty() ? "refund " + joined(recorded) + " is recorded for it"
                                                                 : "no credit note or return") +
                                              "); nothing was recorded");
        }
        if (std::optional<sdk::Outcome> stop = namedOnceAsPart(claims)) return *stop;
        // Named ones first: recorded, they count as what the order records when the others'
        // refunds compare it with the gateway's total.
        std::stable_partition(owed.begin(), owed.end(),
                              [&](const std::string& each) { return claims.byRma.count(each) > 0; });
        const auto owedTo = [&](const std::string& each) {
            return each == rma ? *amount : creditedTo(order, each).value_or(0);
        };
        std::map<std::string, NamedHandRefund> named;  // refund id → the returns named with it
        const std::size_t recordedBefore = order.has("/payment/refunds") ? order.size("/payment/refunds") : 0;
        for (const auto& [claimed, refundIds] : claims.byRma) {
            if (refundIds.size() > 1) continue;  // paid in parts (HandRefundParts.h)
            const std::string& refundId = refundIds.front();
            NamedHandRefund& group =
                named.try_emplace(refundId, NamedHandRefund{refundId, {}, 0, recordedBefore, {}}).first->second;
            group.rmas.push_back(claimed);
            if (group.owedTogether < 0 || owedTo(claimed) <= 0 ||
                __builtin_add_overflow(group.owedTogether, owedTo(claimed), &group.owedTogether))
                group.owedTogether = -1;  // never an amount: the claim is refused
        }
        for (const auto& [refundId, group] : named) {
            // A shared refund is named for all its returns in one action: recorded for some of them
            // before, its other parts would be checked against a sum that counts theirs again.
            const auto recordedFor = [&](const std::string& each) { return refundedFor(order, each); };
            const std::size_t recorded = std::count_if(group.rmas.begin(), group.rmas.end(), recordedFor);
            if (group.rmas.size() > 1 && recorded > 0 && recorded < group.rmas.size())
                return sdk::Outcome::fail("refund_by_hand_unconfirmed",
                                          "refund " + refundId +
                                              " is recorded already for some of the returns named with it; a "
                                              "refund that paid several returns is named for all of them in one "
                                              "action; nothing was recorded");
        }
        for (const std::string& each : owed) {
            const auto claim = claims.byRma.find(each);
            std::optional<NamedHandRefund> group;
            if (claim != claims.byRma.end())
                group = claim->second.size() == 1
                            ? named.at(claim->second.front())
                            : NamedHandRefund{claim->second.front(), {each}, 0, recordedBefore, claim->second};
            if (std::optional<sdk::Outcome> stop = refundOnce(call, *id, each, owedTo(each), group)) return *stop;
        }
        return sdk::Outcome::proceed();
    }

    // Refunds `amount` (at most what is captured and not refunded yet) for `rma` under its own
    // key, unless that refund is recorded already; an outcome when the step must stop there.
    std::optional<sdk::Outcome> refundOnce(const sdk::StepCall& call, const std::string& id, const std::string& rma,
                                           std::int64_t wanted, const std::optional<NamedHandRefund>& byHand) const {
        const sdk::OrderDocument order = call.order();
        const std::string key = keyOf(call, ("refund:" + rma).c_str());
        if (refundRecorded(call, key)) return std::nullopt;  // refunded by an earlier run whose document was kept
        const std::int64_t captured = order.integer("/payment/captured_minor");
        const std::int64_t before = order.optionalInteger("/payment/refunded_minor").value_or(0);
        // What the gateway can still refund: refunds of no return (acknowledged) took their part.
        const std::int64_t accounted = before + acknowledgedMinor(order);
        const std::int64_t amount = std::min(wanted, captured - accounted);
        // A refund shared by several returns pays each in full, so each part is what it is owed
        // (checked before the early return below: no part of it may be left out).
        if (byHand && byHand->rmas.size() > 1 && amount != wanted)
            return sdk::Outcome::fail(
                "refund_by_hand_unconfirmed",
                "RMA " + rma + " is owed " + std::to_string(wanted) + " minor units but the payment has " +
                    std::to_string(std::max<std::int64_t>(amount, 0)) + " left to refund, so refund " +
                    byHand->refundId + " cannot have paid it with the others; nothing was recorded");
        if (amount <= 0 && byHand)  // a claim that records nothing would leave its refund unaccounted
            return sdk::Outcome::fail(
                "refund_by_hand_unconfirmed",
                "the manual action names RMA " + rma + " (" +
                    joined(byHand->parts.empty() ? std::vector<std::string>{byHand->refundId} : byHand->parts) +
                    "), but the order owes it no refund now (" +
                    (wanted <= 0 ? "its units were credited by an undone return's note"
                                 : "the payment has nothing left to refund") +
                    "); nothing was recorded");
        if (amount <= 0) return std::nullopt;
        const std::string currency = order.optionalString("/payment/currency").value_or("");
        if (byHand && byHand->parts.size() > 1) {
            std::vector<std::int64_t> amounts;
            if (std::optional<sdk::Outcome> stop = confirmHandRefundParts(forCall(gateway_, timeoutMs_, call), call, id,
                                                                          rma, byHand->parts, amount, key, amounts))
                return stop;
            for (std::size_t part = 0; part < amounts.size(); ++part)
                recordRefund(call, {"refund", byHandKey(key, part), amounts[part], currency, id, "refunded", ""}, rma,
                             byHand->parts[part], true);
            return std::nullopt;
        }
        if (byHand) {
            if (std::optional<sdk::Outcome> stop =
                    confirmHandRefund(forCall(gateway_, timeoutMs_, call), call, id, rma, *byHand, amount, key))
                return stop;
            recordRefund(call, {"refund", byHandKey(key, 0), amount, currency, id, "refunded", ""}, rma,
                         byHand->refundId, true);
            return std::nullopt;
        }
        if (std::optional<sdk::Outcome> stop = reconcileBeforeAsking(
                forCall(gateway_, timeoutMs_, call), call, id, keyOf(call, "refund:"), "RMA " + rma + "'s refund",
                "name a return's refund made by hand (manual_action retry with data "
                "refunded_by_hand: [{rma_number, refund_id}], refund_id a list for one return "
                "paid in parts) or acknowledge one that is no return's (data "
                "acknowledged_refunds: [refund_id])"))
            return stop;
        const RefundWalk walk = refundUnderKeys(
            [&] { return forCall(gateway_, timeoutMs_, call); }, id, amount, key, accounted,
            {"the refund of RMA " + rma,
             "if it is this return's, name it (manual_action retry with data refunded_by_hand: rma_number, "
             "refund_id; refund_id a list for one return paid in parts)",
             "refund it by hand at the gateway and tell the step so (manual_action data refunded_by_hand)"});
        if (walk.stop) return walk.stop;
        const GatewayReply& refunded = walk.reply;
        const std::string& used = walk.used;
        if (refunded.kind == GatewayReply::Kind::unavailable) return retryLater(refunded, "refund");
        if (refunded.kind != GatewayReply::Kind::done) return refusedByGateway(refunded, "refund");
        recordRefund(call, {"refund", used, amount, currency, id, "refunded", ""}, rma, refunded.id, false);
        return std::nullopt;
    }

    // Records a refund made: its payment_records row (in the step's transaction), the invoice's
    // receivable, /payment/refunded_minor and status, and its /payment/refunds entry.
    static void recordRefund(const sdk::StepCall& call, const PaymentRecord& record, const std::string& rma,
                             const std::string& refundId, bool byHand) {
        const sdk::OrderDocument order = call.order();
        const std::int64_t before = order.optionalInteger("/payment/refunded_minor").value_or(0);
        savePaymentRecord(call, record);
        moveReceivable(call, record.amountMinor);
        order.set("/payment/refunded_minor", before + record.amountMinor);
        setRefundedStatus(order);
        sdk::JsonObject entry;
        entry.add("rma_number", rma).add("amount_minor", record.amountMinor).add("refund_id", refundId);
        if (byHand) entry.add("by_hand", true);
        order.setJson("/payment/refunds/-", entry.str());
    }

    // Whether the refund under `key`, one of its later generations or by hand is in payment_records.
    static bool refundRecorded(const sdk::StepCall& call, const std::string& key) {
        const std::vector<sdk::Row> made = sdk::Database(call).query(
            "SELECT idempotency_key FROM payment_records WHERE order_id = ? AND operation = ?",
            {call.orderId(), "refund"});
        return std::any_of(made.begin(), made.end(), [&](const sdk::Row& row) {
            const std::string recorded = row.string("idempotency_key");
            return isKeyOfRefund(key, recorded) || isByHandKeyOf(key, recorded);
        });
    }

    // The RMAs other than `current` with credit notes in /billing/return_credits and no refund
    // in /payment/refunds: returns whose refund failed (the credit note stood when the return
    // was undone), was skipped, or never ran. In the order their notes were issued.
    static std::vector<std::string> outstandingRmas(const sdk::OrderDocument& order, const std::string& current) {
        std::vector<std::string> owed;
        const std::size_t credits = order.has("/billing/return_credits") ? order.size("/billing/return_credits") : 0;
        for (std::size_t i = 0; i < credits; ++i) {
            const std::string rma =
                order.optionalString(sdk::path("billing", "return_credits", i, "rma_number")).value_or("");
            if (rma.empty() || rma == current || refundedFor(order, rma) ||
                std::find(owed.begin(), owed.end(), rma) != owed.end())
                continue;
            owed.push_back(rma);
        }
        return owed;
    }

    static bool refundedFor(const sdk::OrderDocument& order, const std::string& rma) {
        return !refundIdsFor(order, rma).empty();
    }

    // The gross total of the credit notes of `rma` (one per invoice concerned); nullopt without one.
    static std::optional<std::int64_t> creditedTo(const sdk::OrderDocument& order, const std::string& rma) {
        std::optional<std::int64_t> total;
        const std::size_t credits = order.has("/billing/return_credits") ? order.size("/billing/return_credits") : 0;
        for (std::size_t i = 0; i < credits; ++i)
            if (order.optionalString(sdk::path("billing", "return_credits", i, "rma_number")).value_or("") == rma)
                total = total.value_or(0) + order.integer(sdk::path("billing", "return_credits", i, "total_minor"));
        return total;
    }

    // Whether billing's credit-return found every unit of `rma` credited already by the standing
    // note of an undone return (/billing/return_claims) and issued no note of its own.
    static bool claimsStandingCredit(const sdk::OrderDocument& order, const std::string& rma) {
        const std::size_t claims = order.has("/billing/return_claims") ? order.size("/billing/return_claims") : 0;
        for (std::size_t i = 0; i < claims; ++i)
            if (order.optionalString(sdk::path("billing", "return_claims", i, "rma_number")).value_or("") == rma)
                return true;
        return false;
    }

    // The credit notes' gross total for `rma`, else quantity x unit_price of the returned lines;
    // nullopt when that does not fit in 64 bits (checked: the order schema allows any price).
    static std::optional<std::int64_t> amountOf(const sdk::OrderDocument& order, const std::string& rma) {
        if (std::optional<std::int64_t> credited = creditedTo(order, rma)) return *credited;
        if (claimsStandingCredit(order, rma)) return 0;  // credited by an undone return's note: paid as outstanding
        const std::string lines = order.has("/return/received/lines") ? "/return/received/lines" : "/return/rma/lines";
        std::int64_t sum = 0;
        for (std::size_t i = 0; i < order.size(lines); ++i) {
            const std::string at = lines + "/" + std::to_string(i);
            std::int64_t line = 0;
            if (__builtin_mul_overflow(order.optionalInteger(at + "/quantity").value_or(0),
                                       order.optionalInteger(at + "/unit_price").value_or(0), &line) ||
                __builtin_add_overflow(sum, line, &sum))
                return std::nullopt;
        }
        return sum;
    }

    HttpGateway gateway_;
    std::int64_t timeoutMs_;
};

}  // namespace orderhost::payment
