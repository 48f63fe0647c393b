// orderhost.payment — authorize, capture, void and refund a card payment through a gateway.
//
// Step kinds:
//   authorize  authorizes the order's amount on the card token found in the order, and with
//              "capture": "at_placement" (services) captures it at once; with "later" (goods)
//              a `capture` step further down the chain (e.g. at shipment) does.
//   capture    captures what `authorize` authorized.
//
// Exactly once: every gateway call carries "<oh_step_call.idempotency_key>:<operation>". That
// key is the same for every attempt and every host restart of this order's step, and the
// gateway answers a repeated key with its original result instead of moving money again. So a
// RETRY after a lost answer, a host killed between "gateway charged" and "checkpoint
// committed", or a signal re-running the step charges once. Rows in payment_records (see
// PaymentRecords.h) are keyed the same way and commit with the step.
//
// Outcomes: authorized (and captured) → CONTINUE; declined → REJECT with the gateway's
// decline code; 5xx / timeout / no answer → RETRY (code gateway_*: the chain's attempts and
// backoff apply), except that `authorize` never ends an attempt not knowing whether money is
// held: a step that failed for good is not undone by the host, so an authorization it could
// not learn of would stay open. An authorize (or capture at placement) without an answer is
// asked again at once with the same key (the gateway replays what it did); still no answer →
// the step cancels it by key (technical cancel; a capture: void by id) and FAILs
// payment_outcome_unknown with nothing held; only when that gets no answer either → RETRY:
// the next attempt's authorize is refused (the cancel came first: FAIL payment_outcome_unknown)
// or replayed, and a replay on a retried attempt is looked up, since it answers "authorized"
// also when the cancel voided it since (then FAIL payment_outcome_unknown, nothing held). The
// authorize, its repeat and the cancel each get a share of the step's deadline. requires_action (3-D Secure) → SUSPEND
// on signal "payment_confirmed"; the re-run after the signal asks the gateway how the customer answered; after
// {"timed_out": true} (on_signal_timeout: rerun) it voids and REJECTs payment_confirmation_timeout.
// compensate(): voids an uncaptured authorization, refunds a captured one (less what
// refund-return refunded already; same keys: safe to repeat); after a run that gave up not
// knowing (the host undoes it too), `authorize` cancels by the authorize call's key. Writes
// /payment/{authorization_id,status,amount_minor,currency,captured_minor,refunded_minor,...}.
// Receivables: on an invoiced order (/billing/invoice_number) a capture reduces the customer's
// open receivables in billing_accounts by the amount captured, and a refund adds back what was
// paid back (the credit note reduced them): a card-paid invoice is not an open receivable.
//   refund-return (RefundReturn.h) refunds the returned lines of an RMA, partially.
#include "Gateway.h"
#include "HttpGateway.h"
#include "PaymentRecords.h"
#include "PaymentSettings.h"
#include "PaymentStep.h"
#include "RefundReturn.h"

#include <orderhost/sdk.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace sdk = orderhost::sdk;
using orderhost::payment::AuthorizeRequest;
using orderhost::payment::forCall;
using orderhost::payment::gatewayFrom;
using orderhost::payment::GatewayReply;
using orderhost::payment::HttpGateway;
using orderhost::payment::integerSetting;
using orderhost::payment::keyOf;
using orderhost::payment::PaymentStep;
using orderhost::payment::refusedByGateway;
using orderhost::payment::retryLater;
using orderhost::payment::stringSetting;
using orderhost::payment::writeStatus;
using Kind = GatewayReply::Kind;

namespace {

constexpr char kAuthorizeSchema[] = R"({
  "type": "object", "required": ["base_url"],
  "properties": {
    "base_url": {"type": "string", "description": "the gateway, http://host:port"},
    "timeout_ms": {"type": "integer", "minimum": 1, "maximum": 600000, "default": 10000},
    "capture": {"enum": ["at_placement", "later"], "default": "at_placement"},
    "card_token_path": {"type": "string", "default": "/attributes/card_token"},
    "amount_path": {"type": "string", "description": "default: /billing/total_minor, else /totals/net"},
    "confirmation_timeout_ms": {"type": "integer", "minimum": 0, "default": 0}
  }
})";

