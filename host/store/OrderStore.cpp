#include "host/store/OrderStore.h"

#include <Poco/Data/Statement.h>
#include <Poco/Nullable.h>

using namespace Poco::Data::Keywords;
using Poco::Nullable;
using Poco::Data::Session;
using Poco::Data::Statement;

namespace orderhost::store {
namespace {

// Byte limits of the v1 columns (Migrations.cpp). SQLite would store longer values, but reads
// would then truncate them silently, so they are refused on the way in.
struct Field {
    const char* name;
    std::size_t maxBytes;
    bool required;
};
constexpr Field kId{"id", 36, true}, kOrderRef{"order_ref", 64, true}, kChain{"chain", 128, true},
    kState{"state", 32, true}, kRequestHash{"request_hash", 64, false},
    kDocument{"document", kMaxDocumentBytes, false}, kStepName{"step_name", 128, false},
    kPluginId{"plugin_id", 128, false}, kStepKind{"step_kind", 128, false},
    kOutcome{"outcome", 16, false}, kCode{"code", kMaxStepCodeBytes, false},
    kAwaitingSignal{"awaiting_signal", 128, false};

// For operation names in messages: user data, so bounded.
std::string shown(const std::string& value) {
    return value.size() <= 64 ? value : value.substr(0, 64) + "...";
}

// Cuts at most `maxBytes` without splitting a UTF-8 sequence.
std::string clipUtf8(const std::string& text, std::size_t maxBytes) {
    if (text.size() <= maxBytes) return text;
    std::size_t cut = maxBytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    return text.substr(0, cut);
}

std::string text(const Nullable<std::string>& v) { return v.isNull() ? std::string() : v.value(); }

template <class T>
T number(const Nullable<T>& v) { return v.isNull() ? T{} : v.value(); }

void check(const Database& db, const std::string& op, const Field& f, const std::string& value) {
    std::string problem;
    if (f.required && value.empty()) problem = std::string(f.name) + " is empty";
    if (value.size() > f.maxBytes)
        problem = std::string(f.name) + " is " + std::to_string(value.size()) +
                  " bytes; the column holds at most " + std::to_string(f.maxBytes);
    if (!problem.empty()) throw StoreError(db.errorMessage(op, problem));
}

void checkOrder(const Database& db, const std::string& op, const OrderRecord& o) {
    check(db, op, kId, o.id);
    check(db, op, kOrderRef, o.orderRef);
    check(db, op, kChain, o.chain);
    check(db, op, kState, o.state);
    check(db, op, kRequestHash, o.requestHash);
    check(db, op, kDocument, o.document);
}

void checkRun(const Database& db, const std::string& op, const StepRunRecord& r) {
    check(db, op, kStepName, r.stepName);
    check(db, op, kPluginId, r.pluginId);
    check(db, op, kStepKind, r.stepKind);
    check(db, op, kOutcome, r.outcome);
    check(db, op, kCode, r.code);
}

}  // namespace

OrderStore::OrderStore(Database& db) : db_(db) {}

InsertResult OrderStore::insertOrder(const OrderRecord& o) {
    const std::string op = "insertOrder(order_ref " + shown(o.orderRef) + ")";
    checkOrder(db_, op, o);
    bool inserted = false;
    db_.withTransaction(op, [&](Session& s) {
        // ON CONFLICT makes a racing duplicate a no-op instead of an error that would abort
        // a PostgreSQL transaction; a duplicate id (not ref) still fails loudly.
        const std::string sql =
            std::string("INSERT INTO orders (id, order_ref, chain, chain_version, state, current_step,"
                        " document, request_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ") +
            Dialect::textParam() + ", ?, ?, ?) ON CONFLICT (order_ref) DO NOTHING";
        inserted = db_.dialect().changesOneRow(s, sql, [&](Statement& st) {
            st, bind(o.id), bind(o.orderRef), bind(o.chain), bind(o.chainVersion), bind(o.state),
                bind(o.currentStep);
            db_.dialect().bindText(st, o.document);
            st, bind(o.requestHash), bind(o.createdAtMs), bind(o.updatedAtMs);
        });
    });
    return inserted ? InsertResult::Inserted : InsertResult::DuplicateRef;
}

std::optional<OrderRecord> OrderStore::findById(const std::string& id) { return findBy("id", id); }

std::optional<OrderRecord> OrderStore::findByRef(const std::string& orderRef) {
    return findBy("order_ref", orderRef);
}

std::vector<std::string> OrderStore::idsInState(const std::string& state, std::size_t limit) {
    return db_.withSession("list orders in state " + shown(state), [&](Session& s) {
        std::vector<std::string> ids;
        Poco::UInt64 max = limit;
        s << "SELECT id FROM orders WHERE state = ? ORDER BY created_at, id LIMIT ?", bind(state), bind(max),
            into(ids), now;
        return ids;
    });
}

std::vector<std::string> OrderStore::idsDue(const std::string& state, int64_t nowMs, std::size_t limit) {
    return db_.withSession("list due orders in state " + shown(state), [&](Session& s) {
        std::vector<std::string> ids;
        Poco::UInt64 max = limit;
        Poco::Int64 at = nowMs;
        s << "SELECT id FROM orders WHERE state = ? AND wake_at <= ? ORDER BY wake_at, id LIMIT ?", bind(state),
            bind(at), bind(max), into(ids), now;
        return ids;
    });
}

bool OrderStore::transition(const std::string& id, const std::string& from, const std::string& to, int64_t nowMs) {
    const std::string op = "transition(order " + shown(id) + ", " + from + " -> " + to + ")";
    check(db_, op, kState, to);
    bool moved = false;
    db_.withTransaction(op, [&](Session& s) {
        moved = db_.dialect().changesOneRow(s, "UPDATE orders SET state = ?, updated_at = ? WHERE id = ? AND state = ?",
                                            [&](Statement& st) { st, bind(to), bind(nowMs), bind(id), bind(from); });
    });
    return moved;
}

std::optional<OrderRecord> OrderStore::findBy(const char* column, const std::string& value) {
    const std::string op = std::string("find order by ") + column + " " + shown(value);
    return db_.withSession(op, [&](Session& s) -> std::optional<OrderRecord> {
        OrderRecord r;
        Nullable<std::string> document;
        Nullable<Poco::Int64> documentBytes;
        Nullable<std::string> awaitingSignal;
        Statement st(s);
        st << "SELECT id, order_ref, chain, chain_version, state, current_step, document, "
           << db_.dialect().octetLength("document")
           << ", request_hash, created_at, updated_at, awaiting_signal, next_attempt, wake_at"
           << " FROM orders WHERE " << column << " = ?",
            bind(value), into(r.id), into(r.orderRef), into(r.chain), into(r.chainVersion),
            into(r.state), into(r.currentStep), into(document), into(documentBytes),
            into(r.requestHash), into(r.createdAtMs), into(r.updatedAtMs), into(awaitingSignal),
            into(r.nextAttempt), into(r.wakeAtMs);
        st.execute();
        // execute() returns 1 even when no row matched; rowsExtracted() tells the truth.
        if (st.rowsExtracted() == 0) return std::nullopt;
        r.document = text(document);
        r.awaitingSignal = text(awaitingSignal);
        // Reads truncate silently past the declared size: never hand out a cut document.
        if (static_cast<Poco::Int64>(r.document.size()) != number(documentBytes))
            throw StoreError(db_.errorMessage(
                op, "document read back as " + std::to_string(r.document.size()) +
                        " bytes but the database holds " + std::to_string(number(documentBytes)) +
                        " (larger than the store's limit of " + std::to_string(kMaxDocumentBytes) + ")"));
        return r;
    });
}

std::vector<StepRunRecord> OrderStore::stepRuns(const std::string& orderId) {
    return db_.withSession("stepRuns(order " + shown(orderId) + ")", [&](Session& s) {
        std::vector<int> seq;
        std::vector<Nullable<int>> attempt;
        std::vector<Nullable<std::string>> name, plugin, kind, outcome, code, message;
        std::vector<Nullable<Poco::Int64>> started, finished;
        s << "SELECT seq, step_name, plugin_id, step_kind, attempt, outcome, code, message,"
             " started_at, finished_at FROM step_runs WHERE order_id = ? ORDER BY seq",
            bind(orderId), into(seq), into(name), into(plugin), into(kind), into(attempt),
            into(outcome), into(code), into(message), into(started), into(finished), now;
        std::vector<StepRunRecord> runs(seq.size());
        for (std::size_t i = 0; i < runs.size(); ++i) {
            runs[i] = {orderId, seq[i], text(name[i]), text(plugin[i]), text(kind[i]),
                       number(attempt[i]), text(outcome[i]), text(code[i]), text(message[i]),
                       number(started[i]), number(finished[i])};
        }
        return runs;
    });
}

void OrderStore::recordStep(const OrderRecord& updated, const std::string& expectedState,
                            StepRunRecord run) {
    const std::string op = "recordStep(order " + shown(updated.id) + ")";
    if (run.orderId.empty()) run.orderId = updated.id;
    if (run.orderId != updated.id)
        throw StoreError(db_.errorMessage(op, "the step run names another order: " + shown(run.orderId)));
    check(db_, op, kId, updated.id);
    check(db_, op, kState, updated.state);
    check(db_, op, kDocument, updated.document);
    check(db_, op, kAwaitingSignal, updated.awaitingSignal);
    checkRun(db_, op, run);
    run.message = clipUtf8(run.message, kMaxStepMessageBytes);
    run.code = clipUtf8(run.code, kMaxStepCodeBytes);  // a plugin's long code must not fail the step
    db_.withTransaction(op, [&](Session& s) {
        // The UPDATE goes first: it takes the write lock before anything is read, so SQLite
        // never has to upgrade a read snapshot (which fails at once with SQLITE_BUSY).
        if (!updateIfState(s, updated, expectedState))
            throw StaleOrderError(db_.errorMessage(op, staleMessage(s, updated.id, expectedState)));
        appendStepRun(s, run);
    });
}

bool OrderStore::updateIfState(Session& s, const OrderRecord& u, const std::string& expectedState) {
    const std::string sql = std::string("UPDATE orders SET state = ?, current_step = ?, document = ") +
                            Dialect::textParam() +
                            ", updated_at = ?, awaiting_signal = ?, next_attempt = ?, wake_at = ? WHERE id = ? AND state = ?";
    return db_.dialect().changesOneRow(s, sql, [&](Statement& st) {
        st, bind(u.state), bind(u.currentStep);
        db_.dialect().bindText(st, u.document);
        st, bind(u.updatedAtMs), bind(u.awaitingSignal), bind(u.nextAttempt), bind(u.wakeAtMs), bind(u.id),
            bind(expectedState);
    });
}

void OrderStore::appendStepRun(Session& s, const StepRunRecord& r) {
    Statement st(s);
    // seq = next for this order, computed under the write lock the UPDATE already holds.
    st << "INSERT INTO step_runs (order_id, seq, step_name, plugin_id, step_kind, attempt,"
          " outcome, code, message, started_at, finished_at)"
          " SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ?, ?, ?, "
       << Dialect::textParam() << ", ?, ? FROM step_runs WHERE order_id = ?",
        bind(r.orderId), bind(r.stepName), bind(r.pluginId), bind(r.stepKind), bind(r.attempt),
        bind(r.outcome), bind(r.code);
    db_.dialect().bindText(st, r.message);
    st, bind(r.startedAtMs), bind(r.finishedAtMs), bind(r.orderId);
    st.execute();
}

std::string OrderStore::staleMessage(Session& s, const std::string& id, const std::string& expectedState) {
    Nullable<std::string> actual;
    s << "SELECT state FROM orders WHERE id = ?", bind(id), into(actual), now;
    if (actual.isNull()) return "order does not exist (expected state '" + expectedState + "'); nothing written";
    return "order is in state '" + actual.value() + "', not the expected '" + expectedState +
           "'; nothing written";
}

}  // namespace orderhost::store
