// A plugin's statements kept prepared on their pooled connection (store/PreparedStatements.h):
// on PostgreSQL a repeated statement then costs its Bind/Execute round trip only, instead of
// Parse/Describe, Bind/Execute and the DEALLOCATE after it (docs/performance.md "Plugin
// statements kept prepared").
//
// Kept under the statement's final text and the kinds of its values, so a value of another
// kind (a null where a number was) gets a statement of its own; the values are bound by
// reference to the entry's slots, which each run overwrites. PostgreSQL only (SQLite prepares in
// the process: nothing to save). Not kept: `SELECT *`-like statements (their columns follow the
// table), and nothing on a session that is not a pool's.
// A schema change noted by the store drops them (PreparedStatements::noteSchemaChange). When a
// connection holds kKeptStatementsPerConnection entries, its plugin statements are dropped and
// kept afresh, so statements built per call cannot crowd out the hot ones for good.
//
//   if (std::optional<KeptRun> kept = runKept(session, dialect, sql, params, false)) {
//       Poco::Data::RecordSet rows(kept->statement);  ...
//       if (tooBigToKeep) kept->forget();
//   }
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include "host/services/PluginStatement.h"
#include "host/store/Dialect.h"
#include "host/store/PreparedStatements.h"

namespace orderhost::services {

// Entries per connection, the host's own included.
constexpr std::size_t kKeptStatementsPerConnection = 128;
// A result of more JSON than this is not kept with its statement (Poco holds the last rows).
constexpr std::size_t kKeptResultBytes = 16 * 1024;

// One run of a kept statement: the statement (sharing the kept one) with its rows, and for a
// counted one (`SELECT COUNT(*)` over a wrapped change) the count.
class KeptRun {
public:
    KeptRun(Poco::Data::Statement statement, Poco::Int64 changed, store::PreparedStatements& set, std::string key)
        : statement(std::move(statement)), changed(changed), set_(&set), key_(std::move(key)) {}

    // Drops the kept statement (the next run prepares it again). After this, `statement`
    // may still be read, but not executed.
    void forget() { set_->forget(key_); }

    Poco::Data::Statement statement;
    Poco::Int64 changed = 0;

private:
    store::PreparedStatements* set_;
    std::string key_;
};

// Runs `sql` with `params` through the statement kept for them on this connection (prepared
// on first use). counted: its one column is a row count. nullopt when it is not to be kept;
// then nothing ran. A statement that fails is forgotten and the exception goes on; one whose
// rows exceed OH_DB_MAX_ROWS is forgotten and refused (StatementError).
std::optional<KeptRun> runKept(Poco::Data::Session& session, const store::Dialect& dialect, const std::string& sql,
                               const std::vector<StatementParam>& params, bool counted);

// Whether a `*` in `sql` stands for columns (SELECT *, t.*, RETURNING *), not COUNT(*) or a
// product.
bool selectsStar(std::string_view sql);

}  // namespace orderhost::services
