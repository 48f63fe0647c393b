#include "host/services/DatabaseExtension.h"

#include "host/plugins/AbiText.h"
#include "host/services/CallContext.h"
#include "host/services/PluginStatement.h"
#include "host/services/SqlText.h"
#include "host/services/StatementPolicy.h"
#include "host/services/TextMemo.h"
#include "host/store/Datasources.h"
#include "host/store/OdbcFailures.h"
#include "host/store/SimpleCommand.h"
#include "host/store/StepTransaction.h"

#include <spdlog/spdlog.h>

#include <string_view>

namespace orderhost::services {
namespace {

// Why a call failed, before or after reaching a database.
struct Refusal {
    oh_status status;
    std::string message;
};

std::string nameOf(std::string_view datasource) {
    return store::Datasources::isHost(datasource) ? store::Datasources::kHostName : std::string(datasource);
}

std::string knownNames(const store::Datasources& sources) {
    std::string list;
    for (const std::string& name : sources.names()) list += (list.empty() ? "" : ", ") + name;
    return list;
}

// The database to use, or a Refusal. The host's own needs the step's transaction.
store::Database& databaseFor(const oh_context& ctx, std::string_view datasource) {
    if (store::Datasources::isHost(datasource)) {
        if (ctx.transaction == nullptr)
            throw Refusal{OH_STATUS_UNAVAILABLE, "the host's database is not available to this call"};
        return ctx.transaction->database();
    }
    store::Database* db = ctx.datasources ? ctx.datasources->find(datasource) : nullptr;
    if (db == nullptr)
        throw Refusal{OH_STATUS_NOT_FOUND, "unknown datasource '" + std::string(datasource) + "' (configured: " +
                                               (ctx.datasources ? knownNames(*ctx.datasources) : "none") + ")"};
    return *db;
}

// A failed statement must not doom the step's transaction: StepTransaction undoes just the
// statement (SQLite itself, psqlODBC's or the host's savepoint, see StatementUndo).
//
// With the host's savepoints one more trap: psqlODBC describes a statement (Parse/Describe)
// before Poco executes it, and Poco ignores a describe that failed; the execute then reports
// only "current transaction is aborted" (25P02), which names no cause and is not retryable.
// The statement is described again behind a fresh savepoint, which reports the real cause (a
// lock timeout: retryable); a describe that now succeeds means the cause went away by itself.
StatementResult runInStepTransaction(store::StepTransaction& tx, std::string_view sql,
                                     const std::vector<StatementParam>& params) {
    if (changesSchema(sql)) tx.noteSchemaChange();  // forgotten again when its transaction ends
    try {
        static thread_local TextMemo<bool> reads;
        return tx.runPluginStatement(
            [&](Poco::Data::Session& s) { return runStatement(s, tx.database().dialect(), sql, params); },
            returnsWrittenRows(sql), reads.get(sql, [&] { return readsOnly(sql); }));
    } catch (const Poco::Exception& e) {
        if (tx.database().statementUndo() != store::StatementUndo::Host || tx.doomed() ||
            !store::failedInAbortedTransaction(e))
            throw;
        tx.runPluginStatement([&](Poco::Data::Session& s) { store::describeStatement(s, std::string(sql)); });
        throw Refusal{OH_STATUS_RETRYABLE,
                      "transient failure, try again (the statement's preparation failed, then succeeded): " +
                          tx.database().errorMessage("statement", e.displayText())};
    }
}

StatementResult execute(const oh_context& ctx, std::string_view datasource, std::string_view sql,
                        std::string_view paramsJson) {
    if (auto refusal = statementRefusal(sql, store::Datasources::isHost(datasource)); !refusal.empty())
        throw Refusal{OH_STATUS_INVALID_ARGUMENT, refusal};
    const std::vector<StatementParam> params = parseStatementParams(paramsJson);
    store::Database& db = databaseFor(ctx, datasource);
    try {
        if (store::Datasources::isHost(datasource)) return runInStepTransaction(*ctx.transaction, sql, params);
        // Not withSession(): it turns the driver's exception into a StoreError, and the
        // diagnostics tell a transient failure from a real one.
        Poco::Data::Session s = db.session();
        try {
            return runStatement(s, db.dialect(), sql, params);
        } catch (...) {
            // A lost link, or a SQLite file failing or replaced, leaves the connection unusable:
            // closed when given back, so the datasource's next statement gets a fresh one.
            store::Database::discardIfUnusable(s, false);
            throw;
        }
    } catch (const store::StoreError& e) {
        throw Refusal{OH_STATUS_INTERNAL_ERROR, e.what()};
    } catch (const Poco::Exception& e) {
        // Database::errorMessage words it on one line with the connection string masked.
        const std::string message = db.errorMessage("statement", e.displayText());
        // A deadlock or a busy database is no fault of the statement: the step may try again.
        if (auto transient = store::transientFailure(e); !transient.empty())
            throw Refusal{OH_STATUS_RETRYABLE, "transient failure, try again (" + transient + "): " + message};
        throw Refusal{OH_STATUS_INTERNAL_ERROR, message};
    }
}

void handOutText(oh_context* ctx, std::string value, oh_str* out) {
    if (out == nullptr) return;
    const std::string& kept = ctx->handedOut.emplace_back(std::move(value));
    *out = oh_str{kept.data(), kept.size()};
}

oh_status fail(oh_context* ctx, std::string_view datasource, const Refusal& refusal, oh_str* outError) {
    const std::string message = "orderhost.db: datasource '" + nameOf(datasource) + "': " + refusal.message;
    spdlog::debug("[{}] {}", ctx->identity.pluginId, message);
    ctx->error = message;
    handOutText(ctx, message, outError);
    return refusal.status;
}

oh_status dbExecute(oh_context* ctx, oh_str datasource, oh_str sql, oh_str paramsJson, oh_str* outRows,
                    std::int64_t* outChanged, oh_str* outError) {
    if (ctx == nullptr) return OH_STATUS_INVALID_ARGUMENT;
    if (ctx->isAbandoned()) return OH_STATUS_ABANDONED;  // the runner rolls back its transaction
    const std::string_view name = plugins::textOf(datasource);
    try {
        if (outRows == nullptr) throw Refusal{OH_STATUS_INVALID_ARGUMENT, "out_rows_json is NULL"};
        for (const auto& [what, text] : {std::pair{"the datasource name", datasource}, std::pair{"sql", sql},
                                         std::pair{"params_json", paramsJson}})
            if (!plugins::isReadable(text))
                throw Refusal{OH_STATUS_INVALID_ARGUMENT, plugins::unreadableText(what, text)};
        if (ctx->order == nullptr)
            throw Refusal{OH_STATUS_UNAVAILABLE, "the database is available only in run() and compensate()"};
        StatementResult result = execute(*ctx, name, plugins::textOf(sql), plugins::textOf(paramsJson));
        handOutText(ctx, std::move(result.rowsJson), outRows);
        if (outChanged != nullptr) *outChanged = result.changed;
        handOutText(ctx, std::string(), outError);
        return OH_STATUS_OK;
    } catch (const Refusal& refusal) {
        return fail(ctx, name, refusal, outError);
    } catch (const StatementError& e) {
        return fail(ctx, name, Refusal{e.status(), e.what()}, outError);
    } catch (const std::exception& e) {
        return fail(ctx, name, Refusal{OH_STATUS_INTERNAL_ERROR, e.what()}, outError);
    } catch (...) {
        return fail(ctx, name, Refusal{OH_STATUS_INTERNAL_ERROR, "unknown error"}, outError);
    }
}

}  // namespace

const oh_db_ext& databaseExtension() {
    static const oh_db_ext table = {sizeof(oh_db_ext), dbExecute, OH_DB_MAX_ROWS, OH_DB_MAX_RESULT_BYTES};
    return table;
}

}  // namespace orderhost::services
