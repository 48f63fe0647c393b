#include "host/services/SqlText.h"

#include <cctype>
#include <functional>
#include <set>

namespace orderhost::services {
namespace {

// Calls code(offset) for every byte outside quotes and comments; returns nothing.
template <class Code>
void scanCode(std::string_view sql, Code code) {
    std::size_t i = 0;
    while (i < sql.size()) {
        const char c = sql[i];
        if (c == '\'' || c == '"') {
            // A doubled quote inside ('it''s') simply ends and restarts the literal.
            const std::size_t end = sql.find(c, i + 1);
            i = end == std::string_view::npos ? sql.size() : end + 1;
        } else if (c == '-' && sql.substr(i, 2) == "--") {
            const std::size_t end = sql.find('\n', i);
            i = end == std::string_view::npos ? sql.size() : end + 1;
        } else if (c == '/' && sql.substr(i, 2) == "/*") {
            const std::size_t end = sql.find("*/", i + 2);
            i = end == std::string_view::npos ? sql.size() : end + 2;
        } else {
            code(i);
            ++i;
        }
    }
}

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

// True when `sql` holds more than whitespace and comments.
bool hasCode(std::string_view sql) {
    bool found = false;
    scanCode(sql, [&](std::size_t i) {
        if (!std::isspace(static_cast<unsigned char>(sql[i]))) found = true;
    });
    return found;
}

}  // namespace

std::vector<std::size_t> placeholderOffsets(std::string_view sql) {
    std::vector<std::size_t> offsets;
    scanCode(sql, [&](std::size_t i) {
        if (sql[i] == '?') offsets.push_back(i);
    });
    return offsets;
}

std::string firstKeyword(std::string_view sql) {
    std::string word;
    bool ended = false;
    scanCode(sql, [&](std::size_t i) {
        const auto c = static_cast<unsigned char>(sql[i]);
        if (ended) return;
        if (std::isalpha(c))
            word.push_back(static_cast<char>(std::toupper(c)));
        else if (!word.empty() || !std::isspace(c))
            ended = true;
    });
    return word;
}

std::vector<std::string> splitStatements(std::string_view script) {
    std::vector<std::string> statements;
    std::size_t start = 0;
    auto take = [&](std::size_t end) {
        const std::string_view statement = trim(script.substr(start, end - start));
        if (hasCode(statement)) statements.emplace_back(statement);
        start = end + 1;
    };
    scanCode(script, [&](std::size_t i) {
        if (script[i] == ';') take(i);
    });
    take(script.size());
    return statements;
}

}  // namespace orderhost::services

namespace orderhost::services {
namespace {

bool isWordStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool isWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }

// End of a quoted run starting at `open` (the opening character): `close` ends it, a doubled
// `close` is the character itself, and with `backslash` a backslash escapes the next one.
// An unterminated run ends with the text.
std::size_t quotedEnd(std::string_view sql, std::size_t open, char close, bool backslash) {
    std::size_t i = open + 1;
    while (i < sql.size()) {
        if (backslash && sql[i] == '\\') {
            i += 2;
            continue;
        }
        if (sql[i] == close) {
            if (i + 1 < sql.size() && sql[i + 1] == close && close != ']') {
                i += 2;
                continue;
            }
            return i + 1;
        }
        ++i;
    }
    return sql.size();
}

// PostgreSQL nests block comments.
std::size_t blockCommentEnd(std::string_view sql, std::size_t open) {
    int depth = 0;
    std::size_t i = open;
    while (i + 1 < sql.size()) {
        if (sql[i] == '/' && sql[i + 1] == '*') {
            ++depth;
            i += 2;
            continue;
        }
        if (sql[i] == '*' && sql[i + 1] == '/') {
            i += 2;
            if (--depth == 0) return i;
            continue;
        }
        ++i;
    }
    return sql.size();
}

// A dollar quote's tag ("$$" or "$name$") starting at `i`, or empty when `$` starts none.
std::string_view dollarTag(std::string_view sql, std::size_t i) {
    std::size_t j = i + 1;
    while (j < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[j])) || sql[j] == '_')) ++j;
    if (j < sql.size() && sql[j] == '$' && (j == i + 1 || isWordStart(sql[i + 1]))) return sql.substr(i, j - i + 1);
    return {};
}

