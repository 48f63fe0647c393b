#include "bench/throughput/Measures.h"

#include "bench/BenchOrders.h"
#include "host/document/OrderSchema.h"
#include "host/engine/Engine.h"
#include "host/engine/OrderIntake.h"
#include "host/engine/OrderState.h"

#include <Poco/Data/ODBC/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>
#include <Poco/UUIDGenerator.h>

namespace orderhost::bench {

using namespace Poco::Data::Keywords;

// --- the engine -------------------------------------------------------------------------------

// Every counted order must be completed with `steps` step runs; returns a "verified=..." field.
std::string verify(store::Database& db, const std::string& tag, long long expectedAtLeast, int steps) {
    Poco::Int64 completed = 0, other = 0, runs = 0;
    Poco::Data::Session s = db.session();
    std::string like = "B-" + tag + "-%";
    s << "SELECT COUNT(*) FROM orders WHERE order_ref LIKE ? AND state = 'completed'", use(like), into(completed), now;
    s << "SELECT COUNT(*) FROM orders WHERE order_ref LIKE ? AND state <> 'completed'", use(like), into(other), now;
    s << "SELECT COUNT(*) FROM step_runs r JOIN orders o ON o.id = r.order_id WHERE o.order_ref LIKE ?", use(like),
        into(runs), now;
    const bool ok = completed >= expectedAtLeast && other == 0 && runs == completed * steps;
    return std::string("verified=") + (ok ? "yes" : "NO") + " completed=" + std::to_string(completed) +
           " not_completed=" + std::to_string(other) + " step_runs=" + std::to_string(runs);
}

Totals engineSlice(const Options& o, store::OrderStore& store, Engine& engine, const std::string& tag, double seconds,
                   int warmup) {
    // One engine (store, chains, clock, the StepWorkers every plugin call runs on) and one
    // OrderIntake per thread over it (the store is thread-safe, the no-op step kind is
    // declared thread-safe).
    const engine::ChainCatalog catalog(engine.chains);
    engine::EngineSettings settings;
    settings.stepsPerCommit = o.stepsPerCommit;
    engine::Engine shared(store, catalog, services::systemClockMs, settings);
    std::vector<std::unique_ptr<engine::OrderIntake>> intakes(static_cast<std::size_t>(o.threads));
    std::atomic<long long> submitted{0};
    const std::uint64_t commitsBefore = store.database().commits();
    Totals totals = runFor(o.threads, seconds, warmup, [&](int thread) {
        auto& intake = intakes[static_cast<std::size_t>(thread)];
        intake = std::make_unique<engine::OrderIntake>(shared, engine.chainName);
        engine::OrderIntake* in = intake.get();
        return std::function<void(long long)>([in, &tag, &submitted](long long n) {
            const engine::SubmitResult r = in->submit(realisticOrder("B-" + tag + "-" + std::to_string(n)));
            ++submitted;
            if (r.kind != engine::SubmitResult::Kind::Created || r.order.state != engine::states::kCompleted)
                throw std::runtime_error("order not completed: " + r.message + " state " + r.order.state);
        });
    });
    totals.submitted = submitted.load();
    totals.commits = static_cast<long long>(store.database().commits() - commitsBefore);
    return totals;
}

void printEngine(const Options& o, store::Database& db, const std::string& tag, Totals& t) {
    // Counted, not assumed: the order's insert is a transaction of its own only where it is not
    // a single autocommit statement, and steps without external effects share one.
    const double commits = t.submitted > 0 ? static_cast<double>(t.commits) / static_cast<double>(t.submitted) : 0;
    const double ordersPerS = t.seconds > 0 ? static_cast<double>(t.count) / t.seconds : 0;
    char extra[200];
    std::snprintf(extra, sizeof extra, "steps=%d steps_per_commit=%d commits_per_order=%.2f tx_per_s=%.1f ", o.steps,
                  o.stepsPerCommit, commits, ordersPerS * commits);
    printResult(o, "engine", t, extra + verify(db, tag, t.count, o.steps));
}

// --- where one order's time goes (1 thread) ---------------------------------------------------

std::string sha256(const std::string& text) {
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    engine.update(text);
    return Poco::DigestEngine::digestToHex(engine.digest());
}

void measurePhases(const Options& o, const std::string& connection, Engine& engine) {
    store::Database db(connection, store::DatabaseOptions{});
    store::OrderStore store(db);
    const engine::ReadyChain& chain = *engine.chains.latest(engine.chainName);
    const std::string tag = runTag();
    // Accumulated wall time per phase, in µs.
    double intakeCpu = 0, insert = 0, stepRun = 0, stepHandoff = 0, toJson = 0, record = 0, total = 0;
    engine::StepWorkers workers(4);
    long long orders = 0;
    auto since = [](SteadyClock::time_point from) {
        return std::chrono::duration<double, std::micro>(SteadyClock::now() - from).count();
    };
    const auto deadline = SteadyClock::now() + std::chrono::duration<double>(o.seconds);
    long long n = 0;
    while (SteadyClock::now() < deadline) {
        const auto orderStart = SteadyClock::now();
        const double directBefore = stepRun;
        // What OrderIntake::submit does before its first write.
        auto t0 = SteadyClock::now();
        auto parsed = document::JsonDocument::parse(realisticOrder("P-" + tag + "-" + std::to_string(++n)));
        if (!parsed.ok() || !document::validateOrder(*parsed.document).empty())
            throw std::runtime_error("phases: invalid order body");
        document::JsonDocument doc = std::move(*parsed.document);
        store::OrderRecord order;
        order.document = doc.toJson();
        order.requestHash = sha256(doc.canonicalJson());
        doc.getString("/order_ref", order.orderRef);
        order.id = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
        order.chain = chain.definition.name;
        order.chainVersion = chain.definition.version;
        order.state = engine::states::kReceived;
        order.createdAtMs = order.updatedAtMs = services::systemClockMs();
        intakeCpu += since(t0);

        t0 = SteadyClock::now();
        if (store.insertOrder(order) != store::InsertResult::Inserted) throw std::runtime_error("phases: duplicate");
        insert += since(t0);

        // What ChainRunner::runAttempt does per step (the run record, the step, the commit).
        for (std::size_t i = 0; i < chain.steps.size(); ++i) {
            engine::StepInstance& step = *chain.steps[i];
            store::StepRunRecord run;
            run.orderId = order.id;
            run.stepName = step.definition().name;
            run.pluginId = step.pluginId();
            run.stepKind = step.definition().stepKind;
            run.startedAtMs = services::systemClockMs();
            t0 = SteadyClock::now();
            services::ReportedOutcome outcome =
                step.run(doc, engine::StepCallInfo{order.id, 1, order.id + "/" + run.stepName});
            stepRun += since(t0);
            // The same call as ChainRunner::callPlugin makes it: handed to a StepWorkers thread
            // under the step's timeout, the caller waiting for it (two thread switches).
            t0 = SteadyClock::now();
            const auto handed = workers.runWithin(std::chrono::milliseconds(step.definition().timeoutMs), [&] {
                outcome = step.run(doc, engine::StepCallInfo{order.id, 1, order.id + "/" + run.stepName});
            });
            stepHandoff += since(t0);
            if (handed != engine::StepWorkers::Result::Done)
                throw std::runtime_error("phases: step worker did not answer");
            run.finishedAtMs = services::systemClockMs();
            run.outcome = outcome.kind == OH_OUTCOME_CONTINUE ? "continue" : "fail";
            store::OrderRecord updated = order;
            updated.state = i + 1 == chain.steps.size() ? engine::states::kCompleted : engine::states::kInProgress;
            t0 = SteadyClock::now();
            updated.document = doc.toJson();
            toJson += since(t0);
            updated.currentStep = order.currentStep + 1;
            updated.updatedAtMs = run.finishedAtMs;
            t0 = SteadyClock::now();
            store.recordStep(updated, order.state, run);
            record += since(t0);
            order = std::move(updated);
        }
        total += since(orderStart) - (stepRun - directBefore);  // the engine makes only the call on a worker
        ++orders;
    }
    if (orders == 0) return;
    const double k = static_cast<double>(chain.steps.size());
    const double per = static_cast<double>(orders);
    std::printf(
        "result backend=%s measure=phases threads=1 orders=%lld order_us=%.1f intake_cpu_us=%.1f "
        "insert_order_us=%.1f step_run_us=%.2f step_on_worker_us=%.2f to_json_us=%.1f record_step_us=%.1f steps=%d "
        "db_share_pct=%.1f\n",
        o.backend.c_str(), orders, total / per, intakeCpu / per, insert / per, stepRun / per / k, stepHandoff / per / k,
        toJson / per / k, record / per / k, static_cast<int>(k), 100.0 * (insert + record) / total);
    std::fflush(stdout);
}

}  // namespace orderhost::bench
