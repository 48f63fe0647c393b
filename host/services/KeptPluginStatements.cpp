#include "host/services/KeptPluginStatements.h"
#include "host/services/TextMemo.h"

#include <orderhost/ext/db.h>
#include <sqlext.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <variant>

#include "host/document/JsonCodec.h"
#include "host/services/ComputedColumns.h"
#include "host/services/SqlText.h"
#include "host/store/OdbcStatement.h"
#include "host/store/PreparedStatements.h"

namespace orderhost::services {
namespace {

constexpr const char* kPrefix = "plugin:";
constexpr double kExactDoubleIntegers = 9007199254740992.0;  // 2^53

[[noreturn]] void refuseResult(const std::string& message) {
    throw StatementError(OH_STATUS_INVALID_ARGUMENT, message);
}

bool isIntegerText(const std::string& text) {
    const std::size_t digits = !text.empty() && text[0] == '-' ? 1 : 0;
    return text.size() > digits && text.find_first_not_of("0123456789", digits) == std::string::npos;
}

// SQLite's driver reads a value as true when it starts with one of these (its getbool()), and
// SQLite keeps text such as 'false' in a BOOLEAN column.
bool sqliteTruth(const std::string& text) {
    return !text.empty() && std::string_view("Yy123456789Tt").find(text[0]) != std::string_view::npos;
}

// One value as rowsAsJson (PluginStatement.cpp) writes what Poco extracted for such a column.
void appendCell(std::string& out, const store::OdbcColumn& column, const std::string& text, bool sqlite) {
    switch (column.type) {
        case SQL_BIT:  // "1", or "-1" with psqlODBC's TrueIsMinus1
            out += (sqlite ? sqliteTruth(text) : text != "0") ? "true" : "false";
            return;
        case SQL_TINYINT:
        case SQL_SMALLINT:
        case SQL_INTEGER:
        case SQL_BIGINT:
            // SQLite stores what it is given: text in an INTEGER column stays text, never bare.
            if (isJsonNumber(text))
                out += text;
            else
                document::appendJsonString(out, text);
            return;
        case SQL_NUMERIC:
        case SQL_DECIMAL:
            if (column.decimalDigits == 0 && isIntegerText(text)) {  // Poco reads it as an integer
                out += text;
                return;
            }
            [[fallthrough]];
        case SQL_REAL:
        case SQL_FLOAT:
        case SQL_DOUBLE: {
            // psqlODBC writes the C locale's decimal point ("," if a plugin set another locale);
            // SQLite's text is what was stored ('12,345' stays text).
            std::string number = text;
            if (!sqlite && number.find('.') == std::string::npos) std::replace(number.begin(), number.end(), ',', '.');
            double value = 0;
            const auto read = std::from_chars(number.data(), number.data() + number.size(), value);
            if (read.ec == std::errc() && read.ptr == number.data() + number.size())
                appendDoubleAsJson(out, value);
            else
                document::appendJsonString(out, text);  // not a number after all (MONEY's "$12.34"): kept as text
            return;
        }
        case SQL_GUID: {  // psqlODBC writes it in capitals; PostgreSQL (and a plugin) in small letters
            std::string lower = text;
            for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            document::appendJsonString(out, lower);
            return;
        }
        case SQL_BINARY:
        case SQL_VARBINARY:
        case SQL_LONGVARBINARY:
            refuseResult("column '" + column.name + "' is binary; select it as hex text");
        default:
            document::appendJsonString(out, text);
            return;
    }
}

// How sqliteodbc describes an untyped column at prepare (an expression, json_each's value, a
// column declared without a type): text, 255 long (PluginStatement.cpp's maybeComputedText,
// for Poco's description of the same).
bool untypedOnSqlite(const store::OdbcColumn& column) {
    switch (column.type) {
        case SQL_CHAR:
        case SQL_VARCHAR:
        case SQL_LONGVARCHAR:
        case SQL_WCHAR:
        case SQL_WVARCHAR:
        case SQL_WLONGVARCHAR:
            return column.size == 255;
        default:
            return false;
    }
}

// The rows of the run that just ended, as JSON, within the limits rowsAsJson applies.
//
// On SQLite the statement was described at prepare (OdbcStatement::describeAtPrepare), as
// Poco describes it: an untyped column's value is a JSON number when its text is one and it is
// an expression, else a string, as on the fresh path (ComputedColumns.h).
StatementResult readRows(store::OdbcStatement& statement, KeptShape shape, bool sqlite) {
    StatementResult result;
    if (statement.matchedNothing()) {  // psqlODBC: an UPDATE/DELETE ... RETURNING that matched no row
        if (shape == KeptShape::ReturnedRows) result.changed = 0;
        return result;
    }
    if (statement.columns().empty()) return result;
    std::vector<std::string> names;
    for (const store::OdbcColumn& column : statement.columns()) {
        names.emplace_back();
        document::appendJsonString(names.back(), column.name);
    }
    std::string out = "[";
    std::vector<std::optional<std::string>> row;
    std::int64_t count = 0;
    while (statement.fetch(row)) {
        if (++count > OH_DB_MAX_ROWS)
            refuseResult("the result has more than " + std::to_string(OH_DB_MAX_ROWS) + " rows; page it with LIMIT");
        out += count == 1 ? "{" : ",{";
        for (std::size_t c = 0; c < names.size(); ++c) {
            out.append(c == 0 ? "" : ",").append(names[c]).push_back(':');
            const store::OdbcColumn& column = statement.columns()[c];
            if (!row[c]) {
                out += "null";
                continue;
            }
            if (sqlite && untypedOnSqlite(column)) {
                if (column.expression && isJsonNumber(*row[c]))
                    out += *row[c];
                else
                    document::appendJsonString(out, *row[c]);
                continue;
            }
            appendCell(out, column, *row[c], sqlite);
        }
        out.push_back('}');
        if (out.size() > OH_DB_MAX_RESULT_BYTES)
            refuseResult("the result exceeds " + std::to_string(OH_DB_MAX_RESULT_BYTES) + " bytes of JSON");
    }
    result.rowsJson = out + "]";
    if (shape == KeptShape::ReturnedRows) result.changed = count;  // one per change
    return result;
}

std::int64_t readCount(store::OdbcStatement& statement) {
    std::vector<std::optional<std::string>> row;
    if (!statement.fetch(row) || row.size() != 1 || !row[0])
        throw StatementError(OH_STATUS_INTERNAL_ERROR, "the counted statement returned no count");
    return store::odbcInteger(row[0], 0);
}

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

std::optional<StatementResult> runKept(Poco::Data::Session& session, const store::Dialect& dialect,
                                       const std::string& sql, const std::vector<StatementParam>& params,
                                       KeptShape shape) {
    store::PreparedStatements* kept = store::PreparedStatements::of(session);
    static thread_local TextMemo<bool> starMemo;
    if (kept == nullptr || starMemo.get(sql, [&] { return selectsStar(sql); })) return std::nullopt;
    const bool sqlite = dialect.backend() == store::Backend::SQLite;
    if (sqlite && kept->schemaChangePending()) {
        // A SQLite connection prepares against the schema it read last, until a statement it
        // runs finds the schema changed, and statements are described at prepare. One read of
        // the schema table first, so what is kept next is described as the tables are now
        // (before the change is marked seen: if the read fails, the next call reads again).
        int tables = 0;
        session << "SELECT COUNT(*) FROM sqlite_master", Poco::Data::Keywords::into(tables), Poco::Data::Keywords::now;
    }
    kept->forgetAfterSchemaChange(kPrefix);
    const std::string key = kPrefix + kindsOf(params) + (shape == KeptShape::Counted ? ":counted:" : ":") + sql;
    if (!kept->has(key) && kept->size() >= kKeptStatementsPerConnection) kept->forgetPrefix(kPrefix);
    auto& statement = kept->get<store::OdbcStatement>(key, [&] {
        auto made = std::make_unique<store::OdbcStatement>(session, sql);
        if (sqlite) made->describeAtPrepare();
        return made;
    });
    try {
        statement.execute(params);
    } catch (...) {
        kept->forget(key);  // prepared anew next time: a failed run may leave its plan unusable
        throw;
    }
    try {
        StatementResult result;
        if (shape == KeptShape::Counted)
            result.changed = readCount(statement);
        else if (shape == KeptShape::Changed)
            result.changed = statement.rowsChanged();
        else
            result = readRows(statement, shape, sqlite);
        statement.close();
        return result;
    } catch (const StatementError&) {
        statement.close();  // refused (too many rows): the statement itself is fine
        throw;
    } catch (...) {
        kept->forget(key);
        throw;
    }
}

void appendDateTimeAsJson(std::string& out, int year, int month, int day, int hour, int minute, int second,
                          int micros) {
    char text[64];
    int length = 0;
    if (year >= 0) length += std::snprintf(text, sizeof text, "%04d-%02d-%02d", year, month, day);
    if (hour >= 0) {
        length += std::snprintf(text + length, sizeof text - static_cast<std::size_t>(length), "%s%02d:%02d:%02d",
                                year >= 0 ? " " : "", hour, minute, second);
        if (micros > 0) {
            length += std::snprintf(text + length, sizeof text - static_cast<std::size_t>(length), ".%06d", micros);
            while (text[length - 1] == '0') --length;
        }
    }
    document::appendJsonString(out, std::string(text, static_cast<std::size_t>(length)));
}

void appendDoubleAsJson(std::string& out, double value) {
    if (std::isfinite(value) && value == std::trunc(value) && std::fabs(value) < kExactDoubleIntegers)
        out += std::to_string(static_cast<std::int64_t>(value));
    else
        out += std::isfinite(value) ? document::toJsonText(Poco::Dynamic::Var(value)) : "null";
}

}  // namespace orderhost::services
