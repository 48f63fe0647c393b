// What the steps of orderhost.payment share: reading their config, the gateway a call may
// use (its timeout cut to the host's deadline), the idempotency keys of gateway calls, the
// mapping of gateway failures to outcomes, and the customer's receivables.
#pragma once

#include "Gateway.h"
#include "HttpGateway.h"

#include <orderhost/sdk.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace orderhost::payment {

namespace sdk = orderhost::sdk;

inline std::int64_t integerSetting(const sdk::Document& config, const char* field, std::int64_t fallback,
                                   std::int64_t low, std::int64_t high) {
    std::optional<std::int64_t> value;
    try {
        value = config.optionalInteger(std::string("/") + field);
    } catch (const sdk::Error&) {
        throw sdk::ConfigError(field, "must be an integer");
    }
    if (value && (*value < low || *value > high))
        throw sdk::ConfigError(field, "must be between " + std::to_string(low) + " and " + std::to_string(high));
    return value.value_or(fallback);
}

inline std::string stringSetting(const sdk::Document& config, const char* field, const std::string& fallback) {
    try {
        return config.optionalString(std::string("/") + field).value_or(fallback);
    } catch (const sdk::Error&) {
        throw sdk::ConfigError(field, "must be a string");
    }
}

inline HttpGateway gatewayFrom(const sdk::Document& config) {
    const std::string url = stringSetting(config, "base_url", "");
    if (url.empty()) throw sdk::ConfigError("base_url", "is required (the gateway, e.g. http://127.0.0.1:9100)");
    try {
        return HttpGateway(url, integerSetting(config, "timeout_ms", 10000, 1, 600000));
    } catch (const std::invalid_argument& e) {
        throw sdk::ConfigError("base_url", e.what());
    }
}

// The configured timeout, shortened so that the call ends before the host stops waiting.
inline HttpGateway forCall(const HttpGateway& gateway, std::int64_t timeoutMs, const sdk::StepCall& call) {
    if (call.deadlineMs() == 0) return gateway;
    const std::int64_t left = call.deadlineMs() - call.nowMs() - 100;
    return gateway.withTimeout(std::max<std::int64_t>(1, std::min(timeoutMs, left)));
}

// A gateway whose timeout is a `1/parts` share of what is left of the step's deadline, so the
// requests still to come (a repeat, a technical cancel) keep time of their own.
inline HttpGateway forCallShare(const HttpGateway& gateway, std::int64_t timeoutMs, const sdk::StepCall& call,
                                std::int64_t parts) {
    if (call.deadlineMs() == 0) return gateway;
    const std::int64_t left = call.deadlineMs() - call.nowMs() - 100;
    return gateway.withTimeout(std::max<std::int64_t>(1, std::min(timeoutMs, left / std::max<std::int64_t>(parts, 1))));
}

inline std::string keyOf(const sdk::StepCall& call, const char* operation) {
    return std::string(call.idempotencyKey()) + ":" + operation;
}

inline sdk::Outcome retryLater(const GatewayReply& reply, const char* operation) {
    return sdk::Outcome::retry(std::string("payment gateway, ") + operation + ": " + reply.message)
        .withCode(reply.errorCode.empty() ? "gateway_unavailable" : reply.errorCode);
}

inline sdk::Outcome refusedByGateway(const GatewayReply& reply, const char* operation) {
    return sdk::Outcome::fail(
        "gateway_refused_" + std::string(operation),
        "the gateway refused the " + std::string(operation) + " (" + reply.errorCode + "): " + reply.message);
}

// An invoiced order (/billing/invoice_number) owes its invoice in billing_accounts
// (orderhost.billing's table): money the card paid settles it (negative `amount`), money paid
// back reopens it. An order that was not invoiced has no receivable to move.
inline void moveReceivable(const sdk::StepCall& call, std::int64_t amount) {
    const sdk::OrderDocument order = call.order();
    const std::optional<std::string> customer = order.optionalString("/customer/id");
    const std::string currency = order.optionalString("/payment/currency").value_or("");
    if (!order.has("/billing/invoice_number") || !customer || amount == 0) return;
    sdk::Database db(call);
    db.execute(
        "INSERT INTO billing_accounts (customer_id, currency, open_minor) VALUES (?, ?, 0)"
        " ON CONFLICT (customer_id, currency) DO NOTHING",
        {*customer, currency});
    db.execute("UPDATE billing_accounts SET open_minor = open_minor + ? WHERE customer_id = ? AND currency = ?",
               {amount, *customer, currency});
}

// orderhost.credit counts an accepted order (credit_exposures, state "open") until it is
// invoiced. What the card paid is owed by nobody, so a capture closes what is still open
// (state "paid": a chain that captures before it invoices, or the rest of an order invoiced
// per shipment). Only when the credit step recorded the order: without orderhost.credit the
// table does not exist, and a failing statement would abort the step's transaction.
inline void closePaidExposure(const sdk::StepCall& call) {
    if (call.order().optionalString("/credit/status").value_or("") != "accepted") return;
    sdk::Database db(call);
    db.execute("UPDATE credit_exposures SET state = 'paid', closed_at_ms = ? WHERE order_id = ? AND state = 'open'",
               {call.nowMs(), std::string(call.orderId())});
}

}  // namespace orderhost::payment
