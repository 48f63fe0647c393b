// Just enough SQL lexing for plugin statements: where the `?` placeholders are, which
// statement it is, where one statement of a migration ends, and its tokens (for the checks
// of StatementPolicy.h).
//
// Quoted text ('...', "..."), line comments (-- ...) and block comments (/* ... */) are
// skipped, so a '?' or ';' inside them counts for nothing. PostgreSQL dollar quoting
// ($$ ... $$) is not understood: documented as unsupported in migrations.
//
//   placeholderOffsets("SELECT '?' , ? -- ?")   == {13}
//   firstKeyword("  /* c */ update t set ...")   == "UPDATE"
//   splitStatements("CREATE TABLE a (x INT); CREATE INDEX ...;") == {"CREATE TABLE a (x INT)", ...}
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace orderhost::services {

// Byte offsets of the `?` placeholders, in order.
std::vector<std::size_t> placeholderOffsets(std::string_view sql);

// The statement's first word, upper-cased ("SELECT", "INSERT", "WITH", ...); "" for none.
std::string firstKeyword(std::string_view sql);

// The statements of a script separated by ';', trimmed; empty statements are dropped.
std::vector<std::string> splitStatements(std::string_view script);

// One lexical token of a statement. Comments and whitespace produce none.
struct SqlToken {
    enum class Kind {
        Word,        // a keyword or unquoted identifier, upper-cased: SELECT, ORDERS
        Identifier,  // a quoted identifier ("x", `x`, [x]), unquoted, case kept
        Literal,     // a string ('..', E'..', $tag$..$tag$) or a number; text is not kept
        Symbol,      // one character of punctuation or an operator: ( ) , . ; ? = ...
    };
    Kind kind;
    std::string text;
    std::size_t end = 0;  // the offset just past the token in the text tokenized
};

// The tokens of `sql`, understanding both backends' quoting: '' and "" doubling, PostgreSQL
// E'..' escapes and $tag$ dollar quotes, SQLite `..` and [..] identifiers, and -- and /* */
// comments (nested ones too, as PostgreSQL does). An unterminated quote or comment runs to
// the end of the text.
//
//   tokenize("insert into \"Orders\" -- x") == {Word INSERT, Word INTO, Identifier Orders}
std::vector<SqlToken> tokenize(std::string_view sql);

// `sql` up to the end of its last token, without a final ';' and whatever follows it (blanks,
// comments): text can then be added after it. A trailing "-- comment" would swallow it.
//
//   statementBody("UPDATE t SET n = 1 ; -- done\n") == "UPDATE t SET n = 1"
std::string_view statementBody(std::string_view sql);

// Whether `sql` only reads: a SELECT (not WITH: a CTE may write) without FOR UPDATE/SHARE
// (row locks a rollback to a savepoint would drop), INTO, or a call of any function but a few
// built-in pure ones (a plugin's function may write), an operator or cast beyond plain
// arithmetic and comparison, or a '['. Errs on "no". It is lexical: a view, or a plugin's
// overload of a built-in, that runs a writing function is beyond what it sees (docs/reliability.md,
// "No savepoint after a read").
//
//   readsOnly("SELECT COUNT(*) FROM t WHERE x IN (?, ?)") == true
//   readsOnly("SELECT nextval('s')") == false
bool readsOnly(std::string_view sql);

}  // namespace orderhost::services
