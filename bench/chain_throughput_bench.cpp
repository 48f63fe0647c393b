// Orders per second through a 10-step chain of no-op plugin steps, next to what the database
// itself can commit, measured in the same process on the same connection string.
//
//   chain_throughput_bench --backend sqlite|postgresql --threads N --seconds S --connection STR
//                          [--measure all|ceiling|store|lean|engine|phases] [--steps K] [--rounds R]
//
// Measurements (each prints one line "result key=value ..."; scripts/bench.sh --throughput
// turns them into a table):
//   odbc_insert_commit  the ceiling: one single-row INSERT + COMMIT per transaction through
//                       Poco::Data/ODBC, one session per thread, the statement prepared once.
//                       Same driver and connection settings as the store (the store's defaults
//                       are applied: SQLite WAL + SyncPragma=FULL).
//   store_tx            the same single-row INSERT, but through store::Database::withTransaction
//                       as the store runs it: pooled session, autocommit off/on around it, the
//                       statement prepared per call. Separates the store's per-transaction
//                       overhead from the SQL the store sends.
//   lean_step_tx        (--measure lean) a step commit as it could be: recordStep's SQL in one
//                       transaction, prepared once per session (see measureLeanStep).
//   engine              engine::OrderIntake::submit(body) with distinct order_refs: parse,
//                       validate, insert the order (1 transaction), run the chain, committing
//                       every step with its step-run record (1 transaction per step).
//                       With K steps an order costs K + 1 transactions.
//   phases              (1 thread) the pieces of one order timed separately, to see where the
//                       engine's time goes: intake CPU work, insertOrder, StepInstance::run,
//                       the document serialization and recordStep.
//
// After the engine run the database is checked: every counted order is `completed` with K
// step runs, so the figure is not inflated by orders that silently failed.
#include "host/chains/ChainDefinition.h"
#include "host/document/OrderSchema.h"
#include "host/engine/OrderIntake.h"
#include "host/engine/OrderState.h"
#include "host/engine/ReadyChain.h"
#include "host/plugins/PluginRegistry.h"
#include "host/services/HostServices.h"
#include "host/store/ConnectionString.h"
#include "host/store/Database.h"
#include "host/store/Dialect.h"
#include "host/store/OrderStore.h"

#include <Poco/Data/ODBC/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>
#include <Poco/UUIDGenerator.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace {

using namespace orderhost;
using namespace Poco::Data::Keywords;
using SteadyClock = std::chrono::steady_clock;

struct Options {
    std::string backend = "sqlite";
    int threads = 1;
    double seconds = 10;
    std::string connection;
    std::string measure = "all";
    int steps = 10;
    int rounds = 1;
};

[[noreturn]] void usage(const std::string& problem) {
    std::cerr << "chain_throughput_bench: " << problem << "\n"
              << "usage: chain_throughput_bench --backend sqlite|postgresql --threads N --seconds S"
                 " --connection STR [--measure all|ceiling|store|lean|engine|phases] [--steps K] [--rounds R]\n";
    std::exit(64);
}

Options parseArgs(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--backend") o.backend = value();
        else if (arg == "--threads") o.threads = std::stoi(value());
        else if (arg == "--seconds") o.seconds = std::stod(value());
        else if (arg == "--connection") o.connection = value();
        else if (arg == "--measure") o.measure = value();
        else if (arg == "--steps") o.steps = std::stoi(value());
        else if (arg == "--rounds") o.rounds = std::stoi(value());
        else usage("unknown argument " + arg);
    }
    if (o.backend != "sqlite" && o.backend != "postgresql") usage("--backend must be sqlite or postgresql");
    if (o.connection.empty()) usage("--connection is required");
    if (o.threads < 1 || o.seconds <= 0 || o.steps < 1 || o.rounds < 1)
        usage("--threads, --seconds, --steps and --rounds must be positive");
    return o;
}