constexpr char kCaptureSchema[] = R"({
  "type": "object", "required": ["base_url"],
  "properties": {
    "base_url": {"type": "string"},
    "timeout_ms": {"type": "integer", "minimum": 1, "maximum": 600000, "default": 10000}
  }
})";

constexpr char kSignal[] = "payment_confirmed";

class AuthorizeStep : public PaymentStep {
public:
    explicit AuthorizeStep(sdk::CreateContext& ctx)
        : PaymentStep(gatewayFrom(ctx.config()), integerSetting(ctx.config(), "timeout_ms", 10000, 1, 600000)) {
        const sdk::Document config = ctx.config();
        const std::string capture = stringSetting(config, "capture", "at_placement");
        if (capture != "at_placement" && capture != "later")
            throw sdk::ConfigError("capture", "must be \"at_placement\" or \"later\", got \"" + capture + "\"");
        captureAtPlacement_ = capture == "at_placement";
        cardTokenPath_ = stringSetting(config, "card_token_path", "/attributes/card_token");
        amountPath_ = stringSetting(config, "amount_path", "");
        for (const std::string* path : {&cardTokenPath_, &amountPath_})
            if (!path->empty() && path->front() != '/')
                throw sdk::ConfigError(path == &cardTokenPath_ ? "card_token_path" : "amount_path",
                                       "must be a JSON Pointer starting with '/'");
        confirmationTimeoutMs_ = integerSetting(config, "confirmation_timeout_ms", 0, 0, INT32_MAX);
    }

    sdk::Outcome run(sdk::StepCall& call) override {
        sdk::OrderDocument order = call.order();
        const std::optional<std::int64_t> amount = amountOf(order);
        if (!amount)
            return sdk::Outcome::fail(
                "amount_missing",
                amountPath_.empty()
                    ? "neither /billing/total_minor nor /totals/net is in the order: run billing or validation first"
                    : amountPath_ + " is missing from the order");
        const std::string currency =
            order.optionalString("/billing/currency").value_or(order.optionalString("/currency").value_or(""));
        const std::optional<std::string> token = order.optionalString(cardTokenPath_);
        if (!token || token->empty())
            return sdk::Outcome::reject("payment_card_missing", cardTokenPath_ + " (the card token) is missing");
        if (*amount <= 0) {
            writeStatus(order, "nothing_due");
            return sdk::Outcome::proceed();
        }
        const HttpGateway gateway = forCall(gateway_, timeoutMs_, call);
        const AuthorizeRequest request{*amount, currency, *token, std::string(call.orderId()),
                                       keyOf(call, "authorize")};
        // A third of the deadline each for the authorize, its repeat and the technical cancel:
        // the cancel must not be left a millisecond (its answer lost, the money stays held).
        GatewayReply auth = forCallShare(gateway_, timeoutMs_, call, 3).authorize(request);
        if (auth.kind == Kind::unavailable)
            auth = forCallShare(gateway_, timeoutMs_, call, 2).authorize(request);  // the gateway replays what it did
        if (auth.kind == Kind::unavailable)
            return cancelUnknownAuthorization(call, forCall(gateway_, timeoutMs_, call), auth);
        if (auth.kind == Kind::refused && auth.errorCode == "authorization_cancelled")
            return cancelledEarlier("an earlier attempt cancelled its key before the authorization arrived");
        if (auth.kind == Kind::refused) return refusedByGateway(auth, "authorize");
        if (call.attempt() > 1 && auth.kind != Kind::declined) {
            // A replayed authorize answers as it did then, also when an earlier attempt's
            // technical cancel (its answer lost) voided it since: ask how it stands now.
            const GatewayReply now = forCall(gateway_, timeoutMs_, call).lookup(auth.id);
            if (now.kind == Kind::unavailable) return retryLater(now, "lookup");
            if (now.status == "voided")
                return cancelledEarlier("an earlier attempt's technical cancel voided " + auth.id);
        }
        order.setJson("/payment/authorization_id", sdk::jsonQuote(auth.id));
        order.set("/payment/amount_minor", *amount);
        order.set("/payment/currency", currency);
        if (auth.kind == Kind::requiresAction) {
            if (std::optional<sdk::Outcome> waiting = confirmation(call, gateway, auth)) {
                save(call, auth, *amount, currency);
                return *waiting;
            }
        }
        save(call, auth, *amount, currency);
        if (auth.kind == Kind::declined) {
            writeStatus(order, "declined");
            order.set("/payment/decline_code", auth.declineCode);
            return sdk::Outcome::reject(auth.declineCode.empty() ? "card_declined" : auth.declineCode,
                                        "the card was declined by the gateway (" + auth.declineCode + ")");
        }
        writeStatus(order, "authorized");
        if (captureAtPlacement_)
            if (std::optional<sdk::Outcome> failed = capture(call, gateway, auth.id, *amount, currency, true))
                return *failed;
        return sdk::Outcome::proceed();
    }

