#include "host/store/InquiryStore.h"

#include "host/store/OdbcStatement.h"
#include "host/store/OrderFields.h"
#include "host/store/PreparedStatements.h"

#include <Poco/Data/Statement.h>
#include <Poco/Nullable.h>

using namespace Poco::Data::Keywords;
using Poco::Nullable;
using Poco::Data::Session;
using Poco::Data::Statement;

namespace orderhost::store {
namespace {

using namespace fields;

constexpr Field kInquiryId{"inquiry id", 36, true}, kChannel{"channel", 16, true},
    kQuestion{"question", kMaxInquiryTextBytes, true}, kStatus{"status", 16, true},
    kAnswer{"answer", kMaxInquiryTextBytes, true}, kAnsweredBy{"answered_by", kMaxInquiryByBytes, true};

constexpr const char* kOfOrderSql =
    "SELECT id, channel, question, status, answer, answered_by, created_at, answered_at FROM inquiries"
    " WHERE order_id = ? ORDER BY created_at, id";

// The read every order reply makes (GET and POST /v1/orders), kept prepared on PostgreSQL like
// the step-runs read (OrderStatements.cpp).
std::optional<std::vector<InquiryRecord>> keptOfOrder(Session& s, const std::string& orderId) {
    PreparedStatements* set = PreparedStatements::of(s);
    if (set == nullptr) return std::nullopt;
    static const std::string key = "odbc:inquiries of order", sql = kOfOrderSql;
    std::vector<InquiryRecord> records;
    runKeptOdbc(*set, key, keptOdbcStatement(*set, s, key, sql), {orderId},
                [&](const std::vector<std::optional<std::string>>& row) {
                    auto text = [&](std::size_t column) { return row.at(column).value_or(std::string()); };
                    records.push_back({text(0), orderId, text(1), text(2), text(3), text(4), text(5),
                                       odbcInteger(row.at(6), 0), odbcInteger(row.at(7), 0)});
                });
    return records;
}

}  // namespace

void InquiryStore::open(const InquiryRecord& inquiry, const OutboxEvent& event) {
    const std::string op = "open inquiry on order " + shown(inquiry.orderId);
    check(db_, op, kInquiryId, inquiry.id);
    check(db_, op, kId, inquiry.orderId);
    check(db_, op, kChannel, inquiry.channel);
    check(db_, op, kQuestion, inquiry.question);
    check(db_, op, kStatus, inquiry.status);
    db_.withTransaction(op, [&](Session& s) {
        Statement st(s);
        st << "INSERT INTO inquiries (id, order_id, channel, question, status, created_at) VALUES (?, ?, ?, "
           << Dialect::textParam() << ", ?, ?)",
            bind(inquiry.id), bind(inquiry.orderId), bind(inquiry.channel);
        db_.dialect().bindText(st, inquiry.question);
        st, bind(inquiry.status), bind(static_cast<Poco::Int64>(inquiry.createdAtMs));
        st.execute();
        appendOutboxEvents(s, db_, {event});
    });
}

AnswerResult InquiryStore::answer(const std::string& orderId, const std::string& inquiryId, const std::string& answer,
                                  const std::string& by, int64_t atMs, const OutboxEvent& event) {
    const std::string op = "answer inquiry " + shown(inquiryId);
    check(db_, op, kAnswer, answer);
    check(db_, op, kAnsweredBy, by);
    AnswerResult result = AnswerResult::Answered;
    db_.withTransaction(op, [&](Session& s) {
        // Only an open inquiry changes: two agents answering at once cannot both win.
        const bool changed = db_.dialect().changesOneRow(
            s,
            std::string("UPDATE inquiries SET status = 'answered', answer = ") + Dialect::textParam() +
                ", answered_by = ?, answered_at = ? WHERE id = ? AND order_id = ? AND status = 'open'",
            [&](Statement& st) {
                db_.dialect().bindText(st, answer);
                st, bind(by), bind(static_cast<Poco::Int64>(atMs)), bind(inquiryId), bind(orderId);
            });
        if (!changed) {
            int count = 0;
            s << "SELECT COUNT(*) FROM inquiries WHERE id = ? AND order_id = ?", bind(inquiryId), bind(orderId),
                into(count), now;
            result = count == 0 ? AnswerResult::UnknownInquiry : AnswerResult::AlreadyAnswered;
            return;
        }
        appendOutboxEvents(s, db_, {event});
    });
    return result;
}

std::optional<InquiryRecord> InquiryStore::find(const std::string& orderId, const std::string& inquiryId) {
    auto found = select("find inquiry " + shown(inquiryId), orderId, &inquiryId);
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
}

std::vector<InquiryRecord> InquiryStore::ofOrder(const std::string& orderId) {
    if (db_.keepsStatements()) {
        std::optional<std::vector<InquiryRecord>> kept = db_.withSession(
            "inquiries of order " + shown(orderId), [&](Session& s) { return keptOfOrder(s, orderId); });
        if (kept) return std::move(*kept);
    }
    return select("inquiries of order " + shown(orderId), orderId, nullptr);
}

std::vector<InquiryRecord> InquiryStore::select(const std::string& op, const std::string& orderId,
                                                const std::string* inquiryId) {
    return db_.withSession(op, [&](Session& s) {
        std::vector<std::string> id, channel, question, status;
        std::vector<Nullable<std::string>> answer, by;
        std::vector<Poco::Int64> created, answered;
        Statement st(s);
        st << "SELECT id, channel, question, status, answer, answered_by, created_at, answered_at FROM inquiries"
              " WHERE order_id = ?"
           << (inquiryId ? " AND id = ?" : "") << " ORDER BY created_at, id",
            bind(orderId);
        if (inquiryId) st, bind(*inquiryId);
        st, into(id), into(channel), into(question), into(status), into(answer), into(by), into(created),
            into(answered);
        st.execute();
        std::vector<InquiryRecord> records(id.size());
        for (std::size_t i = 0; i < id.size(); ++i)
            records[i] = {id[i],           orderId,     channel[i], question[i], status[i],
                          text(answer[i]), text(by[i]), created[i], answered[i]};
        return records;
    });
}

}  // namespace orderhost::store
