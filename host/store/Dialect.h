// The seam between portable SQL and what each backend needs. Everything that differs between
// SQLite (sqliteodbc) and PostgreSQL (psqlODBC) behind Poco 1.11 lives here, so OrderStore and
// Migrations stay backend-neutral.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include "host/store/ConnectionString.h"
#include "host/store/SqlValue.h"

namespace orderhost::store {

enum class Backend { SQLite, PostgreSQL };

// What undoes a statement that failed inside a transaction, so that the transaction can go on
// (StepTransaction::runPluginStatement; the host's own statements roll the transaction back).
enum class StatementUndo {
    Database,  // SQLite: a failed statement leaves no trace
    Driver,    // psqlODBC Protocol=7.4-2: a savepoint around every statement, set and released
    Host,      // psqlODBC Protocol=7.4-0 (the host's default): a savepoint of the host's around
               // each of a plugin's statements, none around the host's own
    Nothing,   // psqlODBC Protocol=7.4-1: the driver rolls the whole transaction back
};

const char* toString(Backend);

// Largest order document the store accepts. Reads allocate a buffer of the declared column
// size on every execution (measured: ~0.85 ms per read at 16 MiB, ~270 ms at 64 MiB), so
// this is a deliberate ceiling, not "unlimited".
inline constexpr std::size_t kMaxDocumentBytes = 16u * 1024u * 1024u;

// PostgreSQL: a session idle inside a transaction this long is ended by the server (see
// Dialect::applyDefaults). It counts the time between statements, so a plugin's step
// transaction is cut only if the plugin sits idle this long between its own statements.
inline constexpr int kIdleInTransactionTimeoutMs = 300000;

class Dialect {
public:
    explicit Dialect(Backend backend) : backend_(backend) {}

    Backend backend() const { return backend_; }

    // The backend an ODBC driver name stands for ("SQLite3", "{PostgreSQL Unicode}", a .so
    // path, ...); nullopt for any other driver.
    static std::optional<Backend> fromDriverName(const std::string& driver);

    // Adds the connection options that avoid silent data loss or needless round trips, unless
    // the operator set them.
    static void applyDefaults(Backend, ConnectionString&);
    // What undoes a failed statement with these connection options (after applyDefaults).
    static StatementUndo statementUndo(Backend, const ConnectionString&);

    // Column type that round-trips kMaxDocumentBytes exactly. SQLite: the driver sizes its read
    // buffer from the declared VARCHAR(N) (TEXT reads truncate at 64 KiB). PostgreSQL: TEXT,
    // sized by MaxLongVarcharSize.
    std::string documentType() const;

    // An auto-increment BIGINT primary key column type.
    std::string autoIdType() const;
    // ", txid ..." column defaulting to the writing transaction's id (PostgreSQL); empty on
    // SQLite, whose single writer commits in id order.
    std::string transactionIdColumn() const;

    // Bytes (not characters) of a text expression, to detect truncated reads.
    std::string octetLength(const std::string& expr) const;

    // Binds a text parameter of any length. Its placeholder must be written textParam().
    // Why: on SQLite Poco refuses std::string parameters over 255 bytes; they go as a CLOB
    // and the CAST turns the bytes back into TEXT (byte-exact). An empty CLOB binds as NULL,
    // so short values stay std::string.
    static const char* textParam() { return "CAST(? AS TEXT)"; }
    void bindText(Poco::Data::Statement&, const std::string& value) const;
    // Binds each value to the next `?` (copied): NULL, an integer, a boolean, or text as bindText.
    void bindValues(Poco::Data::Statement&, const std::vector<SqlValue>& values) const;

    // Runs a single-row INSERT/UPDATE `sql` (no RETURNING) with the parameters `bindParams`
    // adds, and says whether it changed a row. Statement::execute() counts bound rows, not
    // changed ones; SQLite asks changes(), PostgreSQL counts RETURNING rows in a CTE (a bare
    // RETURNING that matches nothing makes Poco fail with "Invalid cursor state").
    bool changesOneRow(Poco::Data::Session&, const std::string& sql,
                       const std::function<void(Poco::Data::Statement&)>& bindParams) const;

private:
    Backend backend_;
};

}  // namespace orderhost::store