    // A run whose last attempt gave up not knowing whether the gateway authorized (every answer
    // lost, even the technical cancel's) committed nothing, so the order has no /payment; the
    // host undoes such a step too (docs/plugins.md#payment). Whatever that call may have held
    // is cancelled by its key; the gateway replays a cancel that arrived before. A gateway still
    // unreachable → RETRY: the host tries again by the step's attempts and backoff, then holds
    // the order (manual_action retry once the gateway is back). The rest: by /payment/status.
    sdk::Outcome compensate(sdk::StepCall& call) override {
        const sdk::OrderDocument order = call.order();
        if (order.has("/payment/authorization_id") || order.has("/payment/status"))
            return PaymentStep::compensate(call);
        const GatewayReply cancelled =
            forCall(gateway_, timeoutMs_, call).cancelByKey(keyOf(call, "authorize"), keyOf(call, "cancel"));
        if (cancelled.kind == Kind::unavailable) return retryLater(cancelled, "cancel");
        if (cancelled.kind == Kind::refused) return refusedByGateway(cancelled, "cancel");
        order.set("/payment/technical_cancel", cancelled.status);  // voided, declined or nothing_to_cancel
        if (cancelled.id.empty()) return sdk::Outcome::proceed();
        const std::string currency =
            order.optionalString("/billing/currency").value_or(order.optionalString("/currency").value_or(""));
        orderhost::payment::savePaymentRecord(
            call, {"void", keyOf(call, "cancel"), cancelled.amountMinor, currency, cancelled.id, cancelled.status, ""});
        order.setJson("/payment/authorization_id", sdk::jsonQuote(cancelled.id));
        writeStatus(order, cancelled.status);
        return sdk::Outcome::proceed();
    }

private:
    // The authorize call went unanswered twice: the gateway may hold money under our key that
    // nobody would release (see the file comment). Cancel it by key and fail for good; RETRY
    // only when the cancel is unanswered too (then the next attempt's replay tells).
    static sdk::Outcome cancelUnknownAuthorization(const sdk::StepCall& call, const HttpGateway& gateway,
                                                   const GatewayReply& lost) {
        const GatewayReply cancelled = gateway.cancelByKey(keyOf(call, "authorize"), keyOf(call, "cancel"));
        if (cancelled.kind != Kind::done) return retryLater(lost, "authorize");
        return sdk::Outcome::fail("payment_outcome_unknown", "the gateway did not answer the authorization (" +
                                                                 lost.message + "); cancelled by its key " +
                                                                 keyOf(call, "authorize") + " (" + cancelled.status +
                                                                 "): nothing is held");
    }

    // What a technical cancel of an earlier attempt (whose answer was lost) left: nothing held.
    static sdk::Outcome cancelledEarlier(const std::string& what) {
        return sdk::Outcome::fail("payment_outcome_unknown",
                                  what + ": nothing is held; place the order again to pay it");
    }

    std::optional<std::int64_t> amountOf(const sdk::OrderDocument& order) const {
        if (!amountPath_.empty()) return order.optionalInteger(amountPath_);
        if (std::optional<std::int64_t> billed = order.optionalInteger("/billing/total_minor")) return billed;
        return order.optionalInteger("/totals/net");
    }

    void save(const sdk::StepCall& call, const GatewayReply& auth, std::int64_t amount,
              const std::string& currency) const {
        orderhost::payment::savePaymentRecord(
            call, {"authorize", keyOf(call, "authorize"), amount, currency, auth.id, auth.status, auth.declineCode});
    }

