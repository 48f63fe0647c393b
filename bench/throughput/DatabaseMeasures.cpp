#include "bench/throughput/Measures.h"

#include "bench/BenchOrders.h"
#include "host/engine/OrderState.h"

#include <Poco/UUIDGenerator.h>

#include <Poco/Data/ODBC/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

namespace orderhost::bench {

using namespace Poco::Data::Keywords;

// --- the ceiling: single-row INSERT + COMMIT through Poco::Data/ODBC -------------------------

void createCeilingTable(const std::string& connection) {
    Poco::Data::Session s("ODBC", connection);
    s << "DROP TABLE IF EXISTS bench_ceiling", now;
    s << "CREATE TABLE bench_ceiling (id BIGINT PRIMARY KEY, note VARCHAR(64) NOT NULL, at BIGINT NOT NULL)", now;
}

Totals ceilingSlice(const Options& o, const std::string& connection, double seconds, int warmup) {
    struct Worker {
        Poco::Data::Session session;
        Poco::Int64 id = 0, at = 0;
        std::string note = "ceiling row";
        std::unique_ptr<Poco::Data::Statement> insert;
        explicit Worker(const std::string& c) : session("ODBC", c) {
            session.setFeature("autoCommit", false);
            insert = std::make_unique<Poco::Data::Statement>(session);
            *insert << "INSERT INTO bench_ceiling (id, note, at) VALUES (?, ?, ?)", use(id), use(note), use(at);
        }
    };
    std::vector<std::shared_ptr<Worker>> workers(static_cast<std::size_t>(o.threads));
    return runFor(o.threads, seconds, warmup, [&](int thread) {
        auto w = std::make_shared<Worker>(connection);
        workers[static_cast<std::size_t>(thread)] = w;
        return std::function<void(long long)>([w](long long n) {
            w->id = n;
            w->at = n;
            w->session.begin();
            try {
                w->insert->execute();
                w->session.commit();
            } catch (...) {
                w->session.rollback();
                throw;
            }
        });
    });
}

// --- the store's transaction path with the same single-row INSERT ----------------------------

void measureStoreTx(const Options& o, const std::string& connection) {
    createCeilingTable(connection);
    store::Database db(connection, store::DatabaseOptions{});
    Totals t = runFor(o.threads, o.seconds, 20, [&](int) {
        return std::function<void(long long)>([&db](long long n) {
            Poco::Int64 id = n;
            std::string note = "store row";
            db.withTransaction("bench insert", [&](Poco::Data::Session& s) {
                s << "INSERT INTO bench_ceiling (id, note, at) VALUES (?, ?, ?)", use(id), use(note), use(id), now;
            });
        });
    });
    printResult(o, "store_tx", t);
}

// --- what a step commit could cost: the store's SQL, prepared once per session ----------------

// The two statements of OrderStore::recordStep (the guarded UPDATE of the order with its ~1 KB
// document, the step-run INSERT, plus the changed-row check) in one transaction, but prepared
// once per session and with autocommit left off, instead of a pooled session switched to
// manual commit and back and every statement prepared, described and deallocated per call.
// seq is passed in (the runner knows it) instead of MAX(seq) + 1.
void measureLeanStep(const Options& o, const std::string& connection) {
    store::Database db(connection, store::DatabaseOptions{});  // migrates the schema
    store::OrderStore store(db);
    const bool pg = db.backend() == store::Backend::PostgreSQL;
    const std::string tag = runTag();
    struct Worker {
        Poco::Data::Session session;
        std::string id, state = engine::states::kInProgress, expected = engine::states::kInProgress;
        std::string doc, stepName = "noop", pluginId = "orderhost.noop", stepKind = "noop", outcome = "continue";
        std::string code, message;
        Poco::Data::CLOB docClob, messageClob;
        int step = 0, seq = 0, attempt = 1, changed = 0;
        Poco::Int64 at = 0;
        std::unique_ptr<Poco::Data::Statement> update, changes, insert;
        Worker(const std::string& c, bool pg, std::string orderId, const std::string& document)
            : session("ODBC", c), id(std::move(orderId)), doc(document), docClob(document) {
            session.setFeature("autoCommit", false);
            update = std::make_unique<Poco::Data::Statement>(session);
            insert = std::make_unique<Poco::Data::Statement>(session);
            const std::string sql =
                "UPDATE orders SET state = ?, current_step = ?, document = CAST(? AS TEXT), updated_at = ?"
                " WHERE id = ? AND state = ?";
            if (pg) {
                *update << "WITH changed AS (" << sql << " RETURNING 1) SELECT COUNT(*) FROM changed", use(state),
                    use(step), use(doc), use(at), use(id), use(expected), into(changed);
            } else {
                *update << sql, use(state), use(step), use(docClob), use(at), use(id), use(expected);
                changes = std::make_unique<Poco::Data::Statement>(session);
                *changes << "SELECT changes()", into(changed);
            }
            *insert << "INSERT INTO step_runs (order_id, seq, step_name, plugin_id, step_kind, attempt, outcome, code,"
                       " message, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS TEXT), ?, ?)",
                use(id), use(seq), use(stepName), use(pluginId), use(stepKind), use(attempt), use(outcome), use(code),
                use(message), use(at), use(at);
        }
    };
    std::vector<std::shared_ptr<Worker>> workers(static_cast<std::size_t>(o.threads));
    std::mutex setup;
    Totals t = runFor(o.threads, o.seconds, 20, [&](int thread) {
        const std::string body = realisticOrder("L-" + tag + "-" + std::to_string(thread));
        store::OrderRecord order;
        order.id = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
        order.orderRef = "L-" + tag + "-" + std::to_string(thread);
        order.chain = "bench-noop";
        order.chainVersion = 1;
        order.state = engine::states::kInProgress;
        order.document = body;
        order.requestHash = "lean";
        {
            std::lock_guard<std::mutex> lock(setup);
            store.insertOrder(order);
        }
        auto w = std::make_shared<Worker>(connection, pg, order.id, body);
        workers[static_cast<std::size_t>(thread)] = w;
        return std::function<void(long long)>([w, pg](long long n) {
            w->at = n;
            ++w->step;
            ++w->seq;
            w->session.begin();
            try {
                w->update->execute();
                if (!pg) w->changes->execute();
                if (w->changed != 1) throw std::runtime_error("lean step: the order row did not change");
                w->insert->execute();
                w->session.commit();
            } catch (...) {
                w->session.rollback();
                throw;
            }
        });
    });
    printResult(o, "lean_step_tx", t);
}

}  // namespace orderhost::bench
