#include "host/store/Dialect.h"

#include <algorithm>
#include <cctype>
#include <variant>

#include <Poco/Data/LOB.h>
#include <Poco/Nullable.h>

using namespace Poco::Data::Keywords;

namespace orderhost::store {
namespace {

bool contains(std::string haystack, const std::string& needle) {
    std::transform(haystack.begin(), haystack.end(), haystack.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return haystack.find(needle) != std::string::npos;
}

// Poco's ODBC binder refuses std::string parameters longer than the driver's VARCHAR size.
constexpr std::size_t kSqliteStringBindLimit = 255;

}  // namespace

const char* toString(Backend b) { return b == Backend::SQLite ? "SQLite" : "PostgreSQL"; }

std::optional<Backend> Dialect::fromDriverName(const std::string& driver) {
    if (contains(driver, "sqlite")) return Backend::SQLite;
    if (contains(driver, "postgres") || contains(driver, "psql")) return Backend::PostgreSQL;
    return std::nullopt;
}

void Dialect::applyDefaults(Backend backend, ConnectionString& cs) {
    if (backend == Backend::SQLite) {
        cs.setDefault("SyncPragma", "FULL");  // the driver otherwise runs synchronous=NORMAL
        cs.setDefault("FKSupport", "1");      // enforce REFERENCES like PostgreSQL does
        cs.setDefault("JournalMode", "WAL");  // readers do not block the writer
        cs.setDefault("Timeout", "10000");    // busy wait (ms) while another writer commits
    } else {
        // Without these psqlODBC reports VARCHAR as 255 and TEXT as 8190 bytes: binds fail and
        // reads truncate silently.
        const std::string limit = std::to_string(kMaxDocumentBytes + 1);
        cs.setDefault("MaxVarcharSize", limit);
        cs.setDefault("MaxLongVarcharSize", limit);
        // A host that stalls (paused VM, SIGSTOP) inside a checkpoint keeps the order's row
        // locked, and other hosts' lease sweeps skip locked rows: the server ends such a session
        // after this long, so its orders can be taken over.
        cs.setDefault("ConnSettings", "{SET idle_in_transaction_session_timeout = " +
                                          std::to_string(kIdleInTransactionTimeoutMs) + "}");
        // Rollback level 0: psqlODBC leaves a failed statement's transaction to the host, which
        // rolls it back (its own statements) or back to a savepoint (a plugin's statements,
        // StepTransaction). The driver's default (7.4-2) wraps EVERY statement in a savepoint of
        // its own: two more round trips per statement (measured: docs/performance.md); 7.4-1
        // would roll the whole step transaction back when a plugin statement fails.
        cs.setDefault("Protocol", "7.4-0");
        // BOOLEAN as SQL_BIT, so a plugin's rows carry true/false (the driver's default, 1,
        // describes it as VARCHAR: "1"/"0" strings). The host's own tables have no BOOLEAN.
        cs.setDefault("BoolsAsChar", "0");
    }
}

StatementUndo Dialect::statementUndo(Backend backend, const ConnectionString& cs) {
    if (backend == Backend::SQLite) return StatementUndo::Database;
    // "7.4-N": N is the rollback level; "7.4" alone (or no Protocol) is the driver's default, 2.
    const std::string protocol = cs.get("Protocol").value_or("7.4");
    const auto dash = protocol.find('-');
    if (dash == std::string::npos) return StatementUndo::Driver;
    const std::string level = protocol.substr(dash + 1);
    if (level == "0") return StatementUndo::Host;
    if (level == "2") return StatementUndo::Driver;
    return StatementUndo::Nothing;  // 1, or a level this build does not know: never commit half a step
}

std::string Dialect::documentType() const {
    return backend_ == Backend::SQLite ? "VARCHAR(" + std::to_string(kMaxDocumentBytes) + ")" : "TEXT";
}

std::string Dialect::autoIdType() const {
    return backend_ == Backend::SQLite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY";
}

std::string Dialect::transactionIdColumn() const {
    return backend_ == Backend::SQLite ? "" : ", txid BIGINT NOT NULL DEFAULT txid_current()";
}

std::string Dialect::octetLength(const std::string& expr) const {
    return backend_ == Backend::SQLite ? "length(CAST(" + expr + " AS BLOB))" : "octet_length(" + expr + ")";
}

void Dialect::bindText(Poco::Data::Statement& st, const std::string& value) const {
    if (backend_ == Backend::SQLite && value.size() > kSqliteStringBindLimit)
        st, bind(Poco::Data::CLOB(value));
    else
        st, bind(value);  // copies: the statement may outlive the caller's string
}

void Dialect::bindValues(Poco::Data::Statement& st, const std::vector<SqlValue>& values) const {
    for (const SqlValue& v : values) {
        if (std::holds_alternative<std::nullptr_t>(v))
            st, bind(Poco::Nullable<std::string>());
        else if (const auto* i = std::get_if<std::int64_t>(&v))
            st, bind(Poco::Int64(*i));
        else if (const auto* b = std::get_if<bool>(&v))
            st, bind(*b);
        else
            bindText(st, std::get<std::string>(v));
    }
}

bool Dialect::changesOneRow(Poco::Data::Session& session, const std::string& sql,
                            const std::function<void(Poco::Data::Statement&)>& bindParams) const {
    Poco::Data::Statement st(session);
    int changed = 0;
    if (backend_ == Backend::PostgreSQL) {
        // SQLite has no DML in CTEs, and its RETURNING does not reach into() through the driver.
        st << "WITH changed AS (" << sql << " RETURNING 1) SELECT COUNT(*) FROM changed";
        bindParams(st);
        st, into(changed);
        st.execute();
    } else {
        st << sql;
        bindParams(st);
        st.execute();
        session << "SELECT changes()", into(changed), now;
    }
    return changed == 1;
}

}  // namespace orderhost::store