    // 3-D Secure: the first run suspends; the run after the signal (or its timeout) learns the
    // customer's answer from the gateway and updates `auth`. A value means "return this".
    std::optional<sdk::Outcome> confirmation(const sdk::StepCall& call, const HttpGateway& gateway,
                                             GatewayReply& auth) const {
        const sdk::OrderDocument order = call.order();
        const std::string signalPath = std::string("/signals/") + kSignal;
        if (order.optionalBoolean(signalPath + "/timed_out").value_or(false)) {
            const GatewayReply voided = gateway.voidAuthorization(auth.id, keyOf(call, "void"));
            if (voided.kind == Kind::unavailable) return retryLater(voided, "void");
            if (voided.kind == Kind::refused && voided.errorCode != "invalid_state")
                return refusedByGateway(voided, "void");
            orderhost::payment::savePaymentRecord(
                call, {"void", keyOf(call, "void"), order.integer("/payment/amount_minor"),
                       order.optionalString("/payment/currency").value_or(""), auth.id, "voided", ""});
            writeStatus(order, "voided");
            return sdk::Outcome::reject("payment_confirmation_timeout",
                                        "the customer did not confirm the payment in time; authorization voided");
        }
        if (order.has(signalPath)) {
            const GatewayReply now = gateway.lookup(auth.id);
            if (now.kind == Kind::unavailable) return retryLater(now, "lookup");
            if (now.kind == Kind::refused) return refusedByGateway(now, "lookup");
            auth.kind = now.kind;
            auth.status = now.status;
            auth.declineCode = now.declineCode;
            if (auth.kind != Kind::requiresAction) return std::nullopt;
        }
        writeStatus(order, "requires_action");
        return sdk::Outcome::suspend(kSignal, "waiting for the customer to confirm payment " + auth.id,
                                     static_cast<std::uint64_t>(confirmationTimeoutMs_))
            .withCode("payment_requires_action");
    }

    bool captureAtPlacement_ = true;
    std::string cardTokenPath_;
    std::string amountPath_;
    std::int64_t confirmationTimeoutMs_ = 0;
};

class CaptureStep : public PaymentStep {
public:
    explicit CaptureStep(sdk::CreateContext& ctx)
        : PaymentStep(gatewayFrom(ctx.config()), integerSetting(ctx.config(), "timeout_ms", 10000, 1, 600000)) {}

    sdk::Outcome run(sdk::StepCall& call) override {
        sdk::OrderDocument order = call.order();
        const std::optional<std::string> id = order.optionalString("/payment/authorization_id");
        const std::string status = order.optionalString("/payment/status").value_or("");
        if (status == "captured" || status == "nothing_due") return sdk::Outcome::proceed();
        if (!id || status != "authorized")
            return sdk::Outcome::fail("payment_not_authorized",
                                      "/payment/status is \"" + status + "\": run an authorize step before capture");
        const HttpGateway gateway = forCall(gateway_, timeoutMs_, call);
        if (std::optional<sdk::Outcome> failed = capture(call, gateway, *id, order.integer("/payment/amount_minor"),
                                                         order.optionalString("/payment/currency").value_or("")))
            return *failed;
        return sdk::Outcome::proceed();
    }
};

}  // namespace

ORDERHOST_MIGRATIONS("", ORDERHOST_PAYMENT_MIGRATIONS);

ORDERHOST_PLUGIN(
    "orderhost.payment", "1.1.0", "orderhost", "Card payments through a gateway, exactly once",
    ORDERHOST_STEP(AuthorizeStep, "authorize", OH_CATEGORY_PAYMENT,
                   "Authorizes (and with capture: at_placement captures) the order's amount on its card",
                   kAuthorizeSchema, OH_STEP_THREAD_SAFE),
    ORDERHOST_STEP(CaptureStep, "capture", OH_CATEGORY_PAYMENT,
                   "Captures the amount an authorize step authorized (e.g. at shipment)", kCaptureSchema,
                   OH_STEP_THREAD_SAFE),
    ORDERHOST_STEP(orderhost::payment::RefundReturnStep, "refund-return", OH_CATEGORY_PAYMENT,
                   "Refunds the returned lines of the order's RMA (partial refunds, never more than captured)",
                   orderhost::payment::kRefundReturnSchema, OH_STEP_THREAD_SAFE));
