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
#include "bench/throughput/Measures.h"

#include <Poco/Data/ODBC/Connector.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>

using namespace orderhost;
using namespace orderhost::bench;

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
