// notification_deliveries: one row per notification the plugin delivered, written in the
// step's transaction, keyed by the notification's idempotency key ("<order id>/<step name>:<event>").
// A row exists exactly when the step's result was kept, so a step that finds its row sends
// nothing again (a completed step re-run by an administrator, a chain run twice).
//
// What the row cannot cover: the message leaves before the transaction commits. A host that
// dies between the server's "250 accepted" and the commit re-runs the step after its restart,
// finds no row and sends again — with the same Message-ID (derived from the key), so a mail
// client or archive that deduplicates on Message-ID shows it once. At-least-once delivery
// with a stable deduplication key; docs/plugins.md#notification says so too.
#pragma once

#include "Delivery.h"

#include <orderhost/sdk.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace orderhost::notification {

inline bool alreadyDelivered(const sdk::StepCall& call, const std::string& idempotencyKey) {
    sdk::Database db(call);
    return !db.query("SELECT message_id FROM notification_deliveries WHERE idempotency_key = ?", {idempotencyKey})
                .empty();
}

inline void saveDelivery(const sdk::StepCall& call, const Message& message, const char* channel) {
    sdk::Database db(call);
    db.execute(
        "INSERT INTO notification_deliveries (idempotency_key, order_id, step_name, event, channel, recipient,"
        " language, message_id, attempt, sent_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {message.idempotencyKey, call.orderId(), call.stepName(), message.event, channel,
         message.to.empty() ? sdk::Param::null() : sdk::Param(message.to), message.language, message.messageId,
         static_cast<std::int64_t>(call.attempt()), call.nowMs()});
}

}  // namespace orderhost::notification

// The plugin's tables (host database). Appended only: never change a shipped version.
#define ORDERHOST_NOTIFICATION_MIGRATIONS                            \
    ORDERHOST_MIGRATION(1, "notification_deliveries",                \
                        "CREATE TABLE notification_deliveries ("     \
                        " idempotency_key VARCHAR(250) PRIMARY KEY," \
                        " order_id VARCHAR(36) NOT NULL,"            \
                        " step_name VARCHAR(100) NOT NULL,"          \
                        " event VARCHAR(64) NOT NULL,"               \
                        " channel VARCHAR(16) NOT NULL,"             \
                        " recipient VARCHAR(300),"                   \
                        " language VARCHAR(16) NOT NULL,"            \
                        " message_id VARCHAR(200) NOT NULL,"         \
                        " attempt INTEGER NOT NULL,"                 \
                        " sent_at_ms BIGINT NOT NULL);"              \
                        "CREATE INDEX notification_deliveries_order ON notification_deliveries (order_id)")