// The connection string as the store hands it to the driver (its defaults filled in), so the
// ceiling runs with exactly the store's settings.
std::string withStoreDefaults(const std::string& text) {
    store::ConnectionString cs(text);
    const auto driver = cs.get("Driver");
    const auto backend = driver ? store::Dialect::fromDriverName(*driver) : std::nullopt;
    if (!backend) throw std::runtime_error("connection string needs Driver=SQLite3 or a PostgreSQL driver");
    store::Dialect::applyDefaults(*backend, cs);
    return cs.str();
}

// A ~1 KB order of the shape OrderSchema accepts (six lines, an address), the same as
// abi_call_bench's realistic document, with the order_ref filled in.
std::string orderBody(const std::string& ref) {
    std::string lines;
    for (int i = 1; i <= 6; ++i) {
        if (!lines.empty()) lines += ',';
        lines += R"({"sku":"SKU-10)" + std::to_string(i) + R"(","quantity":)" + std::to_string(i * 3) +
                 R"(,"unit_price":)" + std::to_string(1250 * i) +
                 R"(,"kind":"goods","description":"Stainless bracket, size )" + std::to_string(i) + R"("})";
    }
    return R"({"order_ref":")" + ref + R"(","currency":"EUR","customer":{"id":"C-4711",)"
           R"("name":"Ada Lovelace Engineering Ltd","email":"purchasing@lovelace.example"},)"
           R"("lines":[)" + lines + R"(],"shipping_address":{"name":"Receiving dock 3",)"
           R"("line1":"12 Analytical Row","city":"London","postal_code":"EC1A 1BB","country":"GB"},)"
           R"("attributes":{"erp_channel":"edi","priority":"normal"}})";
}

// Distinct per run, so that a database kept between runs (PostgreSQL) never sees a duplicate.
std::string runTag() {
    return std::to_string(::getpid()) + "-" +
           std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch()).count() % 100000000);
}

struct Totals {
    long long count = 0;
    long long errors = 0;
    double seconds = 0;
    std::vector<double> latenciesUs;  // per operation
};

double percentile(std::vector<double>& v, double p) {
    if (v.empty()) return 0;
    const std::size_t k = std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k];
}

// Unique across every run of a process (an engine measured in several slices never repeats an
// order_ref).
std::atomic<long long> gNextOperation{1};

void merge(Totals& into, Totals& from) {
    into.count += from.count;
    into.errors += from.errors;
    into.seconds += from.seconds;
    into.latenciesUs.insert(into.latenciesUs.end(), from.latenciesUs.begin(), from.latenciesUs.end());
}

// Runs `op(thread, n)` on `threads` threads for `seconds`: every thread first does
// `warmup` operations (not counted), then all start the clock together. n is unique per call.
Totals runFor(int threads, double seconds, int warmup,
              const std::function<std::function<void(long long)>(int)>& makeWorker) {
    std::atomic<long long>& next = gNextOperation;
    std::atomic<int> ready{0};
    std::atomic<bool> go{false}, stop{false};
    std::vector<Totals> perThread(static_cast<std::size_t>(threads));
    std::mutex errorMutex;
    std::string firstError;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            Totals& mine = perThread[static_cast<std::size_t>(t)];
            auto fail = [&](const std::string& what) {
                ++mine.errors;
                std::lock_guard<std::mutex> lock(errorMutex);
                if (firstError.empty()) firstError = what;
            };
            std::function<void(long long)> op;
            try {
                op = makeWorker(t);
                for (int i = 0; i < warmup; ++i) op(next++);
            } catch (const std::exception& e) {
                fail(e.what());
            }
            ++ready;
            while (!go) std::this_thread::yield();
            if (!op) return;
            mine.latenciesUs.reserve(1 << 16);
            while (!stop) {
                const auto start = SteadyClock::now();
                try {
                    op(next++);
                    ++mine.count;
                } catch (const std::exception& e) {
                    fail(e.what());
                }
                mine.latenciesUs.push_back(
                    std::chrono::duration<double, std::micro>(SteadyClock::now() - start).count());
            }
        });
    }
    while (ready < threads) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const auto start = SteadyClock::now();
    go = true;
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& th : pool) th.join();  // operations in flight finish and count
    Totals total;
    total.seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
    for (auto& t : perThread) {
        total.count += t.count;
        total.errors += t.errors;
        total.latenciesUs.insert(total.latenciesUs.end(), t.latenciesUs.begin(), t.latenciesUs.end());
    }
    if (!firstError.empty()) std::cerr << "chain_throughput_bench: first error: " << firstError << "\n";
    return total;
}

