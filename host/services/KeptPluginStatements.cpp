#include "host/services/KeptPluginStatements.h"
#include "host/services/TextMemo.h"

#include <orderhost/ext/db.h>

#include <memory>
#include <variant>

#include <Poco/Nullable.h>

#include "host/services/SqlText.h"

using namespace Poco::Data::Keywords;

namespace orderhost::services {
namespace {

constexpr const char* kPrefix = "plugin:";

// What a connection keeps for one statement: the statement and the slots its values are
// bound to by reference.
struct KeptPluginStatement : store::PreparedStatements::Entry {
    struct Slot {
        Poco::Nullable<std::string> null;
        Poco::Int64 integer = 0;
        bool boolean = false;
        std::string text;
    };

    // kinds: one letter per value, from kindsOf(). counted: the statement's one column is the
    // number of rows it changed (runCountedDml's wrapping).
    KeptPluginStatement(Poco::Data::Session& session, const std::string& sql, const std::string& kinds, bool counted)
        : slots(kinds.size()), statement(session) {
        statement << sql;
        for (std::size_t i = 0; i < kinds.size(); ++i) {
            Slot& slot = slots[i];  // slots never grow: the references below stay valid
            switch (kinds[i]) {
                case 'n':
                    statement, use(slot.null);
                    break;
                case 'i':
                    statement, use(slot.integer);
                    break;
                case 'b':
                    statement, use(slot.boolean);
                    break;
                default:
                    statement, use(slot.text);
                    break;
            }
        }
        if (counted)
            statement, into(changed);
        else
            statement, limit(OH_DB_MAX_ROWS + 1);
    }

    // The values of this run, into the slots of their kinds (the key guarantees the kinds).
    void assign(const std::vector<StatementParam>& params) {
        for (std::size_t i = 0; i < params.size(); ++i) {
            if (const auto* integer = std::get_if<std::int64_t>(&params[i]))
                slots[i].integer = *integer;
            else if (const auto* boolean = std::get_if<bool>(&params[i]))
                slots[i].boolean = *boolean;
            else if (const auto* text = std::get_if<std::string>(&params[i]))
                slots[i].text = *text;
        }
    }

    // Frees the texts of the run that just ended (they may be large; the next run sets its own).
    void release() {
        for (Slot& slot : slots) std::string().swap(slot.text);
    }

    std::vector<Slot> slots;
    Poco::Int64 changed = 0;
    Poco::Data::Statement statement;
};

// One letter per value: n(ull), i(nteger), b(oolean), s(tring).
std::string kindsOf(const std::vector<StatementParam>& params) {
    std::string kinds;
    for (const StatementParam& p : params) {
        if (std::holds_alternative<std::nullptr_t>(p))
            kinds += 'n';
        else if (std::holds_alternative<std::int64_t>(p))
            kinds += 'i';
        else if (std::holds_alternative<bool>(p))
            kinds += 'b';
        else
            kinds += 's';
    }
    return kinds;
}

}  // namespace

// The columns such a statement returns change with its tables, and a kept one would go on
// delivering those it was prepared with (SQLite) or fail (PostgreSQL), so it is not kept.
bool selectsStar(std::string_view sql) {
    const std::vector<SqlToken> tokens = tokenize(sql);
    for (std::size_t i = 1; i < tokens.size(); ++i) {
        if (tokens[i].kind != SqlToken::Kind::Symbol || tokens[i].text != "*") continue;
        const SqlToken& before = tokens[i - 1];
        if (before.kind == SqlToken::Kind::Symbol && (before.text == "," || before.text == ".")) return true;
        if (before.kind == SqlToken::Kind::Word && (before.text == "SELECT" || before.text == "DISTINCT" ||
                                                    before.text == "ALL" || before.text == "RETURNING"))
            return true;
    }
    return false;
}

std::optional<KeptRun> runKept(Poco::Data::Session& session, const store::Dialect& dialect, const std::string& sql,
                               const std::vector<StatementParam>& params, bool counted) {
    // PostgreSQL only, as the store's hot statements: SQLite prepares in the process, so there
    // is no round trip to save, and kept there they made orders slower (docs/performance.md).
    if (dialect.backend() != store::Backend::PostgreSQL) return std::nullopt;
    store::PreparedStatements* kept = store::PreparedStatements::of(session);
    static thread_local TextMemo<bool> starMemo;
    if (kept == nullptr || starMemo.get(sql, [&] { return selectsStar(sql); })) return std::nullopt;
    kept->forgetAfterSchemaChange(kPrefix);
    const std::string kinds = kindsOf(params);
    const std::string key = kPrefix + kinds + (counted ? ":counted:" : ":") + sql;
    if (!kept->has(key) && kept->size() >= kKeptStatementsPerConnection) kept->forgetPrefix(kPrefix);
    auto& entry = kept->get<KeptPluginStatement>(
        key, [&] { return std::make_unique<KeptPluginStatement>(session, sql, kinds, counted); });
    entry.assign(params);
    kept->execute(key, entry.statement);  // a failure forgets the entry: the next run prepares anew
    entry.release();
    if (!entry.statement.done()) {
        // More rows than the limit: Poco paused the statement with its cursor open, and a next
        // execute() would go on reading it instead of running anew. Refused as rowsAsJson would.
        kept->forget(key);
        throw StatementError(OH_STATUS_INVALID_ARGUMENT, "the result has more than " + std::to_string(OH_DB_MAX_ROWS) +
                                                             " rows; page it with LIMIT");
    }
    return KeptRun(entry.statement, entry.changed, *kept, key);
}

}  // namespace orderhost::services
