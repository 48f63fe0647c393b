#include "host/services/PluginStatement.h"

#include "host/document/JsonCodec.h"
#include "host/document/JsonSyntax.h"
#include "host/services/ComputedColumns.h"
#include "host/services/KeptPluginStatements.h"
#include "host/services/SqlText.h"
#include "host/services/TextMemo.h"
#include "host/store/PreparedStatements.h"

#include <orderhost/ext/db.h>

#include <cctype>
#include <charconv>

#include <Poco/Data/Date.h>
#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>
#include <Poco/Data/Time.h>
#include <Poco/DateTime.h>
#include <Poco/Nullable.h>

using namespace Poco::Data::Keywords;
using Poco::Data::MetaColumn;

namespace orderhost::services {
namespace {

constexpr std::size_t kSqliteShortText = 255;  // Poco binds longer std::string only as CLOB

[[noreturn]] void refuse(const std::string& message) { throw StatementError(OH_STATUS_INVALID_ARGUMENT, message); }

StatementParam toParam(document::JsonScalar& value, std::size_t index) {
    using Kind = document::JsonScalar::Kind;
    const std::string where = "params_json[" + std::to_string(index) + "]";
    switch (value.kind) {
        case Kind::Null:
            return nullptr;
        case Kind::Boolean:
            return value.boolean;
        case Kind::String:
            return std::move(value.text);
        case Kind::Number:
            if (value.text.find_first_of(".eE") == std::string::npos) {
                std::int64_t integer = 0;
                const char* last = value.text.data() + value.text.size();
                const std::from_chars_result read = std::from_chars(value.text.data(), last, integer);
                if (read.ec == std::errc() && read.ptr == last) return integer;
                refuse(where + " is an integer outside the int64 range");
            }
            refuse(where + " is " + document::describeJsonType(document::JsonType::Number) +
                   "; parameters are strings, integers, true/false or null (money in minor units)");
        case Kind::Structure:
            break;
    }
    // Unreachable while parseStatementParams allows depth 1 only, which the syntax check enforces.
    refuse(where +
           " is an array or an object; parameters are strings, integers, true/false or null (money in minor "
           "units)");
}

// On SQLite, a long text's `?` becomes CAST(? AS TEXT): bound as CLOB it would be stored
// as a BLOB and never equal a TEXT value.
std::string withTextCasts(std::string_view sql, const std::vector<std::size_t>& offsets,
                          const std::vector<StatementParam>& params, const store::Dialect& dialect) {
    std::string out;
    std::size_t copied = 0;
    for (std::size_t i = 0; i < offsets.size(); ++i) {
        const auto* text = std::get_if<std::string>(&params[i]);
        if (dialect.backend() != store::Backend::SQLite || !text || text->size() <= kSqliteShortText) continue;
        out.append(sql.substr(copied, offsets[i] - copied)).append(store::Dialect::textParam());
        copied = offsets[i] + 1;
    }
    return out.append(sql.substr(copied));
}

// asNumber: the column's text values that are JSON numbers are numbers (ComputedColumns.h).
void appendValue(std::string& out, const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row, bool asNumber) {
    if (rs.isNull(col, row)) {
        out += "null";
        return;
    }
    const Poco::Dynamic::Var& v = rs.value(col, row);
    switch (rs.columnType(col)) {
        case MetaColumn::FDT_BOOL:
            out += v.convert<bool>() ? "true" : "false";
            return;
        case MetaColumn::FDT_INT8:
        case MetaColumn::FDT_UINT8:
        case MetaColumn::FDT_INT16:
        case MetaColumn::FDT_UINT16:
        case MetaColumn::FDT_INT32:
        case MetaColumn::FDT_UINT32:
        case MetaColumn::FDT_INT64:
        case MetaColumn::FDT_UINT64:
            out += v.convert<std::string>();
            return;
        case MetaColumn::FDT_FLOAT: {
            // Widened to a double, 0.1 would read 0.10000000149011612: the float's own shortest
            // form is what the database wrote (and what the kept path reads).
            char shortest[32];
            const auto end = std::to_chars(shortest, shortest + sizeof shortest, v.convert<float>()).ptr;
            double value = 0;
            std::from_chars(shortest, end, value);
            appendDoubleAsJson(out, value);
            return;
        }
        case MetaColumn::FDT_DOUBLE:
            appendDoubleAsJson(out, v.convert<double>());
            return;
        case MetaColumn::FDT_DATE: {
            const auto date = v.extract<Poco::Data::Date>();
            appendDateTimeAsJson(out, date.year(), date.month(), date.day(), -1, 0, 0, 0);
            return;
        }
        case MetaColumn::FDT_TIME: {
            const auto time = v.extract<Poco::Data::Time>();
            appendDateTimeAsJson(out, -1, 0, 0, time.hour(), time.minute(), time.second(), 0);
            return;
        }
        case MetaColumn::FDT_TIMESTAMP: {
            const auto at = v.extract<Poco::DateTime>();
            appendDateTimeAsJson(out, at.year(), at.month(), at.day(), at.hour(), at.minute(), at.second(),
                                 at.millisecond() * 1000 + at.microsecond());
            return;
        }
        case MetaColumn::FDT_UUID:
            // Poco 1.11 reads psqlODBC's SQLGUID in the wrong byte order and repeats the last
            // value for NULL (KeptPluginStatementTest): refused rather than delivered wrong.
            throw StatementError(
                OH_STATUS_INVALID_ARGUMENT,
                "column '" + rs.columnName(col) + "' is a UUID; select it as text (" + rs.columnName(col) + "::text)");
        case MetaColumn::FDT_BLOB:
            throw StatementError(OH_STATUS_INVALID_ARGUMENT,
                                 "column '" + rs.columnName(col) + "' is binary; select it as hex text");
        default: {
            const std::string text = v.convert<std::string>();
            if (asNumber && isJsonNumber(text))
                out += text;
            else
                document::appendJsonString(out, text);
            return;
        }
    }
}

// The SQLite driver's description of a column without a declared type: text, 255 long.
bool maybeComputedText(const Poco::Data::RecordSet& rs, std::size_t col) {
    const auto type = rs.columnType(col);
    return (type == MetaColumn::FDT_STRING || type == MetaColumn::FDT_WSTRING) && rs.columnLength(col) == 255;
}

// Which columns hold numbers the SQLite driver delivered as text. Asks the driver for the
// columns' origins only when some value of such a column looks like a number.
std::vector<bool> numbersAsText(const Poco::Data::RecordSet& rs, Poco::Data::Session& session,
                                const store::Dialect& dialect, const std::string& sql) {
    std::vector<bool> candidates(rs.columnCount(), false);
    if (dialect.backend() != store::Backend::SQLite) return candidates;
    bool any = false;
    for (std::size_t c = 0; c < rs.columnCount(); ++c) {
        if (!maybeComputedText(rs, c)) continue;
        for (std::size_t r = 0; r < rs.rowCount() && !candidates[c]; ++r) {
            candidates[c] = !rs.isNull(c, r) && isJsonNumber(rs.value(c, r).convert<std::string>());
        }
        any = any || candidates[c];
    }
    if (!any) return candidates;
    const std::vector<bool> computed = computedColumns(session, sql);
    for (std::size_t c = 0; c < candidates.size(); ++c)
        candidates[c] = candidates[c] && c < computed.size() && computed[c];
    return candidates;
}

std::string rowsAsJson(const Poco::Data::RecordSet& rs, const std::vector<bool>& asNumber) {
    if (rs.rowCount() > OH_DB_MAX_ROWS)
        refuse("the result has more than " + std::to_string(OH_DB_MAX_ROWS) + " rows; page it with LIMIT");
    std::vector<std::string> names;
    for (std::size_t c = 0; c < rs.columnCount(); ++c) {
        names.emplace_back();
        document::appendJsonString(names.back(), rs.columnName(c));
    }
    std::string out = "[";
    for (std::size_t r = 0; r < rs.rowCount(); ++r) {
        out += r == 0 ? "{" : ",{";
        for (std::size_t c = 0; c < names.size(); ++c) {
            out.append(c == 0 ? "" : ",").append(names[c]).push_back(':');
            appendValue(out, rs, c, r, asNumber[c]);
        }
        out.push_back('}');
        if (out.size() > OH_DB_MAX_RESULT_BYTES)
            refuse("the result exceeds " + std::to_string(OH_DB_MAX_RESULT_BYTES) + " bytes of JSON");
    }
    return out + "]";
}

bool changesRows(const std::string& keyword) {
    return keyword == "INSERT" || keyword == "UPDATE" || keyword == "DELETE" || keyword == "REPLACE";
}

// A RETURNING clause (a token: not inside a literal, comment or quoted name).
bool hasReturning(std::string_view sql) {
    for (const SqlToken& token : tokenize(sql)) {
        if (token.kind == SqlToken::Kind::Word && token.text == "RETURNING") return true;
    }
    return false;
}

// The SQLite driver decides from the first word whether a statement has rows: an INSERT,
// UPDATE or DELETE ... RETURNING runs but its rows are dropped. A leading WITH (which SQLite
// accepts before each of them) makes the driver fetch them.
std::string withReturnedRows(const std::string& sql) { return "WITH oh_returning AS (SELECT 1) " + sql; }

// PostgreSQL: an INSERT/UPDATE/DELETE wrapped so that it reports how many rows it changed.
StatementResult runCountedDml(Poco::Data::Session& session, const std::string& sql,
                              const std::vector<StatementParam>& params, const store::Dialect& dialect) {
    const std::string counted =
        "WITH oh_changed AS (" + std::string(statementBody(sql)) + " RETURNING 1) SELECT COUNT(*) FROM oh_changed";
    if (std::optional<StatementResult> kept = runKept(session, dialect, counted, params, KeptShape::Counted))
        return *kept;
    Poco::Data::Statement st(session);
    Poco::Int64 changed = 0;
    st << counted;
    dialect.bindValues(st, params);
    st, into(changed);
    st.execute();
    return StatementResult{"[]", changed};
}

bool isSchemaKeyword(const std::string& keyword) {
    return keyword == "CREATE" || keyword == "ALTER" || keyword == "DROP";
}

}  // namespace

bool changesSchema(std::string_view sql) { return isSchemaKeyword(firstKeyword(sql)); }

bool returnsWrittenRows(std::string_view sql) {
    static thread_local TextMemo<bool> memo;
    return memo.get(sql, [&] { return hasReturning(sql); });
}

std::vector<StatementParam> parseStatementParams(std::string_view json) {
    if (json.find_first_not_of(" \t\r\n") == std::string_view::npos) return {};
    document::JsonLimits limits;
    limits.maxBytes = OH_DB_MAX_RESULT_BYTES * 4;  // a few large text values
    limits.maxDepth = 1;
    document::FlatJsonArray flat = document::parseFlatJsonArray(json, limits);
    if (flat.error) refuse("params_json is not a flat JSON array: " + flat.error->toString());
    if (!flat.isArray) refuse("params_json must be a JSON array");
    std::vector<StatementParam> params;
    params.reserve(flat.elements.size());
    for (std::size_t i = 0; i < flat.elements.size(); ++i) params.push_back(toParam(flat.elements[i], i));
    return params;
}

StatementResult runStatement(Poco::Data::Session& session, const store::Dialect& dialect, std::string_view sql,
                             const std::vector<StatementParam>& params) {
    const std::vector<std::size_t> offsets = placeholderOffsets(sql);
    if (offsets.size() != params.size())
        refuse("the statement has " + std::to_string(offsets.size()) + " '?' placeholders but params_json has " +
               std::to_string(params.size()) + " values");
    const std::string keyword = firstKeyword(sql);
    const bool ddl = isSchemaKeyword(keyword);
    // A plugin changes its own tables (DDL is never kept): noted before, so that no connection
    // runs a statement kept for the old schema, and after, so that none keeps one prepared in
    // between (an autocommit datasource's change is committed when the statement returns).
    struct NoteAfter {
        bool ddl;
        ~NoteAfter() {
            if (ddl) store::PreparedStatements::noteSchemaChange();
        }
    } noteAfter{ddl};
    if (ddl) store::PreparedStatements::noteSchemaChange();
    const bool postgres = dialect.backend() == store::Backend::PostgreSQL;
    const bool writes = changesRows(keyword);
    const bool returning = writes && returnsWrittenRows(sql);
    if (postgres && writes && !returning) return runCountedDml(session, std::string(sql), params, dialect);
    if (!ddl) {
        // A kept statement binds text of any length as text: no casts (only Poco needs them).
        const std::string kept = returning && !postgres ? withReturnedRows(std::string(sql)) : std::string(sql);
        const KeptShape shape = returning ? KeptShape::ReturnedRows : writes ? KeptShape::Changed : KeptShape::Rows;
        if (std::optional<StatementResult> result = runKept(session, dialect, kept, params, shape)) return *result;
    }
    std::string text = withTextCasts(sql, offsets, params, dialect);
    if (!postgres && returning) text = withReturnedRows(text);
    // psqlODBC answers SQL_NO_DATA to an UPDATE/DELETE ... RETURNING * that matched no row, and
    // Poco's fetch then fails (24000): as a query, it is an empty result.
    if (postgres && returning)
        text = "WITH oh_returned AS (" + std::string(statementBody(text)) + ") SELECT * FROM oh_returned";
    StatementResult result;
    Poco::Data::Statement st(session);
    st << text;
    dialect.bindValues(st, params);
    st, limit(OH_DB_MAX_ROWS + 1);
    st.execute();
    Poco::Data::RecordSet rs(st);
    if (rs.columnCount() > 0) result.rowsJson = rowsAsJson(rs, numbersAsText(rs, session, dialect, text));
    if (postgres && returning) result.changed = static_cast<std::int64_t>(rs.rowCount());  // one per change
    if (!postgres && changesRows(keyword)) {
        Poco::Int64 changed = 0;
        session << "SELECT changes()", into(changed), now;
        result.changed = changed;
    }
    return result;
}

}  // namespace orderhost::services