void printResult(const Options& o, const std::string& measure, Totals& t, const std::string& extra = "") {
    const double rate = t.seconds > 0 ? static_cast<double>(t.count) / t.seconds : 0;
    std::printf("result backend=%s measure=%s threads=%d seconds=%.2f count=%lld per_s=%.1f p50_us=%.0f p99_us=%.0f "
                "errors=%lld%s%s\n",
                o.backend.c_str(), measure.c_str(), o.threads, t.seconds, t.count, rate,
                percentile(t.latenciesUs, 0.50), percentile(t.latenciesUs, 0.99), t.errors,
                extra.empty() ? "" : " ", extra.c_str());
    std::fflush(stdout);
}

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
        const std::string body = orderBody("L-" + tag + "-" + std::to_string(thread));
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

// --- the engine -------------------------------------------------------------------------------

plugins::RegistryOptions noProbe() {
    plugins::RegistryOptions options;
    options.probeFirst = false;  // the no-op plugin is ours; the probe would only cost start-up time
    return options;
}

struct Engine {
    plugins::PluginRegistry registry{services::hostInfo(), noProbe()};
    engine::ChainSet chains;
    std::string chainName = "bench-noop";

    explicit Engine(int steps) {
        if (registry.loadFile(ORDERHOST_BENCH_NOOP_SO) == nullptr)
            throw std::runtime_error("cannot load " + std::string(ORDERHOST_BENCH_NOOP_SO) + ": " +
                                     registry.refusals().back().reason);
        chains::ChainDefinition chain;
        chain.name = chainName;
        chain.version = 1;
        chain.trigger = "place_order";
        for (int i = 1; i <= steps; ++i) {
            chains::StepDefinition step;
            step.name = "noop-" + std::to_string(i);
            step.plugin = "orderhost.noop";
            step.stepKind = "noop";
            step.configJson = "{}";
            step.location = step.configLocation = {"bench", i, 1};
            chain.steps.push_back(step);
        }
        chains = engine::buildChains({chain}, registry, services::systemClockMs);
        if (!chains.errors.empty()) throw std::runtime_error(chains.errors.front().toString());
    }
};

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

Totals engineSlice(const Options& o, store::OrderStore& store, Engine& engine, const std::string& tag,
                   double seconds, int warmup) {
    // One OrderIntake per thread over the one shared store (both are cheap; the store is
    // thread-safe, the no-op step kind is declared thread-safe).
    std::vector<std::unique_ptr<engine::OrderIntake>> intakes(static_cast<std::size_t>(o.threads));
    return runFor(o.threads, seconds, warmup, [&](int thread) {
        auto& intake = intakes[static_cast<std::size_t>(thread)];
        intake = std::make_unique<engine::OrderIntake>(store, engine.chains, engine.chainName, services::systemClockMs);
        engine::OrderIntake* in = intake.get();
        return std::function<void(long long)>([in, &tag](long long n) {
            const engine::SubmitResult r = in->submit(orderBody("B-" + tag + "-" + std::to_string(n)));
            if (r.kind != engine::SubmitResult::Kind::Created || r.order.state != engine::states::kCompleted)
                throw std::runtime_error("order not completed: " + r.message + " state " + r.order.state);
        });
    });
}

