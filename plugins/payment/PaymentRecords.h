// payment_records: one row per money movement the plugin asked of the gateway (and per refund a
// person made at the gateway that an administrator acknowledged as no return's), written in the
// step's transaction (so a row exists exactly when the step's outcome was saved). The primary
// key is the gateway idempotency key of the movement, so a re-run step (after a retry, a
// crash or a signal) updates its row instead of adding a second one.
#pragma once

#include <orderhost/sdk.hpp>

#include <cstdint>
#include <string>

namespace orderhost::payment {

struct PaymentRecord {
    std::string operation;  // authorize, capture, void, refund, acknowledged (HandRefund.h)
    std::string idempotencyKey;
    std::int64_t amountMinor = 0;
    std::string currency;
    std::string gatewayId;  // the authorization's id (a refund: the refunded authorization)
    std::string status;     // authorized, requires_action, declined, captured, voided, refunded
    std::string declineCode;
};

inline void savePaymentRecord(const sdk::StepCall& call, const PaymentRecord& r) {
    sdk::Database db(call);
    db.execute(
        "INSERT INTO payment_records (idempotency_key, order_id, step_name, operation, amount_minor,"
        " currency, gateway_id, status, decline_code, recorded_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (idempotency_key) DO UPDATE SET status = excluded.status,"
        " decline_code = excluded.decline_code, recorded_at_ms = excluded.recorded_at_ms",
        {r.idempotencyKey, call.orderId(), call.stepName(), r.operation, r.amountMinor, r.currency, r.gatewayId,
         r.status, r.declineCode.empty() ? sdk::Param::null() : sdk::Param(r.declineCode), call.nowMs()});
}

}  // namespace orderhost::payment

// The plugin's tables (host database). Appended only: never change a shipped version.
#define ORDERHOST_PAYMENT_MIGRATIONS                                 \
    ORDERHOST_MIGRATION(1, "payment_records",                        \
                        "CREATE TABLE payment_records ("             \
                        " idempotency_key VARCHAR(200) PRIMARY KEY," \
                        " order_id VARCHAR(36) NOT NULL,"            \
                        " step_name VARCHAR(100) NOT NULL,"          \
                        " operation VARCHAR(16) NOT NULL,"           \
                        " amount_minor BIGINT NOT NULL,"             \
                        " currency VARCHAR(3) NOT NULL,"             \
                        " gateway_id VARCHAR(100) NOT NULL,"         \
                        " status VARCHAR(32) NOT NULL,"              \
                        " decline_code VARCHAR(100),"                \
                        " recorded_at_ms BIGINT NOT NULL);"          \
                        "CREATE INDEX payment_records_order ON payment_records (order_id)")