std::string upper(std::string_view word) {
    std::string out(word);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

std::vector<SqlToken> tokenize(std::string_view sql) {
    std::vector<SqlToken> tokens;
    std::size_t i = 0;
    while (i < sql.size()) {
        const std::size_t before = tokens.size();
        const char c = sql[i];
        const char next = i + 1 < sql.size() ? sql[i + 1] : '\0';
        if (std::isspace(static_cast<unsigned char>(c))) {
            ++i;
        } else if (c == '-' && next == '-') {
            const std::size_t end = sql.find('\n', i);
            i = end == std::string_view::npos ? sql.size() : end + 1;
        } else if (c == '/' && next == '*') {
            i = blockCommentEnd(sql, i);
        } else if (c == '\'') {
            i = quotedEnd(sql, i, '\'', false);
            tokens.push_back({SqlToken::Kind::Literal, {}});
        } else if ((c == 'E' || c == 'e') && next == '\'') {
            i = quotedEnd(sql, i + 1, '\'', true);
            tokens.push_back({SqlToken::Kind::Literal, {}});
        } else if (c == '"' || c == '`' || c == '[') {
            const char close = c == '[' ? ']' : c;
            const std::size_t end = quotedEnd(sql, i, close, false);
            std::string name;
            for (std::size_t k = i + 1; k < end; ++k) {
                if (sql[k] == close && k + 1 == end) break;  // the closing quote
                if (sql[k] == close && close != ']') ++k;    // a doubled quote: keep one
                name.push_back(sql[k]);
            }
            tokens.push_back({SqlToken::Kind::Identifier, std::move(name)});
            i = end;
        } else if (c == '$' && !dollarTag(sql, i).empty()) {
            const std::string_view tag = dollarTag(sql, i);
            const std::size_t end = sql.find(tag, i + tag.size());
            i = end == std::string_view::npos ? sql.size() : end + tag.size();
            tokens.push_back({SqlToken::Kind::Literal, {}});
        } else if (isWordStart(c)) {
            std::size_t end = i + 1;
            while (end < sql.size() && isWordChar(sql[end])) ++end;
            tokens.push_back({SqlToken::Kind::Word, upper(sql.substr(i, end - i))});
            i = end;
        } else if (std::isdigit(static_cast<unsigned char>(c))) {
            while (i < sql.size() && (isWordChar(sql[i]) || sql[i] == '.')) ++i;
            tokens.push_back({SqlToken::Kind::Literal, {}});
        } else {
            tokens.push_back({SqlToken::Kind::Symbol, std::string(1, c)});
            ++i;
        }
        if (tokens.size() > before) tokens.back().end = i;
    }
    return tokens;
}

std::string_view statementBody(std::string_view sql) {
    const std::vector<SqlToken> tokens = tokenize(sql);
    std::size_t last = tokens.size();
    if (last > 0 && tokens[last - 1].kind == SqlToken::Kind::Symbol && tokens[last - 1].text == ";") --last;
    return sql.substr(0, last == 0 ? 0 : tokens[last - 1].end);
}

bool readsOnly(std::string_view sql) {
    // Words a '(' may follow in a read: clauses and operators (a subquery, a list), and the
    // built-in functions that change nothing.
    static const std::set<std::string, std::less<>> beforeParenthesis = {
        "ABS",       "ALL",   "AND",   "ANY",    "AS",     "AVG",    "BETWEEN", "BY",       "CASE",   "CAST",
        "COALESCE",  "COUNT", "ELSE",  "EXCEPT", "EXISTS", "FILTER", "FROM",    "GREATEST", "HAVING", "IN",
        "INTERSECT", "IS",    "JOIN",  "LEAST",  "LENGTH", "LIKE",   "LOWER",   "MAX",      "MIN",    "NOT",
        "NULLIF",    "ON",    "OR",    "OVER",   "ROUND",  "SELECT", "SOME",    "SUBSTR",   "SUM",    "THEN",
        "UNION",     "UPPER", "USING", "VALUES", "WHEN",   "WHERE"};
    // Symbols of plain comparisons and arithmetic; any other (a user-defined operator such as
    // +++, PostgreSQL's :: cast, a [subscript] the tokenizer reads as a quoted name) says no.
    static const std::string plainSymbols = "(),.=<>*?+-/%!";
    const std::vector<SqlToken> tokens = tokenize(sql);
    if (tokens.empty() || tokens[0].kind != SqlToken::Kind::Word || tokens[0].text != "SELECT") return false;
    if (sql.find('[') != std::string_view::npos) return false;  // ARRAY[f(x)] hides the call
    // Operators of several characters (+++, a user's) but the plain comparisons.
    std::string run;
    std::size_t last = std::string_view::npos;
    bool otherOperator = false;
    scanCode(sql, [&](std::size_t i) {
        if (std::string_view("+-*/<>=%!").find(sql[i]) == std::string_view::npos) return;
        if (last == std::string_view::npos || i != last + 1) run.clear();
        run.push_back(sql[i]);
        last = i;
        if (run.size() > 1 && run != "<=" && run != ">=" && run != "<>" && run != "!=") otherOperator = true;
    });
    if (otherOperator) return false;
    for (std::size_t i = 1; i < tokens.size(); ++i) {
        const SqlToken& token = tokens[i];
        if (token.kind == SqlToken::Kind::Word && (token.text == "FOR" || token.text == "INTO")) return false;
        if (token.kind == SqlToken::Kind::Symbol && plainSymbols.find(token.text[0]) == std::string::npos) return false;
        if (token.kind != SqlToken::Kind::Symbol || token.text != "(") continue;
        const SqlToken& before = tokens[i - 1];
        if (before.kind == SqlToken::Kind::Identifier) return false;  // "my_function"(...)
        if (before.kind == SqlToken::Kind::Word && beforeParenthesis.count(before.text) == 0) return false;
        if (i >= 2 && tokens[i - 2].kind == SqlToken::Kind::Symbol && tokens[i - 2].text == ".")
            return false;  // s.lower(
    }
    return true;
}

}  // namespace orderhost::services