void printEngine(const Options& o, store::Database& db, const std::string& tag, Totals& t) {
    const int commits = o.steps + 1;
    const double ordersPerS = t.seconds > 0 ? static_cast<double>(t.count) / t.seconds : 0;
    char extra[160];
    std::snprintf(extra, sizeof extra, "steps=%d commits_per_order=%d tx_per_s=%.1f ", o.steps, commits,
                  ordersPerS * commits);
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
    double intakeCpu = 0, insert = 0, stepRun = 0, toJson = 0, record = 0, total = 0;
    long long orders = 0;
    auto since = [](SteadyClock::time_point from) {
        return std::chrono::duration<double, std::micro>(SteadyClock::now() - from).count();
    };
    const auto deadline = SteadyClock::now() + std::chrono::duration<double>(o.seconds);
    long long n = 0;
    while (SteadyClock::now() < deadline) {
        const auto orderStart = SteadyClock::now();
        // What OrderIntake::submit does before its first write.
        auto t0 = SteadyClock::now();
        auto parsed = document::JsonDocument::parse(orderBody("P-" + tag + "-" + std::to_string(++n)));
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
        total += since(orderStart);
        ++orders;
    }
    if (orders == 0) return;
    const double k = static_cast<double>(chain.steps.size());
    const double per = static_cast<double>(orders);
    std::printf("result backend=%s measure=phases threads=1 orders=%lld order_us=%.1f intake_cpu_us=%.1f "
                "insert_order_us=%.1f step_run_us=%.2f to_json_us=%.1f record_step_us=%.1f steps=%d "
                "db_share_pct=%.1f\n",
                o.backend.c_str(), orders, total / per, intakeCpu / per, insert / per, stepRun / per / k,
                toJson / per / k, record / per / k, static_cast<int>(k), 100.0 * (insert + record) / total);
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parseArgs(argc, argv);
    spdlog::set_level(spdlog::level::warn);
    try {
        Poco::Data::ODBC::Connector::registerConnector();
        const std::string connection = withStoreDefaults(o.connection);
        const bool all = o.measure == "all";
        if (o.measure == "store") measureStoreTx(o, connection);
        if (o.measure == "lean") measureLeanStep(o, connection);
        if (o.measure == "phases") {
            Engine engine(o.steps);
            measurePhases(o, connection, engine);
        }
        if (all || o.measure == "ceiling" || o.measure == "engine") {
            // --rounds R: the ceiling and the engine alternate in R slices of seconds/R each, so
            // that a shared machine's drift (other tenants' I/O) hits both sides of the ratio.
            const bool ceiling = all || o.measure == "ceiling", chain = all || o.measure == "engine";
            const double slice = o.seconds / o.rounds;
            if (ceiling) createCeilingTable(connection);
            std::unique_ptr<Engine> engine;
            std::unique_ptr<store::Database> db;
            std::unique_ptr<store::OrderStore> store;
            if (chain) {
                engine = std::make_unique<Engine>(o.steps);
                store::DatabaseOptions options;
                options.maxSessions = std::max(16, 2 * o.threads);
                db = std::make_unique<store::Database>(connection, options);
                store = std::make_unique<store::OrderStore>(*db);
            }
            const std::string tag = runTag();
            Totals ceilingTotal, engineTotal;
            for (int r = 0; r < o.rounds; ++r) {
                if (ceiling) {
                    Totals t = ceilingSlice(o, connection, slice, r == 0 ? 20 : 2);
                    merge(ceilingTotal, t);
                }
                if (chain) {
                    Totals t = engineSlice(o, *store, *engine, tag, slice, r == 0 ? 5 : 1);
                    merge(engineTotal, t);
                }
            }
            if (ceiling) printResult(o, "odbc_insert_commit", ceilingTotal, "rounds=" + std::to_string(o.rounds));
            if (chain) printEngine(o, *db, tag, engineTotal);
        }
    } catch (const std::exception& e) {
        std::cerr << "chain_throughput_bench: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
