#include "host/store/CheckpointRows.h"

#include "host/store/Database.h"
#include "host/store/OdbcStatement.h"
#include "host/store/OrderStatements.h"

#include <Poco/Data/Statement.h>
#include <Poco/Nullable.h>

#include <algorithm>
#include <string>

namespace orderhost::store {
namespace {

// `rows` step runs in one INSERT. Each row's seq is the order's MAX(seq) before the statement
// plus its position: a statement does not see its own rows, on PostgreSQL (the command's
// snapshot) as on SQLite (which materializes a SELECT that reads the table it inserts into;
// CheckpointRowsTest checks both).
std::string stepRunsInsertSql(std::size_t rows) {
    std::string sql =
        "INSERT INTO step_runs (order_id, seq, step_name, plugin_id, step_kind, attempt, outcome, code, message,"
        " started_at, finished_at, chain, step_index) VALUES ";
    for (std::size_t i = 1; i <= rows; ++i) {
        if (i > 1) sql += ", ";
        sql += "(?, (SELECT COALESCE(MAX(seq), 0) FROM step_runs WHERE order_id = ?) + " + std::to_string(i) +
               ", ?, ?, ?, ?, ?, ?, " + Dialect::textParam() + ", ?, ?, ?, ?)";
    }
    return sql;
}

void appendKept(PreparedStatements& set, Poco::Data::Session& s, const StepRunRecord* runs, std::size_t count) {
    const std::string key = "odbc:step runs insert " + std::to_string(count);
    std::vector<SqlValue> values;
    values.reserve(13 * count);
    for (const StepRunRecord* r = runs; r != runs + count; ++r) {
        const SqlValue index = r->stepIndex < 0 ? SqlValue(nullptr) : SqlValue(std::int64_t{r->stepIndex});
        values.insert(values.end(),
                      {r->orderId, r->orderId, r->stepName, r->pluginId, r->stepKind, std::int64_t{r->attempt},
                       r->outcome, r->code, r->message, r->startedAtMs, r->finishedAtMs, r->chain, index});
    }
    OdbcStatement& insert = set.get<OdbcStatement>(  // the text is built once per connection and count
        key, [&] { return std::make_unique<OdbcStatement>(s, stepRunsInsertSql(count)); });
    runKeptOdbc(set, key, insert, values, [](const std::vector<std::optional<std::string>>&) {});
}

void appendPerCall(Poco::Data::Session& s, const Database& db, const StepRunRecord& r) {
    using Poco::Data::Keywords::bind;
    Poco::Data::Statement st(s);
    st << orderstatements::kStepRunInsertSql, bind(r.orderId), bind(r.stepName), bind(r.pluginId), bind(r.stepKind),
        bind(r.attempt), bind(r.outcome), bind(r.code);
    db.dialect().bindText(st, r.message);
    const Poco::Nullable<int> index = r.stepIndex < 0 ? Poco::Nullable<int>() : Poco::Nullable<int>(r.stepIndex);
    st, bind(r.startedAtMs), bind(r.finishedAtMs), bind(r.chain), bind(index), bind(r.orderId);
    st.execute();
}

}  // namespace

void appendStepRuns(Poco::Data::Session& s, const Database& db, const std::vector<StepRunRecord>& runs) {
    PreparedStatements* kept = db.keepsStatements() ? PreparedStatements::of(s) : nullptr;
    for (std::size_t at = 0; at < runs.size();) {
        if (kept == nullptr) {
            appendPerCall(s, db, runs[at++]);
            continue;
        }
        std::size_t count = std::min(kRowsPerKeptInsert, runs.size() - at);
        // One order per statement: each row's seq counts from that order's last one.
        for (std::size_t i = 1; i < count; ++i)
            if (runs[at + i].orderId != runs[at].orderId) count = i;
        appendKept(*kept, s, runs.data() + at, count);
        at += count;
    }
}

}  // namespace orderhost::store
