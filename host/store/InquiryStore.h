// Customer-service inquiries recorded against an order: a question that arrived by some channel,
// and later its answer. Each change is written with its outbox event (inquiry.opened,
// inquiry.answered) in ONE transaction, so subscribers (webhooks, a notification chain) hear of
// an inquiry exactly when it was committed (Outbox.h).
//
//   InquiryStore inquiries(db);
//   inquiries.open(record, openedEvent);
//   if (inquiries.answer(orderId, id, "Shipped today", "agent-7", nowMs, answeredEvent)
//       == AnswerResult::Answered) { ... }
//
// Text fields are byte strings, validated by the caller (the HTTP boundary); lengths are
// checked here against the columns (Migrations.cpp v10).
// Thread-safe: each call takes its own session.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "host/store/Database.h"
#include "host/store/Outbox.h"

namespace orderhost::store {

struct InquiryRecord {
    std::string id, orderId;
    std::string channel;                        // email, phone, chat, portal
    std::string question;                       // at most kMaxInquiryTextBytes
    std::string status;                         // "open" or "answered"
    std::string answer, answeredBy;             // empty while open
    int64_t createdAtMs = 0, answeredAtMs = 0;  // answeredAtMs 0 while open
};

inline constexpr std::size_t kMaxInquiryTextBytes = 4000;
inline constexpr std::size_t kMaxInquiryByBytes = 200;

enum class AnswerResult { Answered, AlreadyAnswered, UnknownInquiry };

class InquiryStore {
public:
    explicit InquiryStore(Database& db) : db_(db) {}

    // Inserts `inquiry` and appends `event` in one transaction. Throws StoreError (also when
    // the order does not exist: the foreign key refuses it).
    void open(const InquiryRecord& inquiry, const OutboxEvent& event);

    // Records the answer of the order's open inquiry and appends `event`, in one transaction.
    // AlreadyAnswered and UnknownInquiry write nothing.
    AnswerResult answer(const std::string& orderId, const std::string& inquiryId, const std::string& answer,
                        const std::string& by, int64_t atMs, const OutboxEvent& event);

    std::optional<InquiryRecord> find(const std::string& orderId, const std::string& inquiryId);
    // The order's inquiries, oldest first.
    std::vector<InquiryRecord> ofOrder(const std::string& orderId);

private:
    std::vector<InquiryRecord> select(const std::string& op, const std::string& orderId, const std::string* inquiryId);

    Database& db_;
};

}  // namespace orderhost::store
